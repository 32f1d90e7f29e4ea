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
/// } catch .addressInUse(let address, _) {
///     print("port \(address.port) is taken")
/// }
/// ```
public enum SocketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// bind or listen failed because the address is in use: another socket holds the port, or
    /// connections in TIME_WAIT do; for port 0, no ephemeral port was left. The description says
    /// what each cause needs without reading anything; ``AddressInUseDiagnosis`` reads what holds
    /// the address when asked for. `errno` is the answer that told: `EADDRINUSE` from bind or
    /// listen; for a Unix path, `EAGAIN` (`EWOULDBLOCK`) from `flock` of the lock file beside it,
    /// which another instance holds, or `EEXIST` from `linkat`, a file at the path that is not a
    /// stale socket file of this user; nil when no call said so (the lock file was replaced under
    /// each attempt to take it). The corresponding C error is `EADDRINUSE`.
    case addressInUse(SocketAddress, errno: Errno?)

    /// bind failed because the address is not one of this machine's. The corresponding C error is
    /// `EADDRNOTAVAIL`.
    case addressNotAvailable(SocketAddress)

    /// bind failed for lack of privilege: for IP, usually a port below
    /// `net.ipv4.ip_unprivileged_port_start`, or a security policy; for a Unix path, no search
    /// permission on a directory of the path or no write permission on the one that would hold the
    /// file. `errno` is the one bind returned. The corresponding C errors are `EACCES` and `EPERM`.
    case permissionDenied(SocketAddress, errno: Errno)

    /// bind of a Unix-domain path succeeded, but what is at the path (or at the private name the
    /// socket was bound under) is not the socket just bound: something that can write the
    /// directory removed or replaced it at once. `errno` is the error of the `fstatat` that looked,
    /// nil when it found a file that is not this socket. The socket is closed and nothing is left
    /// at the path by this call. The corresponding C call is `fstatat`.
    case socketFileReplaced(SocketAddress, errno: Errno?)

    /// bind of a Unix-domain path did not go ahead for what the package found on the way
    /// (``UnixPathProblem``): a path that names no file, something that is not a regular file at the
    /// name of the lock file beside it (`PATH.lock`), or a private directory beside it that is not
    /// private, cannot be named, or is too long a way to the socket. Nothing is left at the path.
    /// `errno` is the answer of the call that met the problem, where one did (`openat` of the lock
    /// file: `EISDIR`, `ELOOP`, `EACCES`, `ENXIO`; `mkdirat`: `EEXIST`), nil where the package
    /// decided alone. The corresponding C calls are `openat`, `fstat` and `mkdirat`.
    case unixPathUnusable(SocketAddress, UnixPathProblem, errno: Errno?)

    /// `getsockname` or `accept` answered an address of a family that ``SocketAddress`` cannot
    /// hold (anything but IPv4, IPv6 and Unix-domain; `family` is ``SocketFamily/other(_:)`` with
    /// its `AF_*` number). The package's sockets are of those three families, so the descriptor was
    /// no longer the one the package made or adopted: something else in the process closed it and
    /// the number was reused, or put another socket in its place (`dup2`). A connection so accepted
    /// is closed; the listener stays open. No call failed: `errno` is nil. The corresponding C
    /// field is `sa_family`.
    case unrepresentableAddress(Operation, family: SocketFamily)

    /// The socket's protocol or family has no such option (`TCP_NODELAY` on UDP, `IPV6_V6ONLY` on
    /// IPv4); `socket` says what kind of socket it is. Thrown before any system call when the
    /// package can tell, with `errno` nil; otherwise `errno` is the kernel's answer. The
    /// corresponding C errors are `ENOPROTOOPT` and `EOPNOTSUPP` (and `EINVAL` from some
    /// options a kind lacks, such as `IP_MULTICAST_TTL` on TCP).
    case optionNotSupported(SocketOption.Name, socket: SocketKind, errno: Errno?)

    /// The option makes no sense on this object in its present state: an option that must be set
    /// before bind, given to a connection or a bound datagram socket; a listener-only option, given
    /// to either; a read of an option the kernel takes but does not report.
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

    /// An option named twice in one list of options: which of the two values is meant cannot be
    /// known. Refused before any system call; there is no C counterpart (each option is one
    /// `setsockopt`).
    case optionGivenTwice(SocketOption.Name, first: SocketOption, second: SocketOption)

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

    /// A host name did not resolve to an address (``SocketAddress/resolve(host:port:)``): the text
    /// as given and why, named by its `EAI_*` code or refused before any call. The corresponding C
    /// function is `getaddrinfo`.
    case cannotResolve(String, ResolutionFailure)

    /// The kernel refused to attach or detach the steering program of a `SO_REUSEPORT` group
    /// (``SocketOptionAccess/steerReusePortGroup(toIndex:)``); the value says which call, its errno
    /// and what to do. The corresponding C options are `SO_ATTACH_REUSEPORT_CBPF` and
    /// `SO_DETACH_REUSEPORT_BPF`.
    case reusePortSteeringFailed(ReusePortSteeringFailure)

    /// A hand-over of listening descriptors over a Unix-domain socket (``DescriptorHandover``)
    /// failed: the peer did not answer in time, sent something that is not a hand-over, or passed
    /// descriptors that are not listeners; the value says which and what to do. Every descriptor
    /// received was closed. The corresponding C calls are `sendmsg` and `recvmsg` with `SCM_RIGHTS`.
    case descriptorHandoverFailed(DescriptorHandoverFailure)

    /// The listener stopped accepting: ``ListeningSocket/stopAccepting()`` (or a drain) was called,
    /// on this thread or another, or some other holder of the descriptor shut it down for reading.
    /// Thrown by ``ListeningSocket/accept()`` and ``ListeningSocket/accept(timeout:)``, at once in
    /// every thread that was waiting in them: it is the end of an accept loop, not a failure. Leave
    /// the loop; nothing is left to accept, and connecting clients are refused. The corresponding C
    /// error is `EINVAL` from `accept` on a socket that `shutdown(fd, SHUT_RD)` took out of
    /// the listening state.
    case listenerStopped

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
        /// Setting an option by its C level and name, through the escape hatch (`setsockopt`).
        case setRawOption(level: Int32, name: Int32)
        /// Reading an option by its C level and name, through the escape hatch (`getsockopt`).
        case getRawOption(level: Int32, name: Int32)
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
        /// Stopping a listener accepting (`shutdown` with `SHUT_RD`).
        case stopAccepting
        /// Setting a Unix socket file's mode (`fchmodat`).
        case chmod(SocketAddress)
        /// Taking the lock beside a Unix socket file (`open` and `flock` of the path with `.lock`
        /// appended).
        case lockFile(SocketAddress)
        /// Moving a stale Unix socket file aside before removing it (`renameat` into a private
        /// directory).
        case removeStaleFile(SocketAddress)

        public var description: String {
            switch self {
            case .socket: "socket()"
            case .setOption(let name): "setsockopt(\(name.level.cName), \(name.cName))"
            case .getOption(let name): "getsockopt(\(name.level.cName), \(name.cName))"
            case .getReadOnlyOption(let name): "getsockopt(\(name.level.cName), \(name.cName))"
            case .setRawOption(let level, let name): "setsockopt(\(Self.rawNames(level: level, name: name)))"
            case .getRawOption(let level, let name): "getsockopt(\(Self.rawNames(level: level, name: name)))"
            case .tcpInfo: "getsockopt(IPPROTO_TCP, TCP_INFO)"
            case .bind(let address): "bind(\(address))"
            case .listen(let address): "listen(\(address))"
            case .connect(let address): "connect(\(address))"
            case .accept: "accept()"
            case .localAddress: "getsockname()"
            case .send: "send()"
            case .receive: "recv()"
            case .close: "close()"
            case .stopAccepting: "shutdown(SHUT_RD)"
            case .chmod(let address): "chmod(\(PrintableText.escaped(address.host)))"
            case .lockFile(let address): "flock(\(PrintableText.escaped(address.host)).lock)"
            case .removeStaleFile(let address): "rename(\(PrintableText.escaped(address.host))) of a stale socket file"
            }
        }

        /// `"SOL_SOCKET, SO_RCVBUF"` for an option the catalogue knows, `"level 6, option 99"` for
        /// one it does not.
        static func rawNames(level: Int32, name: Int32) -> String {
            if let known = SocketOption.Name(level: level, name: name) { return "\(known.level.cName), \(known.cName)" }
            if let known = ReadOnlySocketOption.Name.allCases.first(where: {
                $0.row.rawLevel == level && $0.row.rawName == name
            }) {
                return "SOL_SOCKET, \(known.cName)"
            }
            return "level \(level), option \(name)"
        }
    }

    /// The C error behind this error, when there is one.
    public var errno: Errno? {
        switch self {
        case .addressInUse(_, let errno): errno
        case .addressNotAvailable: .addressNotAvailable
        case .permissionDenied(_, let errno): errno
        case .socketFileReplaced(_, let errno): errno
        case .unixPathUnusable(_, _, let errno): errno
        case .optionNotSupported(_, _, let errno): errno
        case .system(_, let errno): errno
        case .reusePortSteeringFailed(let failure): failure.errno
        case .descriptorHandoverFailed(let failure): failure.errno
        case .cannotResolve(_, .system(let errno)): errno
        case .cannotResolve: nil
        case .unrepresentableAddress: nil
        case .listenerStopped: .invalidArgument
        case .invalidValue, .invalidAddress, .optionNotKept, .optionGivenTwice, .invalidBacklog, .optionNotApplicable,
            .invalidOptionText, .invalidFileMode, .notAListener, .invalidActivation, .invalidArgument:
            nil
        }
    }

    /// Text that came from outside (the caller's address or option text, the environment, a
    /// peer's path) is printed escaped, as ``SocketAddress/description`` prints a path: a control
    /// character, a mark that reorders text, or a backslash shows as `\x1b`, `\u{202e}`, `\\`,
    /// so a message is safe to print to a terminal or a log.
    public var description: String {
        switch self {
        case .addressInUse(let address, let errno) where address.family == .unix:
            let cause =
                switch errno {
                case .wouldBlock?:
                    "in use: another process holds the lock file beside it (flock of PATH.lock: EWOULDBLOCK)."
                case .fileExists?: "in use: a file is at the path already (linkat: EEXIST)."
                case let errno?: "\(errno)."
                case nil: "in use: the lock file beside it (PATH.lock) was replaced each time it was taken."
                }
            return MessageText.wrapped([
                "Cannot bind \(address): \(cause)",
                "- Another process holds the lock file beside it (PATH.lock): an instance of a server of this path "
                    + "runs; stop it, or if it is not one, remove the lock file.",
                "- A socket is bound to it (a server listening, or about to): stop that server, or choose another path.",
                "- Or it is a file that is not a socket: the package never removes it; choose another path.",
                "- Or it is a stale socket file of another user: the package never removes a file this process "
                    + "does not own; remove it as that user, or choose another path.",
                "(A stale socket file of a dead server, owned by this process's user, is removed by ListeningSocket "
                    + "and DatagramSocket themselves.)",
                "To see which: AddressInUseDiagnosis(address:), or `sockopt-demo inspect`.",
            ])
        case .addressInUse(let address, _) where address.port == 0:
            return MessageText.wrapped([
                "Cannot bind \(address): EADDRINUSE (address already in use): port 0 asks the kernel for any free "
                    + "port, and none is left in the ephemeral range net.ipv4.ip_local_port_range (see `sysctl "
                    + "net.ipv4.ip_local_port_range`).",
                "Close idle sockets, widen the range, or bind a fixed port.",
            ])
        case .addressInUse(let address, _):
            let port = address.port
            return MessageText.wrapped([
                "Cannot bind or listen on \(address): EADDRINUSE (address already in use).",
                "- Another socket may hold port \(port): find it with `ss -ltnp 'sport = :\(port)'` (TCP) or "
                    + "`ss -lunp 'sport = :\(port)'` (UDP), then stop it or choose another port.",
                "- Or TCP connections in TIME_WAIT hold it, for up to 60 s after they closed. An earlier "
                    + "listener's: give .reuseAddress(true) to both the old and the new listener. A client's (its "
                    + "port, taken from net.ipv4.ip_local_port_range, was \(port)): wait, or choose another port.",
                "- To share a port between instances on purpose, give .reusePort(true) to every one.",
                "To see which: AddressInUseDiagnosis(address:type:options:), or `sockopt-demo inspect`.",
            ])
        case .addressNotAvailable(let address):
            return "Cannot bind \(address): EADDRNOTAVAIL (address not available): \(address.host) is not an "
                + "address of this machine. Use one that `ip addr` lists, \(address.family == .ipv4 ? "0.0.0.0" : "[::]") "
                + "for every address, or the loopback address for this machine only."
        case .permissionDenied(let address, let errno) where address.family == .unix:
            return "Cannot bind \(address): permission denied (\(errno.name)): "
                + ErrorAdvice.advice(call: .bind, family: .unix, errno: errno)
        case .permissionDenied(let address, let errno):
            return "Cannot bind \(address): permission denied (\(errno.name)). If port \(address.port) is below "
                + "net.ipv4.ip_unprivileged_port_start (see `sysctl net.ipv4.ip_unprivileged_port_start`; "
                + "1024 unless changed), it needs root or CAP_NET_BIND_SERVICE: use a higher port, or grant the "
                + "capability (`setcap cap_net_bind_service=+ep`). Otherwise a security policy (SELinux, "
                + "AppArmor, a cgroup BPF program) refused the address."
        case .socketFileReplaced(let address, let errno):
            let found = errno.map { "looking at it failed with \($0.name)" } ?? "the file there is not that socket"
            return MessageText.wrapped([
                "Bound \(address), but \(found): something that can write the directory removed or replaced the "
                    + "socket file at once. The socket is closed.",
                "Find what else writes there (another server on the same path, a cleanup job such as "
                    + "systemd-tmpfiles), or put the socket in a directory that only this server's user can write.",
            ])
        case .unixPathUnusable(let address, let problem, let errno):
            return problem.message(binding: address, errno: errno)
        case .unrepresentableAddress(let operation, let family):
            let connection = operation == .accept ? " The connection was closed; the listener is still open." : ""
            return MessageText.wrapped([
                "\(operation) answered an address of \(family), which SocketAddress cannot hold: it takes IPv4 "
                    + "(AF_INET, \(SocketFamily.ipv4.raw)), IPv6 (AF_INET6, \(SocketFamily.ipv6.raw)) and "
                    + "Unix-domain (AF_UNIX, \(SocketFamily.unix.raw)) addresses only.\(connection)",
                "The package's sockets are of those families, so this descriptor was no longer the package's: "
                    + "find what else in the process closes descriptors it does not own (the number was then "
                    + "reused) or duplicates another socket onto them (dup2).",
            ])
        case .optionNotSupported(let name, let kind, let errno) where name.row.sockets.allows(kind):
            return "The kernel does not know the option \(name) (\(name.level.cName), \(name.cName)) on this \(kind) "
                + "socket\(errno.map { " (\($0.name))" } ?? ""), although the option is one for \(name.appliesTo): this "
                + "kernel is older than the option or was built without it. Leave it out, or run a kernel that has it."
        case .optionNotSupported(let name, let kind, let errno):
            let answer = errno.map { "the kernel answered \($0.name)" } ?? "refused before any system call"
            return "The option \(name) (\(name.level.cName), \(name.cName)) does not exist for \(kind.withArticle) "
                + "socket (\(answer)): it applies to \(name.appliesTo) only. Drop it for this socket."
        case .optionNotApplicable(let name, let reason):
            return "The option \(name) (\(name.cName)) cannot be used here: \(reason)."
        case .invalidValue(let option, let reason):
            return "Invalid value \(option.valueDescription) for \(option.name) (\(option.name.cName)): \(reason)."
        case .invalidAddress(let text):
            // Parsed again without looking up a zone: a description does no I/O. A text that parses
            // up to a zone was refused for its zone when it was thrown (the interface did not exist
            // then), unless the call takes no such address at all.
            let problem: String
            switch SocketAddress.parse(text, lookingUpZones: false) {
            case .failure(let found): problem = found.explanation
            case .success where text.hasPrefix("[") && text.contains("%"):
                let zone = text[text.index(after: text.firstIndex(of: "%")!)...].prefix { $0 != "]" }
                problem =
                    "there was no network interface \"\(PrintableText.quoted(String(zone)))\" for the zone when it "
                    + "was parsed (see `ip link`), or this call takes no IPv6 address with a zone"
            case .success: problem = "it names a host this call cannot use"
            }
            // A host name where an address was expected: say where names are taken.
            let host = text.lastIndex(of: ":").map { String(text[..<$0]) } ?? text
            let names =
                SocketAddress.hostNameProblem(host) == nil
                ? " To look up a host name, use SocketAddress.resolving(_:) or resolve(host:port:)." : ""
            return
                "\"\(PrintableText.quoted(text))\" is not a socket address: \(problem). Write an IPv4 address and port as "
                + "\"127.0.0.1:8080\", an IPv6 one as \"[::1]:8080\"; port 0 lets the kernel choose.\(names)"
        case .invalidOptionText(let text, let reason):
            return "\"\(PrintableText.quoted(text))\" is not an option setting: \(PrintableText.escaped(reason))."
        case .optionNotKept(let requested, let effective):
            return "The kernel did not keep \(requested.name) (\(requested.name.cName)): set to "
                + "\(requested.valueDescription), it reads back \(effective.valueDescription). The option has no "
                + "effect on this socket in its present state; options such as \(SocketOption.Name.reuseAddress.cName) "
                + "must be set before bind."
        case .optionGivenTwice(let name, let first, let second):
            return "\(name) (\(name.cName)) is given twice, as \(first.valueDescription) and as "
                + "\(second.valueDescription): which one is meant cannot be known. Give each option once "
                + "(the options given replace the defaults of the same name, so a default need not be repeated)."
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
            return "Invalid argument: \(PrintableText.escaped(reason))."
        case .invalidActivation(let reason):
            return
                "The socket-activation environment is malformed: \(PrintableText.escaped(reason)). A launcher sets LISTEN_PID to this "
                + "process id and LISTEN_FDS to the number of descriptors it passes from 3 on."
        case .cannotResolve(let text, let failure):
            return "Cannot resolve \"\(PrintableText.quoted(text))\": \(failure)."
        case .reusePortSteeringFailed(let failure):
            return failure.description
        case .descriptorHandoverFailed(let failure):
            return failure.description
        case .listenerStopped:
            return "The listener stopped accepting (shutdown(SHUT_RD): stopAccepting() or a drain, here or in "
                + "another thread): end the accept loop. This is how a stop reaches every thread waiting in accept, "
                + "not a failure; close the listener once every acceptor has left."
        case .system(let operation, let errno):
            let (call, family) = operation.adviceKey
            return "\(operation) failed: \(errno). \(ErrorAdvice.advice(call: call, family: family, errno: errno))"
        }
    }
}

