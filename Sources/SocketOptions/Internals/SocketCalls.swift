// SocketOptions: the socket calls that ListeningSocket, Connection and DatagramSocket share, with
// errno turned into SocketError.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum SocketCalls {
    /// A new stream (or, with `datagram`, datagram) socket for the address's family,
    /// close-on-exec from the start.
    ///
    /// With `nonBlocking` (for listeners) the descriptor is O_NONBLOCK from the start too
    /// (SOCK_NONBLOCK on Linux, fcntl on Darwin).
    static func open(
        for address: SocketAddress,
        datagram: Bool = false,
        nonBlocking: Bool = false
    ) throws(SocketError) -> SocketDescriptor {
        let type = (datagram ? platformDatagramType : platformStreamType) | (nonBlocking ? platformNonBlockingFlag : 0)
        switch valueOrErrno({ platformSocketCloseOnExec(address.family.raw, type) }) {
        case .success(let fd):
            let descriptor = SocketDescriptor(rawValue: fd)
            if case .failure(let errno) = platformPrepareStreamSocket(fd) { throw .system(.socket, errno) }
            if nonBlocking && platformNonBlockingFlag == 0 && setNonBlocking(fd, true) == nil {
                throw .system(.socket, currentErrno())
            }
            return descriptor
        case .failure(let errno):
            throw .system(.socket, errno)
        }
    }

    /// bind; errors name `reported` when given (a Unix socket bound under a private name reports
    /// the path that was asked for).
    static func bind(
        _ fd: CInt,
        to address: SocketAddress,
        reportingAs reported: SocketAddress? = nil
    ) throws(SocketError) {
        let result = address.withSockAddr { sockaddr, length in valueOrErrno { system_bind(fd, sockaddr, length) } }
        if case .failure(let errno) = result {
            let named = reported ?? address
            throw addressError(errno, address: named, operation: .bind(named))
        }
    }

    static func setCloseOnExec(_ fd: CInt) {
        let flags = system_fcntl(fd, F_GETFD)
        if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = system_fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// Turns O_NONBLOCK on or off; returns whether it was on before, nil when fcntl failed.
    /// The flag belongs to the open file description: every duplicate of the descriptor, in any
    /// process, sees the change.
    @discardableResult
    static func setNonBlocking(_ fd: CInt, _ on: Bool) -> Bool? {
        let flags = system_fcntl(fd, F_GETFL)
        guard flags >= 0 else { return nil }
        let wasOn = flags & O_NONBLOCK != 0
        if wasOn != on && system_fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) < 0 { return nil }
        return wasOn
    }

    static func listen(_ fd: CInt, backlog: Int, address: SocketAddress) throws(SocketError) {
        if case .failure(let errno) = valueOrErrno({ system_listen(fd, CInt(backlog)) }) {
            throw addressError(errno, address: address, operation: .listen(address))
        }
    }

    /// Connects, waiting at most `timeout` (on a monotonic clock) for the connection to be made;
    /// the descriptor is blocking again afterwards, as it was.
    ///
    /// The connect is non-blocking: a TCP one that is under way (EINPROGRESS, or EINTR) is waited for
    /// with poll for POLLOUT and its outcome read from SO_ERROR; a Unix one to a server whose accept
    /// queue is full fails at once with EAGAIN (unix(7)), and is tried again after short pauses until
    /// the time is up. Either way it throws ETIMEDOUT when the time runs out.
    static func connect(_ fd: CInt, to address: SocketAddress, timeout: Duration) throws(SocketError) {
        guard let wasNonBlocking = setNonBlocking(fd, true) else { throw .system(.connect(address), currentErrno()) }
        defer { if !wasNonBlocking { setNonBlocking(fd, false) } }
        var wait = Wait(timeout, operation: .connect(address), signalEndsWait: false)
        var pause = Duration.milliseconds(1)
        while true {
            let result = address.withSockAddr { sockaddr, length in
                // A connect interrupted by a signal goes on in the background: retrying it would fail
                // with EALREADY, so wait for the outcome instead.
                valueOrErrno(retryOnInterrupt: false) { system_connect(fd, sockaddr, length) }
            }
            switch result {
            case .success: return
            case .failure(let errno) where errno == .interrupted || errno == .inProgress:
                guard try wait.untilWritable(fd) else { throw .system(.connect(address), .timedOut) }
                if let pending = try OptionCalls.value(.pendingError, from: fd) {
                    throw addressError(pending, address: address, operation: .connect(address))
                }
                return
            case .failure(let errno) where address.family == .unix && errno == .wouldBlock:
                // Nothing to poll for: an unconnected Unix socket is always writable.
                guard try wait.pause(pause) else { throw .system(.connect(address), .timedOut) }
                pause = min(pause * 2, .milliseconds(50))
            case .failure(let errno):
                throw addressError(errno, address: address, operation: .connect(address))
            }
        }
    }

    static func localAddress(_ fd: CInt) throws(SocketError) -> SocketAddress {
        try SocketAddress.read(.localAddress) { system_getsockname(fd, $0, $1) }
    }

    /// ``localAddress(_:)`` as a setup's record keeps it: an IP address read straight into its
    /// host and port, without a `SocketAddress`; any other address as it is.
    static func localBound(_ fd: CInt) throws(SocketError) -> SocketRecord.Bound {
        try SocketAddress.read(
            .localAddress,
            { system_getsockname(fd, $0, $1) },
            decode: { storage, length in
                if let local = withUnsafeBytes(of: storage, SocketAddress.ipEndpoint) {
                    return .ip(local.ip, port: local.port)
                }
                return SocketAddress(storage: storage, length: length).map { .unix($0, file: nil) }
            }
        )
    }

    /// Accepts one connection from a listener whose descriptor is non-blocking, waiting at most
    /// `timeout`; nil when none came in time or a signal interrupted the wait. With no timeout it
    /// waits as long as the listener's SO_RCVTIMEO says (forever by default; EAGAIN after it), as a
    /// blocking accept would, and a signal does not end the wait.
    ///
    /// The accept itself never blocks: when another thread or process takes the connection that
    /// poll announced, accept finds nothing (EAGAIN) and the wait goes on for the time that is left,
    /// measured on a monotonic clock. A connection reset while it waited in the queue
    /// (ECONNABORTED) is skipped.
    static func accept(_ fd: CInt, timeout: Duration?) throws(SocketError) -> Connection? {
        var wait: Wait
        if let timeout {
            wait = Wait(timeout, operation: .accept)
        } else {
            // A blocking accept: take a queued connection at once, and only then pay for the wait.
            if let connection = try acceptNow(fd) { return connection }
            wait = Wait(try receiveTimeout(fd), operation: .accept, signalEndsWait: false)
        }
        while true {
            guard try wait.untilReadable(fd, hangUp: true) else {
                // Without a timeout the wait only ends when SO_RCVTIMEO runs out: say it as accept would.
                if timeout == nil { throw .system(.accept, .wouldBlock) }
                return nil
            }
            if let connection = try acceptNow(fd) { return connection }
            // A stopped TCP listener fails accept with EINVAL; a stopped Unix one polls readable and
            // hung up while accept finds nothing (EAGAIN), which would otherwise be a busy loop.
            if wait.hungUp { throw .listenerStopped }
        }
    }

    /// One non-blocking accept: the connection, or nil when none is queued (EAGAIN). EINVAL means the
    /// listener is no longer listening: shut down for reading (stopAccepting, here or through another
    /// holder of the descriptor), which is the clean end of an accept loop, `.listenerStopped`. A
    /// ListeningSocket was listening when it was made or adopted, and nothing else turns listening off.
    static func acceptNow(_ fd: CInt) throws(SocketError) -> Connection? {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let result = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    valueOrErrno { system_accept(fd, address, &length) }
                }
            }
            switch result {
            case .success(let accepted):
                let descriptor = SocketDescriptor(rawValue: accepted)
                if case .failure(let errno) = platformPrepareStreamSocket(accepted) { throw .system(.accept, errno) }
                #if canImport(Darwin)
                // BSD accept hands the listener's O_NONBLOCK on; Linux's does not. A connection blocks.
                setNonBlocking(accepted, false)
                #endif
                guard let peer = SocketAddress(storage: storage, length: length) else {
                    throw .unrepresentableAddress(.accept, family: SocketFamily(raw: CInt(storage.ss_family)))
                }
                return try Connection(accepted: descriptor, remoteAddress: peer)
            case .failure(let errno) where errno == .connectionAborted:
                continue
            case .failure(let errno) where errno == .wouldBlock || errno.rawValue == EWOULDBLOCK:
                return nil
            case .failure(let errno) where errno == .invalidArgument:
                throw .listenerStopped
            case .failure(let errno):
                throw .system(.accept, errno)
            }
        }
    }

    /// Stops a listener accepting: shutdown(SHUT_RD). On Linux every thread blocked in accept on it
    /// (or in poll for it) wakes at once, accept then fails with EINVAL, new connections are refused
    /// and the ones still queued are reset. ENOTCONN means it was stopped already: not an error.
    static func stopAccepting(_ fd: CInt) throws(SocketError) {
        switch valueOrErrno({ system_shutdown(fd, CInt(SHUT_RD)) }) {
        case .success: return
        case .failure(let errno) where errno == .notConnected: return
        case .failure(let errno): throw .system(.stopAccepting, errno)
        }
    }

    /// The listener's SO_RCVTIMEO, which a blocking accept would honour; nil for none.
    private static func receiveTimeout(_ fd: CInt) throws(SocketError) -> Duration? {
        try OptionCalls.value(.receiveTimeout, from: fd)
    }

    /// A wait for a descriptor to become readable, in as many polls as it takes, bounded by a
    /// deadline on a monotonic clock: a poll that wakes for data another reader then takes is
    /// followed by one for the time that is left, never by a fresh full timeout.
    struct Wait {
        /// nil: no bound.
        let timeout: Duration?
        let operation: SocketError.Operation
        let start = ContinuousClock.now
        /// Whether a signal (EINTR) ends the wait; when not, the poll is made again.
        let signalEndsWait: Bool
        private var polled = false
        /// Whether the last poll reported the descriptor hung up (POLLHUP, or POLLRDHUP when asked for).
        private(set) var hungUp = false

        init(_ timeout: Duration?, operation: SocketError.Operation, signalEndsWait: Bool = true) {
            self.timeout = timeout
            self.operation = operation
            self.signalEndsWait = signalEndsWait
        }

        /// Polls for the time that is left; false when it ran out (or a signal ended the wait).
        /// The first poll is made even for a zero or negative timeout, without waiting.
        /// With `hangUp`, POLLRDHUP is asked for too, and ``hungUp`` says whether either hang-up came.
        mutating func untilReadable(_ fd: CInt, hangUp: Bool = false) throws(SocketError) -> Bool {
            try until(fd, events: Int16(POLLIN) | (hangUp ? platformPollReadHangUp : 0), atMost: nil)
        }

        /// As ``untilReadable(_:)``, for room to write (POLLOUT).
        mutating func untilWritable(_ fd: CInt) throws(SocketError) -> Bool {
            try until(fd, events: Int16(POLLOUT), atMost: nil)
        }

        /// Sleeps for `interval` or the time that is left, whichever is shorter (a poll of no
        /// descriptor); false when no time was left.
        mutating func pause(_ interval: Duration) throws(SocketError) -> Bool {
            if let timeout, start.duration(to: .now) >= timeout { return false }
            _ = try until(-1, events: 0, atMost: interval)
            return true
        }

        private mutating func until(_ fd: CInt, events: Int16, atMost cap: Duration?) throws(SocketError) -> Bool {
            while true {
                var milliseconds: CInt
                if let timeout {
                    // timeout - elapsed cannot overflow: the timeout is checked positive first and the
                    // elapsed time is never negative.
                    let remaining = timeout > .zero ? timeout - start.duration(to: .now) : .zero
                    if remaining <= .zero && polled { return false }
                    milliseconds = SocketCalls.pollMilliseconds(remaining)
                } else {
                    milliseconds = -1
                }
                if let cap {
                    let capped = SocketCalls.pollMilliseconds(cap)
                    if milliseconds < 0 || capped < milliseconds { milliseconds = capped }
                }
                polled = true
                // poll ignores an entry whose descriptor is negative: that poll only sleeps.
                var entry = pollfd(fd: fd, events: events, revents: 0)
                let result = valueOrErrno(retryOnInterrupt: false, { system_poll(&entry, 1, milliseconds) })
                hungUp = entry.revents & (Int16(POLLHUP) | platformPollReadHangUp) != 0
                switch result {
                case .success(let ready):
                    if ready > 0 || cap != nil { return true }
                // 0 is a timeout, or the end of a wait capped at CInt.max milliseconds: the loop
                // polls again for what is left, if anything.
                case .failure(let errno) where errno == .interrupted:
                    if signalEndsWait || cap != nil { return false }
                case .failure(let errno):
                    throw .system(operation, errno)
                }
            }
        }
    }

    /// poll takes whole milliseconds as a C int: round up, so a short wait is not turned into none,
    /// and cap a long one at CInt.max (about 24.8 days; the deadline loop polls again for the rest).
    static func pollMilliseconds(_ timeout: Duration) -> CInt {
        if timeout <= .zero { return 0 }
        if timeout >= .milliseconds(CInt.max) { return CInt.max }
        guard let (count, exact) = timeout.count(ofAttoseconds: 1_000_000_000_000_000) else { return CInt.max }
        return CInt(clamping: exact ? count : count + 1)
    }

    /// Sends all of `bytes`, waiting at most `timeout` in all for room: each send is MSG_DONTWAIT,
    /// and on EAGAIN a poll for POLLOUT for the time that is left comes before the next. A partial
    /// send is continued from where it stopped. On the timeout, what was sent is not reported.
    static func send(_ fd: CInt, _ bytes: UnsafeRawBufferPointer, timeout: Duration) throws(SocketError) {
        var wait = Wait(timeout, operation: .send, signalEndsWait: false)
        var offset = 0
        while offset < bytes.count {
            let sent = valueOrErrno {
                system_send(
                    fd,
                    bytes.baseAddress.map { $0 + offset },
                    bytes.count - offset,
                    platformSendFlags | CInt(MSG_DONTWAIT)
                )
            }
            switch sent {
            case .success(let count): offset += count
            case .failure(let errno) where errno == .wouldBlock || errno.rawValue == EWOULDBLOCK:
                guard try wait.untilWritable(fd) else { throw .system(.send, .wouldBlock) }
            case .failure(let errno): throw .system(.send, errno)
            }
        }
    }

    /// The largest `upTo` a receive takes: a buffer of this size is allocated for each call.
    static let maximumReceiveSize = 1 << 24

    /// Refuses a receive size outside 1...maximumReceiveSize before anything is allocated.
    static func checkReceiveSize(_ maxBytes: Int) throws(SocketError) {
        guard maxBytes > 0 else {
            throw .invalidArgument("receive(upTo: \(maxBytes)) needs room for at least one byte; give 1 or more")
        }
        guard maxBytes <= maximumReceiveSize else {
            throw .invalidArgument(
                "receive(upTo: \(maxBytes)) asks for more than \(maximumReceiveSize) bytes in one call, the most "
                    + "one receive allocates; receive in parts of at most that"
            )
        }
    }

    /// One recv. With `flags` MSG_DONTWAIT it never blocks: EAGAIN then comes back as a failure.
    static func receive(
        _ fd: CInt,
        into buffer: UnsafeMutableRawBufferPointer,
        flags: CInt = 0
    ) -> Result<Int, Errno> {
        valueOrErrno { system_recv(fd, buffer.baseAddress, buffer.count, flags) }
    }

    /// The named address errors mean what they say only for the calls that name a local address:
    /// EACCES from listen is a security policy, EADDRNOTAVAIL from connect is a used-up port range.
    static func addressError(_ errno: Errno, address: SocketAddress, operation: SocketError.Operation) -> SocketError {
        let binds = if case .bind = operation { true } else { false }
        let listens = if case .listen = operation { true } else { false }
        switch errno {
        case .addressInUse where binds || listens: return .addressInUse(address, errno: errno)
        case .addressNotAvailable where binds: return .addressNotAvailable(address)
        case .permissionDenied where binds, .notPermitted where binds: return .permissionDenied(address, errno: errno)
        default: return .system(operation, errno)
        }
    }
}
