// SocketOptions: listening descriptors handed from an old process to a new one over a Unix socket.

#if os(Linux)
/// Hands listening sockets from a running process to its replacement over a Unix-domain stream
/// socket, each with a name (as `LISTEN_FDNAMES` names them), so that no connection is lost.
///
/// The descriptors travel as `SCM_RIGHTS` control data: the new process gets descriptors of the
/// same open sockets, with the same accept queue. Connections that wait in the queue when the old
/// process stops accepting are accepted by the new one: nothing is lost by construction.
///
/// Both sides first check who is at the other end (`SO_PEERCRED`): by default only a process of the
/// same effective user may take the listeners, or give them (``ExpectedPeer``); the rendezvous
/// socket's file mode is not the only guard. A process that another user runs is refused with
/// ``DescriptorHandoverFailure/Reason/unexpectedPeer(_:expectedUserID:)`` before any descriptor moves.
///
/// The received descriptors share their open file description with the sender's: file status flags
/// such as `O_NONBLOCK`, and every socket option, are one for both processes. The receiver turns
/// `O_NONBLOCK` on, as ``ListeningSocket/init(adopting:)`` does, so that its ``ListeningSocket/accept(timeout:)``
/// keeps its bound whatever the sender's listener was, and the sender sees the flag on from then on
/// (a blocking `accept` there fails with `EAGAIN` when nothing is queued). The package's sender
/// never changes the flag, and closes. A program on the other side that is not this package must
/// not turn `O_NONBLOCK` off while both hold the socket: this package's `accept` could then block
/// until a connection comes (Documentation/ZeroDowntime.md).
///
/// The protocol, on one connection: the sender sends, in one `sendmsg`, the descriptors and the line
/// `socketoptions-handover 1 NAME:NAME...\n`; the receiver checks each descriptor as
/// ``ListeningSocket/init(adopting:)`` does, then answers `ok\n`. Only after that answer does the old
/// process stop accepting and close its own descriptors with ``ListeningSocket/closeAfterHandover()``:
/// never with ``ListeningSocket/stopAccepting()``, whose `shutdown(SHUT_RD)` acts on the socket both
/// processes share and would stop the new owner too.
///
/// ```swift
/// // The old process, offering its listeners at a path in a directory it owns:
/// let rendezvous = try ListeningSocket(address: try .unix(path: "/run/app/handover.sock"))
/// if try DescriptorHandover.offer([.init("http", http), .init("admin", admin)], on: rendezvous,
///                                 peerWait: .zero) {  // between accepts
///     // stop calling accept, then:
///     try http.closeAfterHandover(); try admin.closeAfterHandover()
/// }
/// // The new process:
/// var listeners = try DescriptorHandover.receive(from: try .unix(path: "/run/app/handover.sock"))
/// let http = listeners.take(name: "http")
/// ```
///
/// The corresponding C calls are `getsockopt(SO_PEERCRED)`, then `sendmsg` and `recvmsg` (with
/// `MSG_CMSG_CLOEXEC`) carrying `SCM_RIGHTS`. Linux only.
public enum DescriptorHandover {
    /// The most listeners one hand-over carries (the kernel allows 253 descriptors per message,
    /// `SCM_MAX_FD`).
    public static let maximumListeners = 64
    /// The time the calls wait by default: 10 seconds.
    public static let defaultTimeout: Duration = .seconds(10)
    /// The longest name, as systemd allows in `LISTEN_FDNAMES` (`FDNAME_MAX`).
    public static let maximumNameLength = 255

    static let prefix = Array("socketoptions-handover 1 ".utf8)
    static let acknowledgement = Array("ok\n".utf8)
    static let newline = UInt8(ascii: "\n")
    static var maximumMessageSize: Int { prefix.count + maximumListeners * (maximumNameLength + 1) + 1 }

    /// A listener offered for a hand-over, with its name: its descriptor is borrowed. The listener
    /// must stay open until the hand-over returns (its owner then closes it with
    /// ``ListeningSocket/closeAfterHandover()``).
    public struct Offered: Sendable {
        /// The name the receiver finds it by.
        public let name: String
        /// The descriptor, lent.
        public let rawDescriptor: Int32

