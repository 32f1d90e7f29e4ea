// SocketOptions: the owner of one open socket descriptor.

/// Owns a descriptor: closes it exactly once, either by ``close()`` or when it goes out of scope.
///
/// Every public type that owns a socket stores one of these, so that a failure anywhere between
/// socket() and the end of an initializer closes the descriptor by leaving scope: no path can
/// leak it. close() is never retried: on EINTR the descriptor is already gone, and a retry could
/// close a descriptor another thread has just been given.
@usableFromInline
struct SocketDescriptor: ~Copyable, Sendable {
    @usableFromInline let rawValue: CInt

    init(rawValue: CInt) { self.rawValue = rawValue }

    consuming func close() throws(SocketError) {
        let fd = rawValue
        discard self
        if case .failure(let errno) = valueOrErrno(retryOnInterrupt: false, { system_close(fd) }),
            errno != .interrupted
        {
            throw .system(.close, errno)
        }
    }

    /// Gives the descriptor up without closing it.
    consuming func release() -> CInt {
        let fd = rawValue
        discard self
        return fd
    }

    deinit { _ = system_close(rawValue) }
}
