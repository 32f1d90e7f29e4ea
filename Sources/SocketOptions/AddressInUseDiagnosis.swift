// SocketOptions: what holds an address when bind or listen says EADDRINUSE.

/// What holds an address, read from the kernel's tables when bind or listen failed with
/// `EADDRINUSE`: a listening socket and, where `/proc` lets us see it, its process; only
/// TIME_WAIT connections, a previous listener's or a client's; a UDP socket on the port; a stale or
/// live Unix socket file, or a file that is not a socket.
///
/// ```swift
/// do {
///     let listener = try ListeningSocket(address: address, options: options)
/// } catch .addressInUse(let address, _) {
///     print(AddressInUseDiagnosis(address: address, options: options))
///     // "What holds 0.0.0.0:8080 (TCP) now: ... process 4242 (nginx) ..."
/// }
/// ```
///
/// It is read when it is created, never by an error's `description` (which does no I/O): from
/// the `tcp` and `tcp6` tables (`udp` and `udp6` for ``SocketKind/SocketType/datagram``) and
/// `unix` of the calling thread's network namespace (`/proc/thread-self/net`, or `/proc/self/net`
/// before Linux 3.17) and, only when a socket on the port has an inode to find, `/proc/PID/fd`,
/// searched until each socket has its process and never past a bound. It is best effort (a process
/// of another user may be hidden from an unprivileged caller, and things change between the
/// failure and the reading) and it never changes the error. Elsewhere than Linux it finds nothing.
/// Text read from `/proc` (process names, paths) has its control characters escaped.
public struct AddressInUseDiagnosis: Hashable, Sendable, CustomStringConvertible {
    /// A process that owns a socket.
    public struct Owner: Hashable, Sendable, CustomStringConvertible {
        /// The process id.
        public let pid: Int32
        /// The command name (`/proc/PID/comm`), with control characters and bytes that are not
        /// UTF-8 escaped (`\x1b`), as a process may name itself anything.
        public let command: String

        /// `"process 4242 (nginx)"`.
        public var description: String { "process \(pid) (\(command))" }
    }

    /// One thing found on the address.
    public enum Finding: Hashable, Sendable, CustomStringConvertible {
        /// A socket listening on the port, with its local address, the user that owns it and,
        /// when it can be found, its process.
        case listener(address: String, uid: UInt32, owner: Owner?)
        /// A socket bound to the port that does not listen (a bind without listen, or a client
        /// bound to the port).
        case boundSocket(address: String, uid: UInt32, owner: Owner?)
        /// Connections in TIME_WAIT whose local port is the port, and how many: those of an
        /// earlier listener on it, or ones this diagnosis cannot tell.
        case timeWait(count: Int)
        /// Connections in TIME_WAIT of a client whose port, taken from the ephemeral range
        /// (`net.ipv4.ip_local_port_range`), was this one: their peer's port lies outside it.
        case clientTimeWait(count: Int)
        /// A UDP socket on the port (for a datagram socket's diagnosis).
        case datagramSocket(address: String, uid: UInt32, owner: Owner?)
        /// A Unix socket file or abstract name that a socket is bound to: a server listening, or
        /// one that has bound and not yet listened (the kernel's table does not tell them apart).
        case liveUnixServer(path: String, owner: Owner?)
        /// A Unix socket file that nothing listens on: a dead server's leftover.
        case staleUnixFile(path: String)
        /// A stale Unix socket file that belongs to another user: the package never removes it.
        case staleUnixFileOfAnotherUser(path: String, uid: UInt32)
        /// A file at the path that is not a socket.
        case notASocket(path: String)
        /// The lock file beside the path (`PATH.lock`), held (`flock`) by a process, named when
        /// /proc shows it: a server of this package on the path, or anyone who can write the
        /// directory.
        case heldLock(path: String, owner: Owner?)

        public var description: String {
            switch self {
            case .listener(let address, let uid, let owner):
                "a socket listening on \(address) (uid \(uid)\(owner.map { ", \($0)" } ?? ""))"
            case .boundSocket(let address, let uid, let owner):
                "a socket bound to \(address) but not listening (uid \(uid)\(owner.map { ", \($0)" } ?? ""))"
            case .timeWait(let count):
                "\(count) connection\(count == 1 ? "" : "s") in TIME_WAIT"
            case .clientTimeWait(let count):
                "\(count) client connection\(count == 1 ? "" : "s") in TIME_WAIT whose local port this is"
            case .datagramSocket(let address, let uid, let owner):
                "a UDP socket on \(address) (uid \(uid)\(owner.map { ", \($0)" } ?? ""))"
            case .liveUnixServer(let path, let owner):
                "a socket bound to \(PrintableText.escaped(path))\(owner.map { ", held by \($0)" } ?? ""): a server "
                    + "listening, or one about to"
            case .staleUnixFile(let path):
                "a stale socket file at \(PrintableText.escaped(path)) that nothing listens on"
            case .staleUnixFileOfAnotherUser(let path, let uid):
                "a stale socket file at \(PrintableText.escaped(path)) that nothing listens on, of uid \(uid)"
            case .notASocket(let path):
                "a file at \(PrintableText.escaped(path)) that is not a socket"
            case .heldLock(let path, let owner):
                "the lock file \(PrintableText.escaped(path)), held\(owner.map { " by \($0)" } ?? "")"
            }
        }
    }

