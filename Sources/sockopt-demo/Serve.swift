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
    var takeOver: String?
    for argument in arguments {
        if argument == "--reuse-port" {
            reusePort = true
        } else if argument == "--take-over" || argument.hasPrefix("--take-over=") {
            let way = argument == "--take-over" ? "descriptors" : String(argument.dropFirst("--take-over=".count))
            guard way == "descriptors" || way == "steer" else {
                printError("serve: --take-over=\(PrintableText.escaped(way)): give descriptors or steer\n\n\(usage)")
                return 2
            }
            takeOver = way
        } else if !argument.hasPrefix("-") && !sawAddress {
            addressText = argument
            sawAddress = true
        } else {
            printError("serve: unexpected argument \"\(PrintableText.escaped(argument))\"\n\n\(usage)")
            return 2
        }
    }
    if takeOver != nil && !(reusePort && sawAddress) {
        printError(
            "serve: --take-over needs the ADDRESS of the serve it replaces and --reuse-port (when the old serve "
                + "cannot hand its listener over, the new one joins its SO_REUSEPORT group)\n\n\(usage)"
        )
        return 2
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
        if let takeOver {
            guard address.unixPath == nil && address.family != .unix && address.port != 0 else {
                printError(
                    "serve: --take-over needs the IP address and port the old serve listens on, not \(address)"
                )
                return 2
            }
            #if os(Linux)
            switch TakeOver.start(on: address, preferring: TakeOver.Way(rawValue: takeOver) ?? .descriptors) {
            case .success(let successor):
                return try serve(successor.listener, how: successor.how, offering: true, after: successor.predecessor)
            case .failure(let failure):
                printError("serve: \(failure)")
                return 1
            }
            #else
            printError("serve: --take-over needs Linux (SCM_RIGHTS hand-over, SO_REUSEPORT steering)")
            return 2
            #endif
        }
        let options: [SocketOption] = reusePort ? [.reusePort(true)] : []
        return try serve(try ListeningSocket(address: address, options: options), how: nil, offering: reusePort)
    } catch {
        printError(error.description)
        return 1
    }
}

/// Answers one connection with the line that names this process.
private func answer(_ connection: consuming Connection) {
    do {
        try connection.send("hello from sockopt-demo, process \(getpid())\n")
    } catch {
        printError("could not answer \(connection.remoteAddress): \(error)")
    }
    try? connection.close()
}

private func pollEntry(_ fd: CInt) -> pollfd { pollfd(fd: fd, events: Int16(POLLIN), revents: 0) }