        /// `listener` offered as `name`.
        public init(_ name: String, _ listener: borrowing ListeningSocket) {
            self.name = name
            self.rawDescriptor = listener.rawDescriptor
        }
    }

    /// Why `name` cannot be carried, as `LISTEN_FDNAMES` rules say (systemd's `fdname_is_valid`):
    /// at most 255 characters, printable ASCII only, no `:`; the empty name is allowed.
    static func nameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.count > maximumNameLength {
            return "\"\(PrintableText.excerpt(name))\" is longer than \(maximumNameLength) bytes"
        }
        if bytes.contains(UInt8(ascii: ":")) { return "\"\(PrintableText.excerpt(name))\" contains ':'" }
        if bytes.contains(where: { $0 < 0x20 || $0 > 0x7e }) {
            return "\"\(PrintableText.excerpt(name))\" has a character that is not printable ASCII"
        }
        return nil
    }

    static func failure(_ reason: DescriptorHandoverFailure.Reason) -> SocketError {
        .descriptorHandoverFailed(DescriptorHandoverFailure(reason))
    }

    /// Who may be at the other end of a hand-over: the user whose process may take the listeners
    /// (checked by the sender) or give them (checked by the receiver). Anyone who can connect to
    /// the rendezvous socket, or bind its path first, could otherwise take a server's listeners or
    /// slip it sockets of their own.
    ///
    /// The check reads the peer's credentials as the kernel recorded them when the connection was
    /// made (`SO_PEERCRED`: for the receiver, those of the process that made the rendezvous
    /// listener; for the sender, those of the process that connected), before any descriptor is
    /// sent or read. Root is a user like any other here: a root process hands over to root only,
    /// unless it names another user.
    ///
    /// What it cannot see: the credentials are those of the process that made the connection, as it
    /// was then. A socket that process passed on (`SCM_RIGHTS`, `fork`) keeps them in any other
    /// process; a process that changed its user after connecting (`setuid`, a set-user-ID `exec`)
    /// keeps its old ones; a uid with no mapping in this process's user namespace reads as the
    /// overflow uid (65534), so `.user(65534)` there accepts every unmapped peer. The check trusts
    /// the expected user, not the process: keep the rendezvous where only that user can reach it
    /// (Documentation/ZeroDowntime.md).
    ///
    /// The corresponding C option is `SO_PEERCRED`.
    public enum ExpectedPeer: Hashable, Sendable, CustomStringConvertible {
        /// A process with this process's effective user id (`geteuid()` at the time of the call).
        case sameUser
        /// A process with this effective user id, such as the user a new version runs as.
        case user(UInt32)

        /// The user id a peer must have.
        var userID: UInt32 {
            switch self {
            case .sameUser: system_geteuid()
            case .user(let id): id
            }
        }

        /// `"the same user"`, `"uid 1000"`.
        public var description: String {
            switch self {
            case .sameUser: "the same user"
            case .user(let id): "uid \(id)"
            }
        }
    }

    /// Refuses, before any descriptor moves, a peer whose effective user id is not the expected one.
    static func checkPeer(_ fd: CInt, _ expected: ExpectedPeer) throws(SocketError) {
        let credentials: PeerCredentials?
        do {
            credentials = try OptionCalls.value(.peerCredentials, from: fd)
        } catch {
            guard let errno = error.errno else { throw error }
            throw failure(.system(errno))
        }
        let userID = expected.userID
        guard let credentials, credentials.userID == userID else {
            throw failure(.unexpectedPeer(credentials, expectedUserID: userID))
        }
    }

    // MARK: Sending

    /// Waits at most `peerWait` for the new process to connect to `rendezvous` (a Unix-domain
    /// listener), then hands `listeners` over to it within `timeout` (see
    /// ``send(_:over:expectedPeer:timeout:)``).
    /// Returns false when no one connected in time, so that a server can call it between accepts
    /// with a `peerWait` of zero.
    ///
    /// A process that is not `expectedPeer` gets nothing: its connection is closed and the call
    /// throws ``DescriptorHandoverFailure/Reason/unexpectedPeer(_:expectedUserID:)``, which a server
    /// logs before it offers again.
    ///
    /// - Throws: as ``send(_:over:expectedPeer:timeout:)``; the listeners stay the caller's, open and
    ///   serving.
    public static func offer(
        _ listeners: [Offered],
        on rendezvous: borrowing ListeningSocket,
        peerWait: Duration,
        expectedPeer: ExpectedPeer = .sameUser,
        timeout: Duration = defaultTimeout
    ) throws(SocketError) -> Bool {
        try check(listeners)
        guard let connection = try rendezvous.accept(timeout: peerWait) else { return false }
        try send(listeners, over: connection, expectedPeer: expectedPeer, timeout: timeout)
        return true
    }

    /// Sends `listeners` with their names over `connection` (a Unix-domain stream socket) in one
    /// `sendmsg` (`SCM_RIGHTS`), then waits at most `timeout` for the receiver's acknowledgement.
    /// When it returns, the receiver owns working copies of the listeners: stop accepting (never
    /// with ``ListeningSocket/stopAccepting()``) and close each with
    /// ``ListeningSocket/closeAfterHandover()``. When it throws, nothing was taken over: keep serving.
    ///
    /// First it checks that the process at the other end is `expectedPeer` (`SO_PEERCRED`); another
    /// user's process gets nothing. The receiver turns `O_NONBLOCK` on for the socket both then share
    /// (see ``DescriptorHandover``); this package's listener had it on already, so its accepts are
    /// unchanged until the close.
    ///
    /// - Throws: ``SocketError/descriptorHandoverFailed(_:)``: `.invalidName`, `.countMismatch` (no
    ///   listener, or more than ``maximumListeners``) before any call; `.unexpectedPeer` before any
    ///   `sendmsg`; `.timedOut`, `.peerClosed` (the receiver refused the descriptors),
    ///   `.malformedMessage` or `.system` after it.
    public static func send(
        _ listeners: [Offered],
        over connection: borrowing Connection,
        expectedPeer: ExpectedPeer = .sameUser,
        timeout: Duration = defaultTimeout
    ) throws(SocketError) {
        try check(listeners)
        let fd = connection.rawDescriptor
        try checkPeer(fd, expectedPeer)
        var message = prefix
        message += Array(listeners.map(\.name).joined(separator: ":").utf8)
        message.append(newline)
        var wait = SocketCalls.Wait(timeout, operation: .send, signalEndsWait: false)
        var sent = 0
        while true {
            switch DescriptorPassing.send(fd, message, descriptors: listeners.map(\.rawDescriptor)) {
            case .success(let count): sent = count
            case .failure(let errno) where errno == .wouldBlock:
                guard try wait.untilWritable(fd) else { throw failure(.timedOut) }
                continue
            case .failure(let errno): throw failure(.system(errno))
            }
            break
        }
        if sent < message.count {
            try sendAll(fd, Array(message[sent...]), timeout: timeout)
        }
        let answer = try readLine(fd, limit: acknowledgement.count, wait: &wait, descriptors: ReceivedDescriptors())
        guard answer.line == acknowledgement else {
            throw failure(.malformedMessage("the receiver answered \(answer.line.count) bytes that are not \"ok\""))
        }
    }

    /// Sends all of `bytes` within `timeout` (send with MSG_DONTWAIT, and poll).
    private static func sendAll(_ fd: CInt, _ bytes: [UInt8], timeout: Duration) throws(SocketError) {
        let outcome = bytes.withUnsafeBytes { buffer in
            Result { () throws(SocketError) in try SocketCalls.send(fd, buffer, timeout: timeout) }
        }
        do {
            try outcome.get()
        } catch .system(_, let errno) {
            throw failure(errno == .wouldBlock ? .timedOut : .system(errno))
        } catch {
            throw error
        }
    }

    private static func check(_ listeners: [Offered]) throws(SocketError) {
        guard (1...maximumListeners).contains(listeners.count) else {
            throw .invalidArgument(
                "a descriptor hand-over carries 1...\(maximumListeners) listeners, not \(listeners.count); "
                    + "hand over more in several"
            )
        }
        for listener in listeners {
            if let problem = nameProblem(listener.name) { throw failure(.invalidName(problem)) }
        }
    }

    // MARK: Receiving

    /// Connects to the old process's rendezvous socket at `path` and receives its listeners (see
    /// ``receive(over:expectedPeer:timeout:)``); `timeout` bounds the connect and the receive each.
    /// Listeners are taken only from `expectedPeer`: the user of the process that made the
    /// rendezvous listener.
    public static func receive(
        from path: SocketAddress,
        expectedPeer: ExpectedPeer = .sameUser,
        timeout: Duration = defaultTimeout
    ) throws(SocketError) -> Listeners {
        let connection = try Connection(connectingTo: path, timeout: timeout)
        return try receive(over: connection, expectedPeer: expectedPeer, timeout: timeout)
    }

    /// Receives listeners and their names over `connection` with `recvmsg` (`MSG_CMSG_CLOEXEC`),
    /// waiting at most `timeout`, checks each as ``ListeningSocket/init(adopting:)`` does, adopts
    /// them, then acknowledges, so that the sender stops accepting.
    ///
    /// First it checks that the process at the other end is `expectedPeer` (`SO_PEERCRED`): another
    /// user's message is never read, so its descriptors never enter this process (the kernel drops
    /// them when the connection is closed). On any failure every descriptor that arrived is closed
    /// (never shut down: the sender still serves on the same sockets) and no acknowledgement is sent.
    ///
    /// Each listener received is made non-blocking (`O_NONBLOCK`), so that ``ListeningSocket/accept(timeout:)``
    /// keeps its bound; the flag belongs to the open file description, which the sender shares, so
    /// its copy turns non-blocking too (see ``DescriptorHandover``).
    ///
    /// - Throws: ``SocketError/descriptorHandoverFailed(_:)``: `.unexpectedPeer` before any read;
    ///   `.timedOut`, `.peerClosed`, `.malformedMessage`, `.noDescriptors`, `.tooManyDescriptors`
    ///   (`MSG_CTRUNC`), `.countMismatch`, `.invalidName`, `.notAListener` (a pipe, a file...), `.system`.
    public static func receive(
        over connection: borrowing Connection,
        expectedPeer: ExpectedPeer = .sameUser,
        timeout: Duration = defaultTimeout
    ) throws(SocketError) -> Listeners {
        let fd = connection.rawDescriptor
        try checkPeer(fd, expectedPeer)
        var wait = SocketCalls.Wait(timeout, operation: .receive, signalEndsWait: false)
        let arrived = ReceivedDescriptors()
        let line = try readLine(fd, limit: maximumMessageSize, wait: &wait, descriptors: arrived)
        let names = try parse(line.line, truncated: line.truncated, descriptorCount: arrived.list.count)
        let listeners = Listeners(names: names)
        for (index, descriptor) in arrived.list.enumerated() {
            do {
                listeners.append(try ListeningSocket(adopting: descriptor))
            } catch .notAListener(_, let reason) {
                throw failure(.notAListener(name: names[index], reason: reason))
            } catch {
                throw error
            }
            arrived.adopted = index + 1
        }
        try sendAll(fd, acknowledgement, timeout: timeout)
        return listeners
    }

    /// The names the message carries, checked against the descriptors that came with it.
    static func parse(_ line: [UInt8], truncated: Bool, descriptorCount: Int) throws(SocketError) -> [String] {
        if truncated || descriptorCount > maximumListeners {
            throw failure(.tooManyDescriptors(limit: maximumListeners))
        }
        guard line.starts(with: prefix) else {
            throw failure(.malformedMessage("it does not begin with \"socketoptions-handover 1 \""))
        }
        if descriptorCount == 0 { throw failure(.noDescriptors) }
        let text = line[prefix.count..<(line.count - 1)]
        guard !text.contains(where: { $0 < 0x20 || $0 > 0x7e }) else {
            throw failure(.malformedMessage("its names are not printable ASCII"))
        }
        let names = text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        guard names.count == descriptorCount else {
            throw failure(.countMismatch(names: names.count, descriptors: descriptorCount))
        }
        for name in names {
            if let problem = nameProblem(name) { throw failure(.invalidName(problem)) }
        }
        return names
    }

    /// Descriptors that arrived and are not adopted yet: closed when this goes, so that no path
    /// leaks one.
    private final class ReceivedDescriptors {
        var list: [CInt] = []
        var adopted = 0
        deinit { for descriptor in list.dropFirst(adopted) { _ = system_close(descriptor) } }
    }

    /// Reads until a newline, at most `limit` bytes, within the wait; every descriptor that comes
    /// is kept in `arrived` (to be closed unless adopted).
    private static func readLine(
        _ fd: CInt,
        limit: Int,
        wait: inout SocketCalls.Wait,
        descriptors arrived: ReceivedDescriptors
    ) throws(SocketError) -> (line: [UInt8], truncated: Bool) {
        var line: [UInt8] = []
        var truncated = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: limit, alignment: 1)
        defer { buffer.deallocate() }
        while !line.contains(newline) {
            guard line.count < limit else {
                throw failure(.malformedMessage("no end of line in its first \(limit) bytes"))
            }
            let room = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(limit - line.count)])
            switch DescriptorPassing.receive(fd, into: room, maximumDescriptors: maximumListeners) {
            case .success(let received):
                arrived.list += received.descriptors
                truncated = truncated || received.controlTruncated
                if received.count == 0 {
                    throw failure(.peerClosed)
                }
                line += room[0..<received.count]
            case .failure(let errno) where errno == .wouldBlock:
                guard try wait.untilReadable(fd) else { throw failure(.timedOut) }
            case .failure(let errno):
                throw failure(.system(errno))
            }
        }
        guard line.last == newline else {
            throw failure(.malformedMessage("bytes follow its end of line"))
        }
        return (line, truncated)
    }
}

