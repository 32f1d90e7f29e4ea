// SocketOptions: one TCP connection, accepted or made.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A connected TCP socket: one that ``ListeningSocket/accept()`` returned, or one made with
/// ``init(connectingTo:timeout:)``.
///
/// The connection owns its descriptor and closes it in ``close()`` or when it goes out of scope.
/// Sending never raises `SIGPIPE` (`MSG_NOSIGNAL` on Linux, `SO_NOSIGPIPE` on Darwin): a vanished
/// peer is an error, ``SocketError/system(_:_:)`` with `EPIPE` or `ECONNRESET`.
public struct Connection: ~Copyable, Sendable, SocketOptionSetting {
    @usableFromInline let descriptor: SocketDescriptor

    /// The connection's descriptor, lent: the connection still owns it. Wait on it with `poll` or
    /// an event loop; never close it.
    @inlinable public var rawDescriptor: Int32 { descriptor.rawValue }

    /// A TCP socket of the family of its address (a Unix-domain stream socket for a path): options
    /// are checked against it before any system call.
    public var socketKind: SocketKind? { SocketKind.stream(for: localAddress) }

    /// The local end's address (`getsockname`).
    public let localAddress: SocketAddress

    /// The peer's address: the client for an accepted connection, the server for a made one.
    public let remoteAddress: SocketAddress

    init(accepted descriptor: consuming SocketDescriptor, remoteAddress: SocketAddress) throws(SocketError) {
        self.localAddress = try SocketCalls.localAddress(descriptor.rawValue)
        self.remoteAddress = remoteAddress
        self.descriptor = descriptor
    }

    /// The time ``init(connectingTo:timeout:)`` waits for the connection by default: 30 seconds.
    public static let defaultConnectTimeout: Duration = .seconds(30)

    /// Connects to a listening address, waiting at most `timeout` for the connection to be made.
    /// The descriptor is close-on-exec, and blocking once connected.
    ///
    /// The connect never blocks: a TCP connect under way is waited for with `poll`, a Unix one to
    /// a server whose accept queue is full is tried again after short pauses, until `timeout` has
    /// passed on a monotonic clock. Any Duration is taken: zero or negative tries once. The
    /// corresponding C calls are `connect` on an `O_NONBLOCK` descriptor, `poll` and
    /// `getsockopt(SO_ERROR)`.
    ///
    /// - Throws: ``SocketError/system(_:_:)`` with `ECONNREFUSED` when nothing listens there;
    ///   with `ETIMEDOUT` when the connection was not made in time (the host does not answer, or the
    ///   server's accept queue is full).
    public init(
        connectingTo address: SocketAddress,
        timeout: Duration = Connection.defaultConnectTimeout
    ) throws(SocketError) {
        let descriptor = try SocketCalls.open(for: address)
        try SocketCalls.connect(descriptor.rawValue, to: address, timeout: timeout)
        self.localAddress = try SocketCalls.localAddress(descriptor.rawValue)
        self.remoteAddress = address
        self.descriptor = descriptor
    }

    /// The time ``send(_:timeout:)-(Collection<UInt8>,_)`` waits in all for room by default: 30 seconds.
    public static let defaultSendTimeout: Duration = .seconds(30)

