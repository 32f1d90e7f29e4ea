// sockopt-demo serve --take-over: the conversation between the serve that leaves and the one that
// replaces it, on one connection to the old serve's rendezvous (TakeOverRendezvous).

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)
/// The take-over protocol, one line at a time, each side reading only once the other has stopped
/// writing (so that no read takes bytes, or descriptors, meant for a later step):
///
///     new: sockopt-demo take-over 1 descriptors    (or: ... steer, for --take-over=steer)
///     old: descriptors                             (it can hand over its listener; else: steer)
///   descriptor hand-over:
///     new: ready
///     old: the DescriptorHandover message with the listener (SCM_RIGHTS); new: ok
///     old: stops accepting, closes its descriptor and its rendezvous, then the connection
///   steering (the old one cannot hand over, or the new one asked to steer):
///     new: joins the SO_REUSEPORT group, steers it to its index 1, then: steered 1 (or: unsteered)
///     old: drains its queue, closes, closes its rendezvous, then: drained COUNT MILLISECONDS
///     new: detaches the steering program
///
/// Every wait is bounded (``TakeOver/stepTimeout``); a side that sees the other go silent or away
/// before the switch goes on as it was: the old one keeps serving.
enum TakeOver {
    static let request = "sockopt-demo take-over 1"
    /// How long either side waits for the other's next line.
    static let stepTimeout: Duration = .seconds(5)
    /// How long the new serve waits for the old one to finish its drain (its drain is bounded by
    /// ReusePortHandover.defaultTimeout, 10 s).
    static let drainWait: Duration = .seconds(15)
    /// The name the listener travels under.
    static let listenerName = "serve"

    enum Way: String {
        case descriptors
        case steer
    }

    /// Sends `line` and a newline within the step timeout; false when it could not.
    static func send(_ line: String, over connection: borrowing Connection) -> Bool {
        (try? connection.send(line + "\n", timeout: stepTimeout)) != nil
    }

