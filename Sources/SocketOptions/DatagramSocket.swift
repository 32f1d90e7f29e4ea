// SocketOptions: a bound datagram (UDP) socket, with the same options and verified apply.

/// A datagram socket bound to an address: UDP for IPv4 and IPv6, or a Unix-domain datagram
/// socket.
///
/// The initializer does `socket` (close-on-exec) → one `setsockopt` per option, in order, each
/// read back → `bind`, like ``ListeningSocket``, and closes the descriptor on any failure. With
/// `.reusePort(true)` on each, several sockets share one port and the kernel spreads the
/// datagrams over them by a hash of their source and destination.
///
/// ```swift
/// let socket = try DatagramSocket(address: try SocketAddress("0.0.0.0:5353"), options: [.reusePort(true)])
/// let datagram = try socket.receive()
/// try socket.send(datagram.bytes, to: datagram.sender)
/// ```
public struct DatagramSocket: ~Copyable, Sendable, SocketOptionSetting {
    /// One datagram received, and who sent it.
    public struct Datagram: Hashable, Sendable {
        /// The payload.
        public let bytes: [UInt8]
        /// The sender's address, to answer to.
        public let sender: SocketAddress
    }

    @usableFromInline let descriptor: SocketDescriptor

    /// The socket's descriptor, lent: the socket still owns it. Wait on it with `poll` or an event
    /// loop; never close it.
    @inlinable public var rawDescriptor: Int32 { descriptor.rawValue }

    /// A datagram socket of the family of its address: options are checked against it before any
    /// system call, so that multicast options can be set after bind and TCP ones are refused.
    public var socketKind: SocketKind? {
        SocketKind(family: localAddress.family, type: .datagram)
    }

    /// The address the socket is bound to (`getsockname`), with the port the kernel chose for 0.
    public var localAddress: SocketAddress { record.localAddress }

    /// Each option as requested and as the kernel keeps it on the bound socket, in the order given
    /// (with `.ipv6Only(false)` added for `::` or an IPv4-mapped address, as ``ListeningSocket``
    /// does).
    public var appliedOptions: [AppliedOption] { record.applied }

    /// What ``localAddress`` and ``appliedOptions`` are read from, and the Unix socket file the
    /// socket owns.
    let record: SocketRecord

    /// Creates a datagram socket, sets its options and binds it to `address`.
    ///
    /// Every argument is checked before the first system call. A Unix-domain path is bound at the
    /// path itself (unlike ``ListeningSocket``, which binds under a private name and then publishes
    /// the file), so that the socket's bound name, which its peers see as the sender of each
    /// datagram and answer to, is the path: `getsockname` and ``localAddress`` give the path asked
    /// for. As for a listener, the lock `PATH.lock` is held while the socket is open, a stale socket
    /// file is recovered, and a live one or a file that is not a socket is never touched.
    ///
    /// - Throws: ``SocketError/addressInUse(_:errno:)`` and the other bind errors;
    ///   ``SocketError/invalidValue(_:reason:)``; ``SocketError/optionGivenTwice(_:first:second:)``;
    ///   ``SocketError/optionNotSupported(_:socket:errno:)`` for
    ///   an option UDP lacks (`noDelay`); for a Unix-domain path,
    ///   ``SocketError/unixPathUnusable(_:_:errno:)`` when the path names no file or what the package
    ///   found beside it keeps it from binding (``UnixPathProblem``), and
    ///   ``SocketError/socketFileReplaced(_:errno:)`` when the bound socket file was removed or
    ///   replaced at once; ``SocketError/unrepresentableAddress(_:family:)`` when `getsockname`
    ///   answers a family of another kind (the descriptor was replaced under the package);
    ///   ``SocketError/system(_:_:)`` for anything else.
    public init(address: borrowing SocketAddress, options: borrowing [SocketOption] = []) throws(SocketError) {
        let made = try SocketSetup.make(address, role: .datagram, options: options, over: [])
        self.descriptor = made.descriptor
        self.record = made.record
    }

    /// The time ``send(_:to:timeout:)`` waits for room by default: 30 seconds.
    public static let defaultSendTimeout: Duration = .seconds(30)

    /// Sends one datagram to `address`, waiting at most `timeout` for room to send it.
    ///
    /// The send never blocks: it is made with `MSG_DONTWAIT`, and when there is no room (a full
    /// send buffer, or a Unix datagram receiver whose queue is full because it does not read) it
    /// waits with `poll` for the time that is left on a monotonic clock, and tries again. Any
    /// Duration is taken: zero or negative tries once. The socket's `SO_SNDTIMEO` does not apply.
    /// The corresponding C calls are `sendto` with `MSG_DONTWAIT`, and `poll`.
    ///
    /// - Throws: ``SocketError/system(_:_:)``; `EAGAIN` when there was no room in time (the
    ///   receiver is not reading); `EMSGSIZE` when the datagram is larger than the protocol allows.
    public func send(
        _ bytes: some Collection<UInt8>,
        to address: SocketAddress,
        timeout: Duration = DatagramSocket.defaultSendTimeout
    ) throws(SocketError) {
        let sent: Result<Void, SocketError>? = bytes.withContiguousStorageIfAvailable { buffer in
            DatagramCalls.send(descriptor.rawValue, UnsafeRawBufferPointer(buffer), to: address, timeout: timeout)
        }
        switch sent {
        case .success?: return
        case .failure(let error)?: throw error
        case nil: try send(Array(bytes), to: address, timeout: timeout)
        }
    }

    /// The most bytes one receive takes (16 MiB): each call allocates a buffer of `upTo` bytes, so a
    /// larger request is refused rather than allocated.
    public static let maximumReceiveSize = SocketCalls.maximumReceiveSize

    /// Receives one datagram of up to `maxBytes` bytes (a longer one is cut short), waiting until
    /// one arrives.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for `maxBytes` outside
    ///   1...``maximumReceiveSize``, before anything is allocated.
    public func receive(upTo maxBytes: Int = 65536) throws(SocketError) -> Datagram {
        try SocketCalls.checkReceiveSize(maxBytes)
        guard let datagram = try DatagramCalls.receive(descriptor.rawValue, upTo: maxBytes, flags: 0) else {
            throw .system(.receive, .wouldBlock)
        }
        return datagram
    }

    /// Receives one datagram, waiting at most `timeout`; nil when none came in time or a signal
    /// interrupted the wait.
    ///
    /// It never waits much longer than `timeout`, also when another thread or process takes the
    /// datagram between the wait (`poll`) and the read: the read does not block (`MSG_DONTWAIT`),
    /// and one that finds nothing waits again for the time that is left. Any Duration is taken.
    /// The corresponding C calls are `poll` and `recvfrom` with `MSG_DONTWAIT`.
    public func receive(upTo maxBytes: Int = 65536, timeout: Duration) throws(SocketError) -> Datagram? {
        try SocketCalls.checkReceiveSize(maxBytes)
        var wait = SocketCalls.Wait(timeout, operation: .receive)
        while try wait.untilReadable(descriptor.rawValue) {
            if let datagram = try DatagramCalls.receive(
                descriptor.rawValue,
                upTo: maxBytes,
                flags: DatagramCalls.dontWait
            ) {
                return datagram
            }
        }
        return nil
    }

    /// Gives up the descriptor without closing it; the caller owns it from here on.
    public consuming func releaseDescriptor() -> Int32 {
        record.disarmUnixFile()
        return descriptor.release()
    }

    /// Closes the socket; a Unix-domain socket file it created is removed.
    public consuming func close() throws(SocketError) {
        try descriptor.close()
    }
}
