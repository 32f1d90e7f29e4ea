// sockopt-demo serve: a tiny server that answers each connection with its process id.

import SocketOptions
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by the signal handler; the accept loop checks it between waits of at most 100 ms.
private let stopRequested = Atomic<Bool>(false)

func runServe(_ arguments: [String]) -> Int32 {
    var addressText = "127.0.0.1:8080"
    var reusePort = false
    var sawAddress = false
    for argument in arguments {
        if argument == "--reuse-port" {
            reusePort = true
        } else if !argument.hasPrefix("-") && !sawAddress {
            addressText = argument
            sawAddress = true
        } else {
            printError("serve: unexpected argument \"\(argument)\"\n\n\(usage)")
            return 2
        }
    }

    signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
    signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }

    do {
        // Started by a socket-activation launcher and given no address: serve its socket.
        if !sawAddress, let inherited = try ListeningSocket.activated() {
            return try serve(inherited, how: "socket activation: inherited descriptor, no socket of its own")
        }
        let address = try SocketAddress(addressText)
        let options = ListeningSocket.defaultOptions + (reusePort ? [.reusePort(true)] : [])
        return try serve(try ListeningSocket(address: address, options: options), how: nil)
    } catch {
        printError(error.description)
        return 1
    }
}

private func serve(_ listener: consuming ListeningSocket, how: String?) throws(SocketError) -> Int32 {
    say("listening on \(listener.localAddress)" + (how.map { " (\($0))" } ?? ""))
    let pid = getpid()
    var served = 0
    while !stopRequested.load(ordering: .relaxed) {
        // accept(timeout:) returns nil on a signal too, so Ctrl+C is seen within one wait.
        guard let connection = try listener.accept(timeout: .milliseconds(100)) else { continue }
        do {
            try connection.send("hello from sockopt-demo, process \(pid)\n")
        } catch {
            printError("could not answer \(connection.remoteAddress): \(error)")
        }
        try? connection.close()
        served += 1
    }
    try listener.close()
    say("stopped after \(served) connection\(served == 1 ? "" : "s")")
    return 0
}