extension SocketKind {
    /// "an IPv4 TCP", "a Unix-domain stream": the article fits the sound of the word after it.
    var withArticle: String {
        switch family {
        case .ipv4, .ipv6: "an \(self)"
        case .unix, .other: "a \(self)"
        }
    }
}

enum MessageText {
    /// The width of a line of a message of several lines.
    static let width = 100

    /// Lines broken at spaces to at most `width` characters (a word longer than that stays whole);
    /// the continuation of a "- " item is indented under its text.
    static func wrapped(_ lines: [String], width: Int = width) -> String {
        var result: [String] = []
        for line in lines {
            let indentCount = line.prefix { $0 == " " }.count
            let bullet = line.dropFirst(indentCount).hasPrefix("- ") ? 2 : 0
            let continuation = String(repeating: " ", count: indentCount + bullet)
            var current = ""
            for word in words(line) {
                if current.isEmpty {
                    current = String(repeating: " ", count: indentCount) + word
                } else if current.count + 1 + word.count <= width {
                    current += " " + word
                } else {
                    result.append(current)
                    current = continuation + word
                }
            }
            result.append(current)
        }
        return result.joined(separator: "\n")
    }

    /// The words of a line; a `command in backquotes` is one word, so that it is never broken.
    private static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quoted = false
        for character in line {
            if character == "`" { quoted.toggle() }
            if character == " " && !quoted {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
