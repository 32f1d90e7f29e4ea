// sockopt-demo serve: a tiny server that answers each connection with its process id.

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A pipe the signal handler writes a byte into (write is async-signal-safe); the accept loop
/// looks for it between waits of at most 100 ms. A pipe rather than an atomic flag: Atomic needs
/// macOS 15, and the package supports macOS 13.
private let stopPipe: (read: CInt, write: CInt) = {
    var ends: [CInt] = [-1, -1]
    guard pipe(&ends) == 0 else { return (-1, -1) }
    for end in ends {
        _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
    }
    return (ends[0], ends[1])
}()

/// Whether a stop signal came (SIGINT, SIGTERM or SIGHUP).
private func stopRequested() -> Bool {
    var byte: UInt8 = 0
    return read(stopPipe.read, &byte, 1) == 1
}

/// Whether `number` is ignored now (SIG_IGN, 1 on Linux and Darwin), as `nohup` leaves SIGHUP.
private func isIgnored(_ number: CInt) -> Bool {
    var current = sigaction()
    guard sigaction(number, nil, &current) == 0 else { return false }
    #if canImport(Darwin)
    let handler = current.__sigaction_u.__sa_handler
    #else
    let handler = current.__sigaction_handler.sa_handler
    #endif
    return handler.map { unsafeBitCast($0, to: Int.self) == 1 } ?? false
}

/// The errors of accept that leave the listener usable: out of descriptors or kernel memory.
/// The connection stays queued, so accepting again at once would spin: wait, then go on.
private let transientAcceptErrors: [Errno] = [
    .tooManyOpenFiles, .tooManyOpenFilesInSystem, .noBufferSpace, .noMemory,
]

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
            printError("serve: unexpected argument \"\(PrintableText.escaped(argument))\"\n\n\(usage)")
            return 2
        }
    }

    guard stopPipe.read >= 0 else {
        printError("serve: cannot make the pipe that signals use to stop it (errno \(errno))")
        return 1
    }
    // SIGHUP too (the terminal went away): a stop like the others, which closes the listener and
    // so removes a Unix socket file; unless it is ignored, as `nohup` leaves it, to keep serving.
    for stopSignal in [SIGINT, SIGTERM, SIGHUP] where !isIgnored(stopSignal) {
        signal(stopSignal) { _ in
            var byte: UInt8 = 1
            _ = write(stopPipe.write, &byte, 1)
        }
    }

    do {
        // Started by a socket-activation launcher and given no address: serve its socket.
        if !sawAddress, let inherited = try ListeningSocket.activated() {
            return try serve(inherited, how: "socket activation: inherited descriptor, no socket of its own")
        }
        // A host name is looked up (getaddrinfo); the listener takes the first address it gives.
        let address = try SocketAddress.resolving(addressText)[0]
        let options: [SocketOption] = reusePort ? [.reusePort(true)] : []
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
    var backingOff = false
    while !stopRequested() {
        // accept(timeout:) returns nil on a signal too, so Ctrl+C is seen within one wait.
        let accepted: Connection?
        do {
            accepted = try listener.accept(timeout: .milliseconds(100))
        } catch {
            guard let errno = error.errno, transientAcceptErrors.contains(errno) else { throw error }
            if !backingOff { printError("accept failed with \(errno.name): waiting for resources, still listening") }
            backingOff = true
            var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            _ = nanosleep(&pause, nil)
            continue
        }
        guard let connection = accepted else { continue }
        if backingOff { printError("accepting again") }
        backingOff = false
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