    /// The address that was in use.
    public let address: SocketAddress
    /// The type of the socket that failed: its tables are the ones read (TCP or UDP).
    public let type: SocketKind.SocketType
    /// What was found on it; empty when nothing could be seen.
    public let findings: [Finding]
    /// The effective user id of this process, to tell another user's listeners apart.
    public let callerUID: UInt32
    /// Whether the failing socket asked for `SO_REUSEADDR`, when the options were given.
    public let reuseAddress: Bool?
    /// `net.ipv4.ip_local_port_range`, the ports that connect() and port 0 take, when it could be read.
    public let ephemeralPorts: ClosedRange<UInt16>?
    /// False when the search of the processes that hold the sockets stopped at its bound before
    /// every socket had its process.
    public let isComplete: Bool

    /// Reads what holds `address` now.
    ///
    /// - Parameters:
    ///   - address: the address bind or listen refused.
    ///   - type: the failing socket's type: `.stream` (TCP, the default) or `.datagram` (UDP),
    ///     whose own tables are read.
    ///   - options: the options the failing socket was given, when known, so that the advice does
    ///     not ask for what it already set (`.reuseAddress(true)`). For a stream socket they are
    ///     taken as ``ListeningSocket`` takes them, laid over ``ListeningSocket/defaultOptions``.
    public init(address: SocketAddress, type: SocketKind.SocketType = .stream, options: [SocketOption]? = nil) {
        self.address = address
        self.type = type
        self.callerUID = ProcessTables.effectiveUID()
        self.reuseAddress = options.map { given in
            let options = type == .stream ? SocketOption.merged(given, over: ListeningSocket.defaultOptions) : given
            return options.contains { if case .reuseAddress(true) = $0 { true } else { false } }
        }
        let report = ProcessTables.report(for: address, type: type)
        self.findings = report.findings
        self.ephemeralPorts = report.ephemeralPorts
        self.isComplete = report.ownersComplete
    }

    private var protocolName: String {
        switch (address.family, type) {
        case (.unix, _): "Unix-domain \(type)"
        case (_, .datagram): "UDP"
        default: "TCP"
        }
    }

    private var ssCommand: String {
        if address.family == .unix { return "ss -xlp" }
        return type == .datagram ? "ss -lunp 'sport = :\(address.port)'" : "ss -tanp 'sport = :\(address.port)'"
    }

    /// What was found, one thing a line, then what to do about it.
    public var description: String {
        var lines: [String] = []
        if address.family != .unix && address.port == 0 {
            lines.append("Port 0 asks the kernel for any free port, and it found none.")
            lines.append(ephemeralAdvice)
            return MessageText.wrapped(lines)
        }
        guard !findings.isEmpty else {
            return MessageText.wrapped([
                "Nothing on \(address) (\(protocolName)) could be seen in /proc: it was freed since the failure, "
                    + "or it is held where /proc does not show it to this user (run `\(ssCommand)` as root)."
            ])
        }
        lines.append("What holds \(address) (\(protocolName)) now, from /proc:")
        lines += findings.map { "  - " + $0.description }
        if !isComplete {
            lines.append("  (the search for the owning processes stopped at its bound: some are not named)")
        }
        lines += advice
        return MessageText.wrapped(lines)
    }

    private var ephemeralAdvice: String {
        let range =
            ephemeralPorts.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "see `sysctl net.ipv4.ip_local_port_range`"
        return "Every port of the ephemeral range net.ipv4.ip_local_port_range (\(range)) is taken: close idle "
            + "sockets, widen the range (`sysctl -w net.ipv4.ip_local_port_range=...`), or bind a fixed port."
    }