/// Serves `listener` until a stop signal, or until another serve takes over (`offering`, Linux):
/// then the listener goes to it by descriptor hand-over, or is drained while the group is steered
/// to the new serve, and serve returns 0. `predecessor` is the old serve this one took over from,
/// until it has ended.
private func serve(
    _ listener: consuming ListeningSocket,
    how: String?,
    offering: Bool = false,
    after predecessor: consuming Predecessor? = nil
) throws(SocketError) -> Int32 {
    say("listening on \(listener.localAddress)" + (how.map { " (\($0))" } ?? ""))
    var served = 0
    var backingOff = false
    #if os(Linux)
    let clock = ContinuousClock()
    var predecessor = predecessor
    var rendezvous: ListeningSocket? = nil
    // The rendezvous is offered at once, or, after a take-over, once the old serve has ended and
    // removed its own.
    var offerAt: ContinuousClock.Instant? = offering && predecessor == nil ? clock.now : nil
    var offerAttempts = 0
    #endif
    while !stopRequested() {
        var entries = [pollEntry(stopPipe.read), pollEntry(listener.rawDescriptor)]
        #if os(Linux)
        var rendezvousEntry: Int?
        if let fd = rendezvous?.rawDescriptor {
            rendezvousEntry = entries.count
            entries.append(pollEntry(fd))
        }
        var predecessorEntry: Int?
        if let fd = predecessor?.control.rawDescriptor {
            predecessorEntry = entries.count
            entries.append(pollEntry(fd))
        }
        #endif
        // Bounded, so that a stop signal that came just before the poll is seen within 100 ms.
        _ = poll(&entries, nfds_t(entries.count), 100)
        let ready = entries.map { $0.revents != 0 }

        #if os(Linux)
        if let entry = predecessorEntry, ready[entry] || predecessor?.expired(clock) == true {
            predecessor.take()?.finish(listener, clock: clock)
            offerAt = clock.now
        }
        if let at = offerAt, clock.now >= at {
            offerAt = nil
            switch TakeOverRendezvous.address(for: listener.localAddress) {
            case .success(let path):
                do {
                    rendezvous = try ListeningSocket(address: path, unixFileMode: 0o600)
                    say("offering take-over at \(path)")
                } catch .addressInUse(_, _) where offerAttempts < 10 {
                    // Another serve on this address offers there: the one this serve took over from,
                    // on its way out, or a partner in load balancing. Try a few times, 100 ms apart.
                    offerAttempts += 1
                    offerAt = clock.now + .milliseconds(100)
                } catch .addressInUse(_, _) {
                    // Still in use after a second: a partner in load balancing keeps offering there,
                    // and a later --take-over reaches that one. Nothing to do about it, so no advice.
                    printError(
                        "serve: not offering a take-over at \(path): another serve on this address "
                            + "offers it; a --take-over goes to that one"
                    )
                } catch {
                    printError("serve: not offering a take-over at \(path): \(error)")
                }
            case .failure(let problem):
                printError("serve: not offering a take-over: \(problem)")
            }
        }
        if let entry = rendezvousEntry, ready[entry], let control = try? rendezvous?.accept(timeout: .zero),
            let request = TakeOver.readRequest(control)
        {
            let peer = request.peer
            let started = clock.now
            if request.way == .descriptors && TakeOver.send("descriptors", over: control) {
                guard TakeOver.readLine(from: control) == "ready" else {
                    printError("serve: process \(peer.processID) did not get ready for the hand-over: still serving")
                    continue
                }
                do {
                    try DescriptorHandover.send(
                        [.init(TakeOver.listenerName, listener)],
                        over: control,
                        timeout: TakeOver.stepTimeout
                    )
                } catch {
                    printError("serve: the hand-over to process \(peer.processID) failed, still serving: \(error)")
                    continue
                }
                // Never stopAccepting() here: its shutdown would stop the socket the new serve now holds.
                do {
                    try listener.closeAfterHandover()
                } catch {
                    printError("serve: close after the hand-over: \(error)")
                }
                try? rendezvous.take()?.close()
                say(
                    "taken over by process \(peer.processID): descriptor hand-over in "
                        + "\(TakeOver.milliseconds(started.duration(to: clock.now))) ms; nothing to drain, the new "
                        + "process accepts from the same queue"
                )
                try? control.close()
                say("stopped after \(served) connection\(served == 1 ? "" : "s")")
                return 0
            }
            // The steering way: the new serve joins the group and steers it to itself; this one drains.
            guard TakeOver.send("steer", over: control), let reply = TakeOver.readLine(from: control),
                reply == "unsteered" || reply.hasPrefix("steered ")
            else {
                printError("serve: process \(peer.processID) did not steer the group in time: still serving")
                continue
            }
            let migration = ReusePortHandover.kernelMigration()
            let drain = drainWatchingSuccessor(listener, control: control) { connection in
                answer(connection)
                served += 1
            }
            guard !drain.successorGone else {
                // Its listener went with it (its queue reset), and its steering program now points
                // past the group's end, so the kernel's hash brings everything here: detach it anyway,
                // so that a later member is not steered by it.
                _ = try? listener.detachReusePortProgram()
                printError(
                    "serve: process \(peer.processID) went away during the drain (after \(drain.accepted) "
                        + "connection\(drain.accepted == 1 ? "" : "s")): no take-over, still serving"
                )
                continue
            }
            try? listener.close()
            try? rendezvous.take()?.close()
            _ = TakeOver.send("drained \(drain.accepted) \(TakeOver.milliseconds(drain.duration))", over: control)
            try? control.close()
            let way =
                reply == "unsteered"
                ? "it could not steer (a plain close unless tcp_migrate_req is 1)"
                : "it steered new connections to its index \(reply.dropFirst("steered ".count))"
            let quiet = drain.quiet ? "" : " (ended before the queue was quiet)"
            say(
                "taken over by process \(peer.processID): \(way); drained \(drain.accepted) connection"
                    + "\(drain.accepted == 1 ? "" : "s") in \(TakeOver.milliseconds(drain.duration)) ms\(quiet); "
                    + "\(migration)"
            )
            say("stopped after \(served) connection\(served == 1 ? "" : "s")")
            return 0
        }
        #endif

        guard ready[1] else { continue }
        let accepted: Connection?
        do {
            accepted = try listener.accept(timeout: .zero)
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
        answer(connection)
        served += 1
    }
    try listener.close()
    say("stopped after \(served) connection\(served == 1 ? "" : "s")")
    return 0
}

#if os(Linux)
/// What the drain of a steered take-over did.
private struct SuccessorDrain {
    var accepted = 0
    var duration: Duration = .zero
    /// The queue stayed empty for the quiet period (not the time bound ended it).
    var quiet = false
    /// The new serve's end of the control connection closed before the drain ended: it is gone.
    var successorGone = false
}

/// The drain of a steered take-over, as ReusePortHandover.drainAndClose drains (every connection
/// queued or arriving, until none came for its quiet period, at most its timeout, then those
/// still queued), but watching the control connection, and leaving the listener open.
///
/// The new serve says nothing until it reads "drained", so an end of that connection means it is
/// gone (killed, or stopped by a signal), its listener closed and its steering with it. Then the
/// drain stops and this serve keeps its listener: drainAndClose would close it at the end of a
/// drain that nothing can interrupt, and leave no one serving the port.
private func drainWatchingSuccessor(
    _ listener: borrowing ListeningSocket,
    control: borrowing Connection,
    serving: (consuming Connection) -> Void
) -> SuccessorDrain {
    let clock = ContinuousClock()
    let start = clock.now
    var drain = SuccessorDrain()
    var lastArrival = start
    while true {
        var entries = [pollEntry(listener.rawDescriptor), pollEntry(control.rawDescriptor)]
        _ = poll(&entries, 2, 0)
        if entries[1].revents != 0 {
            drain.successorGone = true
            break
        }
        if let connection = try? listener.accept(timeout: .zero) {
            drain.accepted += 1
            serving(connection)
            lastArrival = clock.now
            continue
        }
        let now = clock.now
        if lastArrival.duration(to: now) >= ReusePortHandover.defaultQuietPeriod {
            drain.quiet = true
            break
        }
        if start.duration(to: now) >= ReusePortHandover.defaultTimeout {
            // Out of time: what is queued now, no more, so that a flood cannot hold the drain open.
            var queued = (try? listener.tcpInfo().unacknowledged) ?? 0
            while queued > 0, let connection = try? listener.accept(timeout: .zero) {
                queued -= 1
                drain.accepted += 1
                serving(connection)
            }
            break
        }
        // Until a connection or the control's end, at most the rest of the quiet period; an accept
        // error (out of descriptors) also waits here rather than spin.
        let left = ReusePortHandover.defaultQuietPeriod - lastArrival.duration(to: now)
        _ = poll(&entries, 2, CInt(max(1, min(TakeOver.milliseconds(left), 50))))
    }
    drain.duration = start.duration(to: clock.now)
    return drain
}
#endif
