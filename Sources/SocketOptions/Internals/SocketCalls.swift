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
    static func open(for address: SocketAddress, datagram: Bool = false) throws(SocketError) -> SocketDescriptor {
        let type = datagram ? platformDatagramType : platformStreamType
        switch valueOrErrno({ platformSocketCloseOnExec(address.rawFamily, type) }) {
        case .success(let fd):
            let descriptor = SocketDescriptor(rawValue: fd)
            if case .failure(let errno) = platformPrepareStreamSocket(fd) { throw .system(.socket, errno) }
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
        if flags >= 0 { _ = system_fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    static func listen(_ fd: CInt, backlog: Int, address: SocketAddress) throws(SocketError) {
        if case .failure(let errno) = valueOrErrno({ system_listen(fd, CInt(backlog)) }) {
            throw addressError(errno, address: address, operation: .listen(address))
        }
    }

    static func connect(_ fd: CInt, to address: SocketAddress) throws(SocketError) {
        let result = address.withSockAddr { sockaddr, length in
            // A connect interrupted by a signal goes on in the background: retrying it would fail
            // with EALREADY, so wait for the outcome instead.
            valueOrErrno(retryOnInterrupt: false) { system_connect(fd, sockaddr, length) }
        }
        switch result {
        case .success: return
        case .failure(let errno) where errno == .interrupted:
            try waitForConnect(fd, to: address)
        case .failure(let errno):
            throw addressError(errno, address: address, operation: .connect(address))
        }
    }

    private static func waitForConnect(_ fd: CInt, to address: SocketAddress) throws(SocketError) {
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        if case .failure(let errno) = valueOrErrno({ system_poll(&entry, 1, -1) }) {
            throw .system(.connect(address), errno)
        }
        if case .pendingError(let pending?) = try ReadOnlySocketOption.read(.pendingError, from: fd) {
            throw addressError(pending, address: address, operation: .connect(address))
        }
    }

    static func localAddress(_ fd: CInt) throws(SocketError) -> SocketAddress {
        switch SocketAddress.read({ system_getsockname(fd, $0, $1) }) {
        case .success(let address?): return address
        case .success(nil): throw .system(.localAddress, .addressFamilyNotSupported)
        case .failure(let errno): throw .system(.localAddress, errno)
        }
    }

    /// Accepts one connection, blocking until there is one. A connection that was reset while it
    /// waited in the queue (ECONNABORTED) is skipped, as is an interruption by a signal.
    static func accept(_ fd: CInt) throws(SocketError) -> Connection {
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
                guard let peer = SocketAddress(storage: storage, length: length) else {
                    throw .system(.accept, .addressFamilyNotSupported)
                }
                return try Connection(accepted: descriptor, remoteAddress: peer)
            case .failure(let errno) where errno == .connectionAborted:
                continue
            case .failure(let errno):
                throw .system(.accept, errno)
            }
        }
    }

    /// Waits until the descriptor has something to read (for a listener: a connection to accept).
    /// Returns false when the time ran out or a signal interrupted the wait.
    static func waitReadable(_ fd: CInt, timeout: Duration) throws(SocketError) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        switch valueOrErrno(retryOnInterrupt: false, { system_poll(&entry, 1, pollMilliseconds(timeout)) }) {
        case .success(let ready): return ready > 0
        case .failure(let errno) where errno == .interrupted: return false
        case .failure(let errno): throw .system(.accept, errno)
        }
    }

    /// poll takes whole milliseconds as a C int: round up, so a short wait is not turned into none.
    private static func pollMilliseconds(_ timeout: Duration) -> CInt {
        if timeout <= .zero { return 0 }
        let (seconds, attoseconds) = timeout.components
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        let total = milliseconds + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return overflow || total > Int64(CInt.max) ? CInt.max : CInt(total)
    }

    static func send(_ fd: CInt, _ bytes: UnsafeRawBufferPointer) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let sent = valueOrErrno {
                system_send(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset, platformSendFlags)
            }
            switch sent {
            case .success(let count): offset += count
            case .failure(let errno): throw .system(.send, errno)
            }
        }
    }

    static func receive(_ fd: CInt, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, SocketError> {
        valueOrErrno { system_recv(fd, buffer.baseAddress, buffer.count, 0) }.mapError { .system(.receive, $0) }
    }

    /// The named address errors mean what they say only for the calls that name a local address:
    /// EACCES from listen is a security policy, EADDRNOTAVAIL from connect is a used-up port range.
    static func addressError(_ errno: Errno, address: SocketAddress, operation: SocketError.Operation) -> SocketError {
        let binds = if case .bind = operation { true } else { false }
        let listens = if case .listen = operation { true } else { false }
        switch errno {
        case .addressInUse where binds || listens: return .addressInUse(address)
        case .addressNotAvailable where binds: return .addressNotAvailable(address)
        case .permissionDenied where binds, .notPermitted where binds: return .permissionDenied(address)
        default: return .system(operation, errno)
        }
    }
}
