// SocketOptions: what holds an address when bind or listen says EADDRINUSE.

/// What holds an address, read from the kernel's tables when bind or listen failed with
/// `EADDRINUSE`: a listening socket and, where `/proc` lets us see it, its process; only
/// TIME_WAIT connections; a group of `SO_REUSEPORT` listeners of another user; a stale or live
/// Unix socket file, or a file that is not a socket.
///
/// ```swift
/// do {
///     let listener = try ListeningSocket(address: address)
/// } catch .addressInUse(let address) {
///     print(AddressInUseDiagnosis(address: address))   // "port 8080 is held by ... process 4242 (nginx)"
/// }
/// ```
///
/// The description of ``SocketError/addressInUse(_:)`` includes it. It is read when asked for,
/// from `/proc/net/tcp`, `/proc/net/tcp6`, `/proc/net/unix` and `/proc/PID/fd` on Linux; it is
/// best effort (a process of another user may be hidden from an unprivileged caller, and things
/// change) and it never changes the error. Elsewhere it finds nothing.
public struct AddressInUseDiagnosis: Hashable, Sendable, CustomStringConvertible {
    /// A process that owns a socket.
    public struct Owner: Hashable, Sendable, CustomStringConvertible {
        /// The process id.
        public let pid: Int32
        /// The command name (`/proc/PID/comm`).
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
        /// Connections in TIME_WAIT on the port, and how many.
        case timeWait(count: Int)
        /// A Unix socket file that a live server listens on.
        case liveUnixServer(path: String, owner: Owner?)
        /// A Unix socket file that nothing listens on: a dead server's leftover.
        case staleUnixFile(path: String)
        /// A file at the path that is not a socket.
        case notASocket(path: String)

        public var description: String {
            switch self {
            case .listener(let address, let uid, let owner):
                "a socket listening on \(address) (uid \(uid)\(owner.map { ", \($0)" } ?? ""))"
            case .boundSocket(let address, let uid, let owner):
                "a socket bound to \(address) but not listening (uid \(uid)\(owner.map { ", \($0)" } ?? ""))"
            case .timeWait(let count):
                "\(count) connection\(count == 1 ? "" : "s") in TIME_WAIT"
            case .liveUnixServer(let path, let owner):
                "a live server listening on \(path)\(owner.map { " (\($0))" } ?? "")"
            case .staleUnixFile(let path):
                "a stale socket file at \(path) that nothing listens on"
            case .notASocket(let path):
                "a file at \(path) that is not a socket"
            }
        }
    }

    /// The address that was in use.
    public let address: SocketAddress
    /// What was found on it; empty when nothing could be seen.
    public let findings: [Finding]
    /// The effective user id of this process, to tell another user's listeners apart.
    public let callerUID: UInt32

    /// Reads what holds `address` now.
    public init(address: SocketAddress) {
        self.address = address
        self.callerUID = ProcessTables.effectiveUID()
        self.findings = ProcessTables.findings(for: address)
    }

    /// What was found, and what to do about it, in a few sentences.
    public var description: String {
        guard !findings.isEmpty else {
            return "Nothing on \(address) could be seen in /proc."
        }
        var sentences = ["On \(address) the kernel shows " + findings.map(\.description).joined(separator: "; ") + "."]
        let listeners = findings.compactMap { finding -> UInt32? in
            if case .listener(_, let uid, _) = finding { return uid }
            return nil
        }
        if listeners.contains(where: { $0 != callerUID }) {
            sentences.append(
                "A listener of another user (uid \(listeners.first { $0 != callerUID }!)) holds the port: a "
                    + "SO_REUSEPORT group can only be joined by sockets of the same effective user, so choose another "
                    + "port or run as that user."
            )
        } else if !listeners.isEmpty {
            sentences.append(
                "Stop that process or choose another port; to share the port on purpose, every listener of the "
                    + "group, the old one too, must set .reusePort(true)."
            )
        } else if findings.contains(where: { if case .timeWait = $0 { true } else { false } }) {
            sentences.append(
                "Only connections of an earlier listener hold the port: give .reuseAddress(true) to both the old "
                    + "and the new listener, or wait for TIME_WAIT to end (60 s on Linux)."
            )
        }
        for finding in findings {
            switch finding {
            case .staleUnixFile(let path):
                sentences.append("Remove \(path), or let ListeningSocket do it: it removes a stale socket file itself.")
            case .notASocket(let path):
                sentences.append("Choose another path: \(path) is not a socket, and the package never removes it.")
            case .liveUnixServer:
                sentences.append("Stop that server or choose another path.")
            default: break
            }
        }
        return sentences.joined(separator: " ")
    }
}

extension SocketError {
    /// For ``addressInUse(_:)``, what holds the address, read now; nil for any other error.
    public var addressInUseDiagnosis: AddressInUseDiagnosis? {
        guard case .addressInUse(let address) = self else { return nil }
        return AddressInUseDiagnosis(address: address)
    }
}
