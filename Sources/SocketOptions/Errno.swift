// SocketOptions: the C library's error numbers, named.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error number reported by a system call (`errno`).
///
/// The static members name the numbers a socket server meets; ``name`` gives the C name
/// (`"EADDRINUSE"`) for messages and logs. The raw values are the platform's own.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The platform's number for this error.
    public let rawValue: Int32

    /// Wraps a raw error number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The address is already in use. The corresponding C error is `EADDRINUSE`.
    public static var addressInUse: Errno { Errno(rawValue: EADDRINUSE) }
    /// The address is not one of this machine's. The corresponding C error is `EADDRNOTAVAIL`.
    public static var addressNotAvailable: Errno { Errno(rawValue: EADDRNOTAVAIL) }
    /// Permission denied. The corresponding C error is `EACCES`.
    public static var permissionDenied: Errno { Errno(rawValue: EACCES) }
    /// Operation not permitted. The corresponding C error is `EPERM`.
    public static var notPermitted: Errno { Errno(rawValue: EPERM) }
    /// Invalid argument. The corresponding C error is `EINVAL`.
    public static var invalidArgument: Errno { Errno(rawValue: EINVAL) }
    /// The option is unknown at this protocol level. The corresponding C error is `ENOPROTOOPT`.
    public static var protocolNotAvailable: Errno { Errno(rawValue: ENOPROTOOPT) }
    /// The operation is not supported by this kind of socket. The corresponding C error is `EOPNOTSUPP`.
    public static var notSupported: Errno { Errno(rawValue: EOPNOTSUPP) }
    /// The descriptor is not open. The corresponding C error is `EBADF`.
    public static var badFileDescriptor: Errno { Errno(rawValue: EBADF) }
    /// The descriptor is not a socket. The corresponding C error is `ENOTSOCK`.
    public static var notSocket: Errno { Errno(rawValue: ENOTSOCK) }
    /// The call was interrupted by a signal. The corresponding C error is `EINTR`.
    public static var interrupted: Errno { Errno(rawValue: EINTR) }
    /// Nothing is ready and the socket does not block. The corresponding C error is `EAGAIN`.
    public static var wouldBlock: Errno { Errno(rawValue: EAGAIN) }
    /// A connection was aborted before it was accepted. The corresponding C error is `ECONNABORTED`.
    public static var connectionAborted: Errno { Errno(rawValue: ECONNABORTED) }
    /// Nothing listens at the address. The corresponding C error is `ECONNREFUSED`.
    public static var connectionRefused: Errno { Errno(rawValue: ECONNREFUSED) }
    /// The peer reset the connection. The corresponding C error is `ECONNRESET`.
    public static var connectionReset: Errno { Errno(rawValue: ECONNRESET) }
    /// The peer has gone; writing is no longer possible. The corresponding C error is `EPIPE`.
    public static var brokenPipe: Errno { Errno(rawValue: EPIPE) }
    /// The process has no descriptor left. The corresponding C error is `EMFILE`.
    public static var tooManyOpenFiles: Errno { Errno(rawValue: EMFILE) }
    /// The system has no descriptor left. The corresponding C error is `ENFILE`.
    public static var tooManyOpenFilesInSystem: Errno { Errno(rawValue: ENFILE) }
    /// No buffer space. The corresponding C error is `ENOBUFS`.
    public static var noBufferSpace: Errno { Errno(rawValue: ENOBUFS) }
    /// Out of memory. The corresponding C error is `ENOMEM`.
    public static var noMemory: Errno { Errno(rawValue: ENOMEM) }
    /// The address family is not supported. The corresponding C error is `EAFNOSUPPORT`.
    public static var addressFamilyNotSupported: Errno { Errno(rawValue: EAFNOSUPPORT) }
    /// A value is out of the function's domain. The corresponding C error is `EDOM`.
    public static var outOfDomain: Errno { Errno(rawValue: EDOM) }
    /// The operation timed out. The corresponding C error is `ETIMEDOUT`.
    public static var timedOut: Errno { Errno(rawValue: ETIMEDOUT) }

    /// No such device (network interface). The corresponding C error is `ENODEV`.
    public static var noSuchDevice: Errno { Errno(rawValue: ENODEV) }
    /// No such file or entry. The corresponding C error is `ENOENT`.
    public static var noSuchEntry: Errno { Errno(rawValue: ENOENT) }

    private static let names: [(Int32, String, String)] = [
        (EADDRINUSE, "EADDRINUSE", "address already in use"),
        (EADDRNOTAVAIL, "EADDRNOTAVAIL", "address not available"),
        (EACCES, "EACCES", "permission denied"),
        (EPERM, "EPERM", "operation not permitted"),
        (EINVAL, "EINVAL", "invalid argument"),
        (ENOPROTOOPT, "ENOPROTOOPT", "protocol not available"),
        (EOPNOTSUPP, "EOPNOTSUPP", "operation not supported"),
        (EBADF, "EBADF", "bad file descriptor"),
        (ENOTSOCK, "ENOTSOCK", "not a socket"),
        (EINTR, "EINTR", "interrupted system call"),
        (EAGAIN, "EAGAIN", "resource temporarily unavailable"),
        (ECONNABORTED, "ECONNABORTED", "connection aborted"),
        (ECONNREFUSED, "ECONNREFUSED", "connection refused"),
        (ECONNRESET, "ECONNRESET", "connection reset by peer"),
        (EPIPE, "EPIPE", "broken pipe"),
        (EMFILE, "EMFILE", "too many open files"),
        (ENFILE, "ENFILE", "too many open files in system"),
        (ENOBUFS, "ENOBUFS", "no buffer space available"),
        (ENOMEM, "ENOMEM", "cannot allocate memory"),
        (EAFNOSUPPORT, "EAFNOSUPPORT", "address family not supported"),
        (EPROTONOSUPPORT, "EPROTONOSUPPORT", "protocol not supported"),
        (EDOM, "EDOM", "numerical argument out of domain"),
        (ETIMEDOUT, "ETIMEDOUT", "connection timed out"),
        (EFAULT, "EFAULT", "bad address"),
        (ENOTCONN, "ENOTCONN", "socket is not connected"),
        (EISCONN, "EISCONN", "socket is already connected"),
        (ENETUNREACH, "ENETUNREACH", "network is unreachable"),
        (EHOSTUNREACH, "EHOSTUNREACH", "no route to host"),
        (ENODEV, "ENODEV", "no such device"),
        (ENOENT, "ENOENT", "no such file or directory"),
    ]

    /// The C name of this error, such as `"EADDRINUSE"`; `"errno 123"` for a number not in the table.
    public var name: String {
        Errno.names.first { $0.0 == rawValue }?.1 ?? "errno \(rawValue)"
    }

    /// A short English explanation, such as `"address already in use"`.
    public var explanation: String {
        Errno.names.first { $0.0 == rawValue }?.2 ?? "system error"
    }

    /// The C name and its explanation: `"EADDRINUSE (address already in use)"`.
    public var description: String { "\(name) (\(explanation))" }
}