    /// One line (without its newline) of at most 200 bytes, read a byte at a time within `timeout`,
    /// so that nothing after the newline is taken; nil when the time ran out, a signal came, or the
    /// peer closed first.
    static func readLine(from connection: borrowing Connection, timeout: Duration = stepTimeout) -> String? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var bytes: [UInt8] = []
        while bytes.count < 200 {
            let left = clock.now.duration(to: deadline)
            guard left > .zero, let chunk = try? connection.receive(upTo: 1, timeout: left), let byte = chunk.first
            else { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }

    /// The process at the other end, when it runs as this effective user; otherwise why not.
    /// The rendezvous directory already keeps others out; this holds if someone made it reachable.
    static func sameUserPeer(_ connection: borrowing Connection) -> Result<PeerCredentials, TakeOverFailure> {
        guard case .peerCredentials(let peer?)? = try? connection.option(.peerCredentials) else {
            return .failure(TakeOverFailure("the peer's credentials cannot be read (SO_PEERCRED)"))
        }
        guard peer.userID == geteuid() else {
            return .failure(
                TakeOverFailure("the peer is process \(peer.processID) of uid \(peer.userID), not of yours")
            )
        }
        return .success(peer)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    // MARK: The old serve

    /// Reads and checks the request of a process that connected to the rendezvous. Nil (and a line on
    /// standard error) for anything else: the old serve goes on serving.
    static func readRequest(_ connection: borrowing Connection) -> (way: Way, peer: PeerCredentials)? {
        let peer: PeerCredentials
        switch sameUserPeer(connection) {
        case .success(let found): peer = found
        case .failure(let failure):
            printError("serve: take-over refused: \(failure)")
            return nil
        }
        guard let line = readLine(from: connection) else {
            printError(
                "serve: process \(peer.processID) connected to the take-over rendezvous but sent no request line "
                    + "(at most 200 bytes ending in a newline, within \(stepTimeout)): still serving"
            )
            return nil
        }
        guard line.hasPrefix(request + " "), let way = Way(rawValue: String(line.dropFirst(request.count + 1))) else {
            printError(
                "serve: process \(peer.processID) sent \"\(PrintableText.escaped(line))\", not a take-over request"
            )
            return nil
        }
        return (way, peer)
    }

    // MARK: The new serve

    /// Joins the old serve on `address` by its rendezvous and takes over, as `way` prefers: what the
    /// new serve then serves, and the connection on which it hears the old one end.
    static func start(on address: SocketAddress, preferring way: Way) -> Result<Successor, TakeOverFailure> {
        let clock = ContinuousClock()
        let started = clock.now
        let rendezvous: SocketAddress
        switch TakeOverRendezvous.address(for: address) {
        case .success(let found): rendezvous = found
        case .failure(let problem): return .failure(TakeOverFailure(problem.text))
        }
        // Counted before connecting when steering is wanted: once connected to, the old serve waits
        // for the request without serving, so nothing slow comes between the connect and the request.
        let listening = way == .steer ? listenersOnPort(of: address) : nil
        let control: Connection
        do {
            control = try Connection(connectingTo: rendezvous, timeout: stepTimeout)
        } catch {
            if let errno = error.errno, errno == .noSuchEntry || errno == .connectionRefused {
                return .failure(
                    TakeOverFailure(
                        "nothing to take over on \(address): no serve offers a take-over at "
                            + "\(rendezvous) (\(errno.name)). Start one with --reuse-port, or start this one "
                            + "without --take-over to serve alone"
                    )
                )
            }
            return .failure(TakeOverFailure("cannot reach the take-over rendezvous \(rendezvous): \(error)"))
        }
        let predecessor: PeerCredentials
        switch sameUserPeer(control) {
        case .success(let found): predecessor = found
        case .failure(let failure): return .failure(failure)
        }
        guard send(request + " " + way.rawValue, over: control) else {
            return .failure(TakeOverFailure("process \(predecessor.processID) did not take the request"))
        }
        let asked = clock.now
        guard let answer = readLine(from: control) else {
            // Closed before the time was up: the old serve went away with this request still queued,
            // most often because another --take-over replaced it first.
            if asked.duration(to: clock.now) < stepTimeout {
                return .failure(
                    TakeOverFailure(
                        "process \(predecessor.processID) closed the take-over without answering: another "
                            + "--take-over replaced it first, or it stopped. Run --take-over again to replace "
                            + "whichever serve now runs on \(address)"
                    )
                )
            }
            return .failure(TakeOverFailure("process \(predecessor.processID) gave no take-over answer in time"))
        }
        guard let offered = Way(rawValue: answer) else {
            return .failure(
                TakeOverFailure(
                    "process \(predecessor.processID) answered \"\(PrintableText.escaped(answer))\", not a way of "
                        + "taking over"
                )
            )
        }
        switch offered {
        case .descriptors:
            guard send("ready", over: control) else {
                return .failure(TakeOverFailure("process \(predecessor.processID) went away"))
            }
            var listeners: DescriptorHandover.Listeners
            do {
                listeners = try DescriptorHandover.receive(over: control, timeout: stepTimeout)
            } catch {
                return .failure(TakeOverFailure("the descriptor hand-over failed: \(error)"))
            }
            guard let listener = listeners.take(name: listenerName) else {
                return .failure(TakeOverFailure("the hand-over carried no listener named \"\(listenerName)\""))
            }
            // The old serve's rendezvous is named after its own listener's address, so a real one
            // hands over a listener on `address`; anything else would be served here under the wrong
            // name while a restart script believes the address taken over. Closed plainly: its other
            // holder keeps it.
            guard listener.localAddress == address else {
                return .failure(
                    TakeOverFailure(
                        "process \(predecessor.processID) handed over a listener on \(listener.localAddress), not on "
                            + "\(address): not serving it"
                    )
                )
            }
            return .success(
                Successor(
                    listener: listener,
                    predecessor: Predecessor(
                        control: control,
                        processID: predecessor.processID,
                        way: .descriptors,
                        steeredIndex: nil,
                        started: started,
                        deadline: clock.now + stepTimeout
                    ),
                    how: "descriptor hand-over from process \(predecessor.processID) in "
                        + "\(milliseconds(started.duration(to: clock.now))) ms"
                )
            )
        case .steer:
            return steer(
                address,
                listening: listening ?? listenersOnPort(of: address),
                control: control,
                predecessor: predecessor.processID,
                started: started
            )
        }
    }

    /// The steering way: join the group, steer it to index 1, tell the old serve to drain.
    ///
    /// The index assumes a group of exactly one old serve: the group's indices follow `listen` order
    /// across every process on the port, so the old one is 0 and the new one, listening next, is 1.
    /// Before joining, the listeners on the port are counted (/proc/self/net/tcp or tcp6, this
    /// network namespace): with any number but one, index 1 could be someone else, and the new serve
    /// refuses.
    private static func steer(
        _ address: SocketAddress,
        listening: Int?,
        control: consuming Connection,
        predecessor: Int32,
        started: ContinuousClock.Instant
    ) -> Result<Successor, TakeOverFailure> {
        guard listening == 1 else {
            return .failure(
                TakeOverFailure(
                    "steering assumes one serve on port \(address.port), the one at index 0, but "
                        + (listening.map { "\($0) sockets listen there" } ?? "the TCP table cannot be read")
                        + ": not joining, nothing changed"
                )
            )
        }
        let listener: ListeningSocket
        do {
            listener = try ListeningSocket(address: address, options: [.reusePort(true)])
        } catch {
            return .failure(TakeOverFailure("cannot join the SO_REUSEPORT group on \(address): \(error)"))
        }
        let index = 1
        var how = "joined the SO_REUSEPORT group of process \(predecessor) as index \(index)"
        var steeredIndex: Int? = index
        do {
            try listener.steerReusePortGroup(toIndex: index)
            how += " and steered new connections to it"
        } catch {
            // As ReusePortHandover.steerAndDrain does: the old one drains and closes all the same.
            how += "; could not steer (\(error)): the old one drains and closes unsteered"
            steeredIndex = nil
        }
        guard send(steeredIndex == nil ? "unsteered" : "steered \(index)", over: control) else {
            return .failure(TakeOverFailure("process \(predecessor) went away before it drained"))
        }
        return .success(
            Successor(
                listener: listener,
                predecessor: Predecessor(
                    control: control,
                    processID: predecessor,
                    way: .steer,
                    steeredIndex: steeredIndex,
                    started: started,
                    deadline: ContinuousClock.now + drainWait
                ),
                how: how
            )
        )
    }

    /// How many sockets listen on `address`'s port, of its family, in this network namespace.
    ///
    /// The kernel prints the listening sockets first, then the established hash, which holds a row per
    /// TIME_WAIT socket too (tens of thousands on a busy port): the read stops at the first row
    /// that is not listening, so its cost is that of the listeners, not of the whole table.
    static func listenersOnPort(of address: SocketAddress) -> Int? {
        let table = address.family == .ipv6 ? "/proc/self/net/tcp6" : "/proc/self/net/tcp"
        let fd = open(table, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // Per row, field 1 is the local "ADDRESS:PORT" in hex, field 3 the state (0A: TCP_LISTEN).
        let port = Array(String(address.port, radix: 16, uppercase: true).utf8)
        let portField = [UInt8(ascii: ":")] + Array(repeating: UInt8(ascii: "0"), count: 4 - port.count) + port
        let listenState = Array("0A".utf8)
        var listening = 0
        var row = 0
        var field = -1
        var inField = false
        var local: [UInt8] = []
        var state: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return listening }
            for byte in buffer[..<count] {
                if byte == UInt8(ascii: "\n") {
                    if row > 0 {  // row 0 is the header
                        guard state == listenState else { return listening }
                        if local.count >= portField.count && local.suffix(portField.count).elementsEqual(portField) {
                            listening += 1
                        }
                    }
                    row += 1
                    field = -1
                    inField = false
                    local.removeAll(keepingCapacity: true)
                    state.removeAll(keepingCapacity: true)
                } else if byte == UInt8(ascii: " ") {
                    inField = false
                } else {
                    if !inField {
                        field += 1
                        inField = true
                    }
                    if field == 1 {
                        local.append(byte)
                    } else if field == 3 {
                        state.append(byte)
                    }
                }
            }
        }
    }
}

/// What a new serve took over: its listener, and the old serve until it has ended.
struct Successor: ~Copyable {
    var listener: ListeningSocket
    var predecessor: Predecessor
    /// What happened, for the "listening on" line.
    var how: String
}

/// Why a take-over did not happen; the old serve, if any, serves on.
struct TakeOverFailure: Error, CustomStringConvertible {
    var text: String
    init(_ text: String) { self.text = text }
    var description: String { text }
}
#endif

#if os(Linux)
/// The old serve, seen from the new one until it has ended: the control connection on which it
/// says so (a line after a drain, or its close after a descriptor hand-over).
struct Predecessor: ~Copyable {
    var control: Connection
    var processID: Int32
    /// The way it was taken over.
    var way: TakeOver.Way
    /// The index the group was steered to, to detach once the old one has drained; nil when
    /// nothing was steered.
    var steeredIndex: Int?
    var started: ContinuousClock.Instant
    /// The longest the new serve waits for the old one's end.
    var deadline: ContinuousClock.Instant