extension DescriptorHandover {
    /// The listeners a hand-over brought, adopted, with their names, to take one by one. A
    /// listener not taken is closed with this value (a plain close: the sockets stay with any other
    /// holder).
    public struct Listeners: ~Copyable, @unchecked Sendable {
        /// The names, in the order the sender gave them.
        public let names: [String]
        private let storage: UnsafeMutableBufferPointer<ListeningSocket?>
        private let filled: UnsafeMutablePointer<Int>

        init(names: [String]) {
            self.names = names
            storage = .allocate(capacity: names.count)
            filled = .allocate(capacity: 1)
            filled.initialize(to: 0)
        }

        func append(_ listener: consuming ListeningSocket) {
            (storage.baseAddress! + filled.pointee).initialize(to: listener)
            filled.pointee += 1
        }

        /// How many listeners came, taken or not.
        public var count: Int { names.count }

        /// The listener at `index` (in ``names`` order), or nil when it was taken already.
        public mutating func take(at index: Int) -> ListeningSocket? {
            guard (0..<filled.pointee).contains(index), let base = storage.baseAddress else { return nil }
            let taken = (base + index).move()
            (base + index).initialize(to: nil)
            return taken
        }

        /// The first listener not taken yet called `name`, or nil when there is none.
        public mutating func take(name: String) -> ListeningSocket? {
            for index in names.indices where names[index] == name {
                if let listener = take(at: index) { return listener }
            }
            return nil
        }

        deinit {
            if let base = storage.baseAddress { base.deinitialize(count: filled.pointee) }
            storage.deallocate()
            filled.deallocate()
        }
    }
}

extension ListeningSocket {
    /// Closes this process's descriptor of a listener it handed over (``DescriptorHandover``),
    /// without stopping the socket: no `shutdown`, which would act on the socket the new owner
    /// shares (its `accept` would fail with `EINVAL`, new connections would be refused and queued
    /// ones reset), and a Unix-domain socket file is left in place for the new owner. Connections
    /// still queued stay queued for the new owner. Stop calling `accept` first: a thread blocked
    /// in ``accept()`` is not woken by a close (use ``accept(timeout:)`` and a flag).
    ///
    /// The corresponding C call is `close`.
    public consuming func closeAfterHandover() throws(SocketError) {
        record.disarmUnixFile()
        try descriptor.close()
    }
}
#endif