    /// Advice that fits what was found.
    private var advice: [String] {
        var lines: [String] = []
        var holders: [(uid: UInt32, owner: Owner?)] = []
        for finding in findings {
            switch finding {
            case .listener(_, let uid, let owner), .boundSocket(_, let uid, let owner),
                .datagramSocket(_, let uid, let owner):
                holders.append((uid, owner))
            default: break
            }
        }
        let pids = Set(holders.compactMap { $0.owner?.pid })
        let stop =
            pids.count > 1
            ? "Stop those \(pids.count) processes or choose another port"
            : pids.count == 1 ? "Stop that process or choose another port" : "Stop what holds it or choose another port"
        if let foreign = holders.first(where: { $0.uid != callerUID }) {
            lines.append(
                "A socket of another user (uid \(foreign.uid)) holds the port; you run as uid \(callerUID)."
            )
            lines.append(
                "Whether or not it set SO_REUSEPORT, this process cannot share the port with it: the kernel lets "
                    + "only sockets of one effective user form a SO_REUSEPORT group."
            )
            lines.append("\(stop) (stopping it needs that user or root).")
        } else if !holders.isEmpty {
            lines.append("\(stop).")
            if type == .datagram {
                lines.append(
                    "To share the port on purpose, every UDP socket on it, the old one too, must set "
                        + ".reusePort(true)."
                )
            } else {
                lines.append(
                    "To share the port on purpose, every listener of the group, the old one too, must set "
                        + ".reusePort(true)."
                )
            }
        } else {
            lines += timeWaitAdvice
        }
        for finding in findings {
            switch finding {
            case .staleUnixFile(let path):
                lines.append(
                    "Remove \(PrintableText.escaped(path)), or let ListeningSocket do it: it removes a stale "
                        + "socket file itself."
                )
            case .staleUnixFileOfAnotherUser(let path, let uid):
                lines.append(
                    "\(PrintableText.escaped(path)) is a stale socket file of uid \(uid) that this process "
                        + "(uid \(callerUID)) does not own: remove it as that user, or choose another path."
                )
            case .notASocket(let path):
                lines.append(
                    "Choose another path: \(PrintableText.escaped(path)) is not a socket, and the package "
                        + "never removes it."
                )
            case .liveUnixServer:
                lines.append("Stop that server or choose another path.")
            case .heldLock(let path, let owner):
                let holder = owner.map { "that process (\($0.pid))" } ?? "the process that holds it"
                lines.append(
                    "An instance of a server of this path holds \(PrintableText.escaped(path)): stop \(holder), "
                        + "or choose another path. If it is not a server of this path, remove "
                        + "\(PrintableText.escaped(path))."
                )
            default: break
            }
        }
        return lines
    }

    /// TIME_WAIT only: whose it is decides what helps.
    private var timeWaitAdvice: [String] {
        var lines: [String] = []
        let listenerTimeWait = findings.contains { if case .timeWait = $0 { true } else { false } }
        let clientTimeWait = findings.contains { if case .clientTimeWait = $0 { true } else { false } }
        let range = ephemeralPorts.map { "\($0.lowerBound)-\($0.upperBound)" }
        let inRange = ephemeralPorts?.contains(address.port) ?? true
        let rangeText = range.map { "net.ipv4.ip_local_port_range (\($0))" } ?? "net.ipv4.ip_local_port_range"
        let outsideRange =
            "choose a port outside \(rangeText), from which connect() takes client ports, or reserve it with "
            + "net.ipv4.ip_local_reserved_ports"
        if clientTimeWait {
            lines.append(
                "A client's connection closed from this side took port \(address.port) from \(rangeText); its "
                    + "TIME_WAIT holds the port for up to 60 s, and no option of the new socket gets past it."
            )
            lines.append("Wait for it to end, or \(outsideRange).")
        }
        guard listenerTimeWait else { return lines }
        if reuseAddress == true {
            lines.append(
                "This socket set .reuseAddress(true), so the socket those connections belonged to did not: an "
                    + "earlier listener started without .reuseAddress(true)"
                    + (inRange ? ", or a client whose port, from \(rangeText), was \(address.port)." : ".")
            )
            lines.append(
                "Wait for TIME_WAIT to end (60 s on Linux); start every listener with .reuseAddress(true), so that "
                    + "its successor can bind at once"
                    + (inRange ? "; or \(outsideRange)." : ".")
            )
        } else {
            lines.append(
                "Only connections in TIME_WAIT hold the port"
                    + (inRange
                        ? " (an earlier listener's, or a client's whose port was \(address.port))."
                        : ", an earlier listener's.")
            )
            lines.append(
                "For an earlier listener's: give .reuseAddress(true) to both the old and the new listener, or wait "
                    + "for TIME_WAIT to end (60 s on Linux)."
            )
            if inRange { lines.append("For a client's: wait, or \(outsideRange).") }
        }
        return lines
    }
}

extension SocketError {
    /// For ``addressInUse(_:errno:)``, what holds the address, read now from the TCP tables (a stream
    /// socket's, whose options are not known); nil for any other error. For a ``DatagramSocket``,
    /// or to give the options, use ``addressInUseDiagnosis(type:options:)``.
    public var addressInUseDiagnosis: AddressInUseDiagnosis? {
        addressInUseDiagnosis(type: .stream, options: nil)
    }

    /// For ``addressInUse(_:errno:)``, what holds the address, read now from the tables of `type`
    /// (`.datagram` for a ``DatagramSocket``: UDP); nil for any other error.
    public func addressInUseDiagnosis(
        type: SocketKind.SocketType,
        options: [SocketOption]? = nil
    ) -> AddressInUseDiagnosis? {
        guard case .addressInUse(let address, _) = self else { return nil }
        return AddressInUseDiagnosis(address: address, type: type, options: options)
    }
}
