// SocketOptions: the errors, each of which says what went wrong and what to do.

/// An error from a socket operation, with a description that names the operation, the address or
/// option, the C error and what to do next.
///
/// Every throwing API of the package throws this type (`throws(SocketError)`), so a `catch` can
/// match the cases directly:
///
/// ```swift
/// do {
///     let listener = try ListeningSocket(address: try SocketAddress("0.0.0.0:8080"))
/// } catch .addressInUse(let address) {
///     print("port \(address.port) is taken")
/// }
/// ```
public enum SocketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// bind or listen failed because the address is in use: another socket listens on the port, or
    /// an earlier listener's connections hold it in TIME_WAIT. The corresponding C error is
    /// `EADDRINUSE`.
    case addressInUse(SocketAddress)

    /// bind failed because the address is not one of this machine's. The corresponding C error is
    /// `EADDRNOTAVAIL`.
    case addressNotAvailable(SocketAddress)

    /// bind failed for lack of privilege, usually a port below
    /// `net.ipv4.ip_unprivileged_port_start`. The corresponding C errors are `EACCES` and `EPERM`.
    case permissionDenied(SocketAddress)

    /// The socket's protocol or family has no such option (`TCP_NODELAY` on UDP, `IPV6_V6ONLY` on
    /// IPv4); `socket` says what kind of socket it is. Thrown before any system call when the
    /// package can tell. The corresponding C errors are `ENOPROTOOPT` and `EOPNOTSUPP`.
    case optionNotSupported(SocketOption.Name, socket: SocketKind)

    /// The option makes no sense on this object in its present state: an option that must be set
    /// before bind, given to a connection; a listener-only option, given to a connection.
    case optionNotApplicable(SocketOption.Name, reason: String)

    /// The option's value is outside what the kernel keeps faithfully, or the kernel refused it
    /// (`EINVAL`). Thrown before any system call when the package can tell.
    case invalidValue(SocketOption, reason: String)

    /// The text is not an address ``SocketAddress`` accepts.
    case invalidAddress(String)

    /// The text is not an option ``SocketOption/init(parsing:)`` understands.
    case invalidOptionText(String, reason: String)

    /// A boolean option read back different from what was set: the kernel ignored it.
    case optionNotKept(requested: SocketOption, effective: SocketOption)

    /// The listen backlog is negative or larger than a C `int`.
    case invalidBacklog(Int)

    /// A Unix socket file mode outside `0o0...0o777` (setuid, setgid and sticky make no sense for a
    /// socket), or one given for an address that is not a path.
    case invalidFileMode(UInt32)

    /// A descriptor offered to ``ListeningSocket/init(adopting:)`` is not a listening stream socket;
    /// `reason` says what it is.
    case notAListener(descriptor: Int32, reason: String)

    /// An argument outside what the call can take, such as a receive buffer of 0 bytes.
    case invalidArgument(String)

    /// The socket-activation environment (`LISTEN_PID`, `LISTEN_FDS`, `LISTEN_FDNAMES`) is malformed.
    case invalidActivation(String)

    /// Any other failure of a system call: which call and its errno.
    case system(Operation, Errno)

    /// The system call an error came from.
    public enum Operation: Hashable, Sendable, CustomStringConvertible {
        /// Creating the socket (`socket`).
        case socket
        /// Setting an option (`setsockopt`).
        case setOption(SocketOption.Name)
        /// Reading an option (`getsockopt`).
        case getOption(SocketOption.Name)
        /// Reading TCP_INFO (`getsockopt`).
        case tcpInfo
        /// Reading a read-only option (`getsockopt`).
        case getReadOnlyOption(ReadOnlySocketOption.Name)
        /// Binding to an address (`bind`).
        case bind(SocketAddress)
        /// Starting to listen (`listen`).
        case listen(SocketAddress)
        /// Connecting to an address (`connect`).
        case connect(SocketAddress)
        /// Accepting a connection (`accept`, `accept4`, `poll`).
        case accept
        /// Reading the local address (`getsockname`).
        case localAddress
        /// Sending (`send`).
        case send
        /// Receiving (`recv`).
        case receive
        /// Closing the descriptor (`close`).
        case close
        /// Setting a Unix socket file's mode (`fchmodat`).
        case chmod(SocketAddress)
        /// Taking the lock beside a Unix socket file (`open` and `flock` of the path with `.lock`
        /// appended).
        case lockFile(SocketAddress)

        public var description: String {
            switch self {
            case .socket: "socket()"
            case .setOption(let name): "setsockopt(\(name.level.cName), \(name.cName))"
            case .getOption(let name): "getsockopt(\(name.level.cName), \(name.cName))"
            case .getReadOnlyOption(let name): "getsockopt(SOL_SOCKET, \(name.cName))"
            case .tcpInfo: "getsockopt(IPPROTO_TCP, TCP_INFO)"
            case .bind(let address): "bind(\(address))"
            case .listen(let address): "listen(\(address))"
            case .connect(let address): "connect(\(address))"
            case .accept: "accept()"
            case .localAddress: "getsockname()"
            case .send: "send()"
            case .receive: "recv()"
            case .close: "close()"
            case .chmod(let address): "chmod(\(address.host))"
            case .lockFile(let address): "flock(\(address.host).lock)"
            }
        }
    }

    /// The C error behind this error, when there is one.
    public var errno: Errno? {
        switch self {
        case .addressInUse: .addressInUse
        case .addressNotAvailable: .addressNotAvailable
        case .permissionDenied: .permissionDenied
        case .optionNotSupported: .protocolNotAvailable
        case .system(_, let errno): errno
        case .invalidValue, .invalidAddress, .optionNotKept, .invalidBacklog, .optionNotApplicable,
            .invalidOptionText, .invalidFileMode, .notAListener, .invalidActivation, .invalidArgument:
            nil
        }
    }

    public var description: String {
        switch self {
        case .addressInUse(let address) where address.family == .unix:
            return "Cannot listen on \(address): EADDRINUSE (address already in use): a server listens on that "
                + "Unix-domain address, or a file that is not a socket is in the way (a stale socket file of a dead "
                + "server is removed by ListeningSocket itself)." + Self.diagnosisSentence(address)
        case .addressInUse(let address):
            return "Cannot listen on \(address): EADDRINUSE (address already in use). Either another socket is "
                + "listening on port \(address.port) (find it with `ss -ltnp 'sport = :\(address.port)'`, then stop "
                + "it or choose another port), or connections of a previous instance still hold the port in "
                + "TIME_WAIT for up to a minute after it stopped: give .reuseAddress(true) to both the old and the "
                + "new listener. To share a port between instances on purpose, give .reusePort(true) to every one."
                + Self.diagnosisSentence(address)
        case .addressNotAvailable(let address):
            return "Cannot bind \(address): EADDRNOTAVAIL (address not available): \(address.host) is not an "
                + "address of this machine. Use one that `ip addr` lists, \(address.family == .ipv4 ? "0.0.0.0" : "[::]") "
                + "for every address, or the loopback address for this machine only."
        case .permissionDenied(let address):
            return "Cannot bind \(address): permission denied (EACCES). Ports below "
                + "net.ipv4.ip_unprivileged_port_start (see `sysctl net.ipv4.ip_unprivileged_port_start`; "
                + "1024 on most systems) need root or CAP_NET_BIND_SERVICE: use a higher port, or grant the "
                + "capability (`setcap cap_net_bind_service=+ep`)."
        case .optionNotSupported(let name, let kind):
            return "The option \(name) (\(name.level.cName), \(name.cName)) does not exist for an \(kind) socket "
                + "(ENOPROTOOPT or EOPNOTSUPP): it applies to \(name.appliesTo) only. Drop it for this socket."
        case .optionNotApplicable(let name, let reason):
            return "The option \(name) (\(name.cName)) cannot be set here: \(reason)."
        case .invalidValue(let option, let reason):
            return "Invalid value \(option.valueDescription) for \(option.name) (\(option.name.cName)): \(reason)."
        case .invalidAddress(let text):
            let problem: String
            switch SocketAddress.parse(text) {
            case .failure(let found): problem = found.explanation
            case .success: problem = "it names a host this call cannot use"
            }
            return "\"\(text)\" is not a socket address: \(problem). Write an IPv4 address and port as "
                + "\"127.0.0.1:8080\", an IPv6 one as \"[::1]:8080\"; port 0 lets the kernel choose."
        case .invalidOptionText(let text, let reason):
            return "\"\(text)\" is not an option setting: \(reason)."
        case .optionNotKept(let requested, let effective):
            return "The kernel did not keep \(requested.name) (\(requested.name.cName)): set to "
                + "\(requested.valueDescription), it reads back \(effective.valueDescription). The option has no "
                + "effect on this socket in its present state; options such as \(SocketOption.Name.reuseAddress.cName) "
                + "must be set before bind."
        case .invalidBacklog(let backlog):
            return "The listen backlog \(backlog) is invalid: give 0...\(Int32.max). Linux caps any larger "
                + "request at net.core.somaxconn without saying so."
        case .invalidFileMode(let mode):
            return "The file mode 0o\(String(mode, radix: 8)) is invalid: give permission bits 0o0...0o777, such as "
                + "0o660, and only for a Unix-domain path."
        case .notAListener(let descriptor, let reason):
            return "Descriptor \(descriptor) cannot be adopted as a listener: \(reason). Pass a stream socket that "
                + "listen() was called on (for socket activation, check the launcher's socket type)."
        case .invalidArgument(let reason):
            return "Invalid argument: \(reason)."
        case .invalidActivation(let reason):
            return "The socket-activation environment is malformed: \(reason). A launcher sets LISTEN_PID to this "
                + "process id and LISTEN_FDS to the number of descriptors it passes from 3 on."
        case .system(let operation, let errno):
            return "\(operation) failed: \(errno). \(Self.advice(errno))"
        }
    }

    /// What /proc shows on the address, when it shows anything.
    private static func diagnosisSentence(_ address: SocketAddress) -> String {
        let diagnosis = AddressInUseDiagnosis(address: address)
        return diagnosis.findings.isEmpty ? "" : " " + diagnosis.description
    }

    private static func advice(_ errno: Errno) -> String {
        switch errno {
        case .tooManyOpenFiles:
            "The process has no descriptor left: close unused ones or raise its limit (`ulimit -n`)."
        case .tooManyOpenFilesInSystem:
            "The system has no descriptor left (fs.file-max): close descriptors or raise the limit."
        case .noBufferSpace, .noMemory:
            "The kernel is short of memory: back off and try again."
        case .badFileDescriptor:
            "The descriptor is not open: it was closed already, or never was a descriptor."
        case .notSocket:
            "The descriptor is not a socket: pass a socket's descriptor."
        case .invalidArgument:
            "The kernel refused the call in the socket's present state (for example bind on a socket that is "
                + "bound already)."
        case .addressFamilyNotSupported:
            "This machine does not support the address family (IPv6 turned off?): use an IPv4 address."
        case .connectionRefused:
            "Nothing listens at that address: start the server first, or check the port."
        case .wouldBlock:
            "The timeout set on the socket ran out before anything arrived."
        case .connectionReset, .brokenPipe:
            "The peer closed the connection: drop it."
        case .notPermitted, .permissionDenied:
            "The process lacks the privilege this needs (CAP_NET_ADMIN or CAP_NET_RAW for some options; see the "
                + "option's notes): run with the capability, or leave the option out."
        case .noSuchDevice:
            "There is no network interface with that name or index: see `ip link`."
        case .noSuchEntry:
            "The kernel does not have it: for a congestion control algorithm, see "
                + "net.ipv4.tcp_available_congestion_control and load its module."
        default:
            "See the man page of the call for what this error means there."
        }
    }
}