    /// Sends all of `bytes`, in as many `send` calls as the kernel needs, waiting at most `timeout`
    /// in all for room in the send buffer.
    ///
    /// The send never blocks: each call is made with `MSG_DONTWAIT`, and when the buffer is full
    /// (the peer does not read, or reads slowly) it waits with `poll` for the time that is left on a
    /// monotonic clock, then sends the rest. Any Duration is taken: zero or negative sends what fits
    /// at once. The connection's `SO_SNDTIMEO` does not apply. The corresponding C calls are `send`
    /// with `MSG_DONTWAIT`, and `poll`.
    ///
    /// - Throws: ``SocketError/system(_:_:)`` with `EAGAIN` when the time ran out: part of the bytes
    ///   may have been sent, and how many is not known, so the stream's position is lost; close the
    ///   connection. With `EPIPE` or `ECONNRESET` when the peer went away.
    public func send(
        _ bytes: some Collection<UInt8>,
        timeout: Duration = Connection.defaultSendTimeout
    ) throws(SocketError) {
        let sent: Result<Void, SocketError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(SocketError) in
                try SocketCalls.send(descriptor.rawValue, UnsafeRawBufferPointer(buffer), timeout: timeout)
            }
        }
        switch sent {
        case .success?: return
        case .failure(let error)?: throw error
        case nil: try send(Array(bytes), timeout: timeout)
        }
    }

    /// Sends the UTF-8 bytes of `text`, waiting at most `timeout` in all, as
    /// ``send(_:timeout:)-(Collection<UInt8>,_)``.
    public func send(_ text: String, timeout: Duration = Connection.defaultSendTimeout) throws(SocketError) {
        var text = text
        let sent = text.withUTF8 { buffer in
            Result { () throws(SocketError) in
                try SocketCalls.send(descriptor.rawValue, UnsafeRawBufferPointer(buffer), timeout: timeout)
            }
        }
        try sent.get()
    }

    /// The most bytes one receive takes (16 MiB): each call allocates a buffer of `upTo` bytes, so a
    /// larger request is refused rather than allocated. Receive in parts.
    public static let maximumReceiveSize = SocketCalls.maximumReceiveSize

    /// Receives up to `maxBytes` bytes, waiting until at least one arrives (or the connection's
    /// ``SocketOption/receiveTimeout(_:)`` runs out: `EAGAIN`). Returns an empty array when the peer
    /// has closed its end.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for `maxBytes` outside
    ///   1...``maximumReceiveSize``, before anything is allocated; ``SocketError/system(_:_:)`` with
    ///   the errno of `recv`.
    public func receive(upTo maxBytes: Int = 65536) throws(SocketError) -> [UInt8] {
        try SocketCalls.checkReceiveSize(maxBytes)
        // A blocking receive cannot find nothing: it waits, or fails.
        return try receiveNow(upTo: maxBytes, flags: 0) ?? []
    }

    /// Receives up to `maxBytes` bytes, waiting at most `timeout` for the first one; nil when none
    /// came in time or a signal interrupted the wait, an empty array when the peer has closed its end.
    ///
    /// It never waits much longer than `timeout`, also when another thread takes the bytes between
    /// the wait (`poll`) and the read: the read does not block (`MSG_DONTWAIT`), and one that finds
    /// nothing waits again for the time that is left. Any Duration is taken, as in
    /// ``ListeningSocket/accept(timeout:)``. The corresponding C calls are `poll` and `recv` with
    /// `MSG_DONTWAIT`.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for `maxBytes` outside
    ///   1...``maximumReceiveSize``; ``SocketError/system(_:_:)`` with the errno of `poll` or `recv`.
    public func receive(upTo maxBytes: Int = 65536, timeout: Duration) throws(SocketError) -> [UInt8]? {
        try SocketCalls.checkReceiveSize(maxBytes)
        var wait = SocketCalls.Wait(timeout, operation: .receive)
        while try wait.untilReadable(descriptor.rawValue) {
            if let bytes = try receiveNow(upTo: maxBytes, flags: CInt(MSG_DONTWAIT)) { return bytes }
        }
        return nil
    }

    /// One recv into a new array; nil when a non-blocking one found nothing (EAGAIN).
    private func receiveNow(upTo maxBytes: Int, flags: CInt) throws(SocketError) -> [UInt8]? {
        var failure: Errno?
        let bytes = [UInt8](unsafeUninitializedCapacity: maxBytes) { buffer, count in
            switch SocketCalls.receive(descriptor.rawValue, into: UnsafeMutableRawBufferPointer(buffer), flags: flags) {
            case .success(let received): count = received
            case .failure(let errno):
                failure = errno
                count = 0
            }
        }
        if let failure {
            if flags != 0 && (failure == .wouldBlock || failure.rawValue == EWOULDBLOCK) { return nil }
            throw .system(.receive, failure)
        }
        return bytes
    }

    /// Reads until the peer closes its end, at most `limit` bytes in all.
    public func receiveAll(limit: Int = 1 << 20) throws(SocketError) -> [UInt8] {
        var all: [UInt8] = []
        while all.count < limit {
            let chunk = try receive(upTo: min(65536, limit - all.count))
            if chunk.isEmpty { break }
            all.append(contentsOf: chunk)
        }
        return all
    }

    /// Gives up the descriptor without closing it, for another library to serve on; the caller
    /// owns it from here on and must close it. The descriptor is close-on-exec and blocking.
    public consuming func releaseDescriptor() -> Int32 {
        descriptor.release()
    }

    /// Closes the connection.
    ///
    /// - Throws: ``SocketError/system(_:_:)`` when `close` reports an error; the descriptor is
    ///   closed all the same.
    public consuming func close() throws(SocketError) {
        try descriptor.close()
    }
}