    func expired(_ clock: ContinuousClock) -> Bool { clock.now >= deadline }

    /// Reads what the old serve said as it ended, detaches the steering program, and says how the
    /// take-over went.
    consuming func finish(_ listener: borrowing ListeningSocket, clock: ContinuousClock) {
        let timedOut = expired(clock)
        let line = TakeOver.readLine(from: control, timeout: .milliseconds(200))
        var text = "take-over done: "
        switch way {
        case .descriptors where timedOut:
            text += "process \(processID) did not close its end within \(TakeOver.stepTimeout); the listener is ours"
        case .descriptors:
            text += "process \(processID) closed its copy of the listener"
        case .steer:
            let fields = line?.split(separator: " ") ?? []
            if fields.count == 3 && fields[0] == "drained" {
                text += "process \(processID) drained \(fields[1]) connections in \(fields[2]) ms and closed"
            } else {
                text +=
                    "process \(processID) did not say it drained (it went away, or took longer than "
                    + "\(TakeOver.drainWait))"
            }
            if let steeredIndex {
                do {
                    try listener.detachReusePortProgram()
                    text += "; detached the program that steered to index \(steeredIndex)"
                } catch {
                    text += "; could not detach the steering program: \(error)"
                }
            }
            text += "; \(ReusePortHandover.kernelMigration())"
        }
        say(text + "; the switch took \(TakeOver.milliseconds(started.duration(to: clock.now))) ms")
        try? control.close()
    }
}
#else
/// Take-over needs Linux: no old serve is ever followed.
struct Predecessor: ~Copyable {}
#endif
