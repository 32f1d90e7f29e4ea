// sockopt-demo: the tour. Every claim it prints is read from the kernel.

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

func runTour() -> Int32 {
    say("SocketOptions tour: each line below is the kernel's own answer (getsockopt, getsockname, /proc).")
    do {
        try tourOrEdTrap()
        try tourRestartThroughTimeWait()
        try tourSharedPort()
        try tourOptionTable()
        say("\nDone. `sockopt-demo --help` lists the other commands.")
        return 0
    } catch {
        printError("the tour stopped: \(error)")
        return 1
    }
}

/// 1. `SO_REUSEADDR | SO_REUSEPORT` in one setsockopt call sets one option, not two.
private func tourOrEdTrap() throws(SocketError) {
    heading("1. The one-liner setsockopt(fd, SOL_SOCKET, SO_REUSEADDR | SO_REUSEPORT, &one, ...)")
    let fd = socket(AF_INET, tourStreamType, 0)
    guard fd >= 0 else { throw .system(.socket, Errno(rawValue: errno)) }
    defer { close(fd) }
    var one: CInt = 1
    let result = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR | SO_REUSEPORT, &one, socklen_t(MemoryLayout<CInt>.size))
    say(
        "   SO_REUSEADDR | SO_REUSEPORT = \(SO_REUSEADDR) | \(SO_REUSEPORT) = \(SO_REUSEADDR | SO_REUSEPORT); "
            + "setsockopt returned \(result) (success)"
    )
    let borrowed = BorrowedSocket(borrowing: fd)
    let address = try borrowed.value(.reuseAddress)
    let port = try borrowed.value(.reusePort)
    say(
        "   read back: SO_REUSEADDR \(address ? "on" : "off"), SO_REUSEPORT \(port ? "on" : "off")"
            + "  <- only one of the two was set"
    )

    let listener = try ListeningSocket(
        address: .ipv4Loopback(port: 0),
        options: [.reuseAddress(true), .reusePort(true)]
    )
    say(
        "   SocketOptions, options [.reuseAddress(true), .reusePort(true)]: one call each, read back "
            + "SO_REUSEADDR \(try listener.option(.reuseAddress).valueDescription), "
            + "SO_REUSEPORT \(try listener.option(.reusePort).valueDescription)"
    )
}

/// 2. A server that closed its connections first leaves them in TIME_WAIT; only reuseAddress on the
/// old and the new listener lets it bind the port again at once.
private func tourRestartThroughTimeWait() throws(SocketError) {
    heading("2. Restart at once, while the old instance's connections sit in TIME_WAIT")
    let old = try ListeningSocket(address: .ipv4Loopback(port: 0), options: [.reuseAddress(true)])
    let address = old.localAddress
    for _ in 0..<3 {
        let client = try Connection(connectingTo: address)
        let server = try old.accept()
        try server.send("bye\n")
        try server.close()  // the server closes first, so its side goes to TIME_WAIT
        _ = try client.receiveAll()
        try client.close()
    }
    try old.close()
    // What holds the port now, as the kernel's tables show it: the library's EADDRINUSE diagnosis.
    let findings = AddressInUseDiagnosis(address: address).findings
    let listening = findings.filter { if case .listener = $0 { true } else { false } }.count
    let timeWait = findings.reduce(0) { total, finding in
        if case .timeWait(let count) = finding { total + count } else { total }
    }
    say("   old server on \(address) served 3 connections, closed them first, and stopped")
    say("   port \(address.port) now: \(listening) listening, \(timeWait) in TIME_WAIT (/proc/net/tcp)")
    do {
        // The defaults set SO_REUSEADDR and any list is laid over them by name: opting out is explicit.
        _ = try ListeningSocket(address: address, options: [.reuseAddress(false)])
        say("   without reuseAddress: bound (the kernel let it through; TIME_WAIT had already gone)")
    } catch .addressInUse {
        say("   without reuseAddress: EADDRINUSE, as expected")
    }
    let restarted = try ListeningSocket(address: address, options: [.reuseAddress(true)])
    say("   with reuseAddress:    listening on \(restarted.localAddress) again, at once")
}

/// 3. Several listeners with reusePort share a port; the kernel spreads connections by a hash.
private func tourSharedPort() throws(SocketError) {
    heading("3. Two instances share one port with reusePort (the kernel balances by a hash)")
    let options: [SocketOption] = [.reuseAddress(true), .reusePort(true)]
    let first = try ListeningSocket(address: .ipv4Loopback(port: 0), options: options)
    let second = try ListeningSocket(address: first.localAddress, options: options)
    let total = 200
    for _ in 0..<total {
        try Connection(connectingTo: first.localAddress).close()
    }
    var counts = [0, 0]
    while let connection = try first.accept(timeout: .milliseconds(100)) {
        try connection.close()
        counts[0] += 1
    }
    while let connection = try second.accept(timeout: .milliseconds(100)) {
        try connection.close()
        counts[1] += 1
    }
    say("   \(total) connections to \(first.localAddress):")
    for (index, count) in counts.enumerated() {
        say("   listener \(index + 1) \(bar(count, of: total)) \(count)")
    }
}

/// 4. What the kernel kept of each option.
private func tourOptionTable() throws(SocketError) {
    heading("4. Requested and kept: the kernel adjusts some values without a word")
    let listener = try ListeningSocket(
        address: .ipv4Loopback(port: 0),
        options: [
            .reuseAddress(true), .reusePort(true), .noDelay(true), .keepAlive(true), .keepAliveIdle(.seconds(60)),
            .receiveBufferSize(65536), .sendBufferSize(1000), .receiveTimeout(.milliseconds(1)),
            .linger(.seconds(5)),
        ]
    )
    say(optionTable(listener.appliedOptions).split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))
}

#if canImport(Glibc)
private let tourStreamType = CInt(SOCK_STREAM.rawValue)
#else
private let tourStreamType = SOCK_STREAM
#endif
