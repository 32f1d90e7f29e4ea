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
    /// A protocol error; Linux answers it for a multicast membership asked of a TCP socket. The
    /// corresponding C error is `EPROTO`.
    public static var protocolError: Errno { Errno(rawValue: EPROTO) }
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
    /// The operation timed out. The corresponding C error is `ETIMEDOUT`.
    public static var timedOut: Errno { Errno(rawValue: ETIMEDOUT) }

    /// No such device (network interface). The corresponding C error is `ENODEV`.
    public static var noSuchDevice: Errno { Errno(rawValue: ENODEV) }
    /// No such file or entry. The corresponding C error is `ENOENT`.
    public static var noSuchEntry: Errno { Errno(rawValue: ENOENT) }

    /// The protocol is not supported. The corresponding C error is `EPROTONOSUPPORT`.
    public static var protocolNotSupported: Errno { Errno(rawValue: EPROTONOSUPPORT) }
    /// The socket type is not supported. The corresponding C error is `ESOCKTNOSUPPORT`.
    public static var socketTypeNotSupported: Errno { Errno(rawValue: ESOCKTNOSUPPORT) }
    /// The socket at the address is of another type. The corresponding C error is `EPROTOTYPE`.
    public static var wrongProtocolType: Errno { Errno(rawValue: EPROTOTYPE) }
    /// A component of a path is not a directory. The corresponding C error is `ENOTDIR`.
    public static var notDirectory: Errno { Errno(rawValue: ENOTDIR) }
    /// The path names a directory where a file was wanted (for a Unix-domain socket, a path that
    /// ends in a slash). The corresponding C error is `EISDIR`.
    public static var isDirectory: Errno { Errno(rawValue: EISDIR) }
    /// A path or a component of it is too long. The corresponding C error is `ENAMETOOLONG`.
    public static var nameTooLong: Errno { Errno(rawValue: ENAMETOOLONG) }
    /// Too many symbolic links were met resolving a path. The corresponding C error is `ELOOP`.
    public static var tooManySymbolicLinks: Errno { Errno(rawValue: ELOOP) }
    /// A file exists where one was to be made, or is not of the kind wanted. The corresponding C
    /// error is `EEXIST`.
    public static var fileExists: Errno { Errno(rawValue: EEXIST) }
    /// The file system is read-only. The corresponding C error is `EROFS`.
    public static var readOnlyFileSystem: Errno { Errno(rawValue: EROFS) }
    /// No space left on the device. The corresponding C error is `ENOSPC`.
    public static var noSpace: Errno { Errno(rawValue: ENOSPC) }
    /// The user's disk quota is used up. The corresponding C error is `EDQUOT`.
    public static var diskQuotaExceeded: Errno { Errno(rawValue: EDQUOT) }
    /// An input/output error. The corresponding C error is `EIO`.
    public static var ioError: Errno { Errno(rawValue: EIO) }
    /// The network is unreachable. The corresponding C error is `ENETUNREACH`.
    public static var networkUnreachable: Errno { Errno(rawValue: ENETUNREACH) }
    /// There is no route to the host. The corresponding C error is `EHOSTUNREACH`.
    public static var hostUnreachable: Errno { Errno(rawValue: EHOSTUNREACH) }
    /// The socket is connected already. The corresponding C error is `EISCONN`.
    public static var alreadyConnected: Errno { Errno(rawValue: EISCONN) }
    /// The socket is not connected. The corresponding C error is `ENOTCONN`.
    public static var notConnected: Errno { Errno(rawValue: ENOTCONN) }
    /// A non-blocking connect is under way. The corresponding C error is `EINPROGRESS`.
    public static var inProgress: Errno { Errno(rawValue: EINPROGRESS) }
    /// An earlier non-blocking connect has not finished. The corresponding C error is `EALREADY`.
    public static var alreadyInProgress: Errno { Errno(rawValue: EALREADY) }
    /// The message is too long for the protocol. The corresponding C error is `EMSGSIZE`.
    public static var messageTooLong: Errno { Errno(rawValue: EMSGSIZE) }
    /// A pointer argument is not valid memory. The corresponding C error is `EFAULT`.
    public static var badAddress: Errno { Errno(rawValue: EFAULT) }
    /// A value outside its domain: a timeout whose `tv_usec` is not 0...999999, set through
    /// ``SocketOptionAccess/setRawOption(level:name:bytes:)``. The corresponding C error is `EDOM`.
    public static var outOfDomain: Errno { Errno(rawValue: EDOM) }

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
        (ENOTDIR, "ENOTDIR", "not a directory"),
        (EISDIR, "EISDIR", "is a directory"),
        (ENAMETOOLONG, "ENAMETOOLONG", "file name too long"),
        (ELOOP, "ELOOP", "too many levels of symbolic links"),
        (EROFS, "EROFS", "read-only file system"),
        (ENOSPC, "ENOSPC", "no space left on device"),
        (EDQUOT, "EDQUOT", "disk quota exceeded"),
        (EEXIST, "EEXIST", "file exists"),
        (ENOTEMPTY, "ENOTEMPTY", "directory not empty"),
        (EXDEV, "EXDEV", "invalid cross-device link"),
        (EBUSY, "EBUSY", "device or resource busy"),
        (EIO, "EIO", "input/output error"),
        (ENXIO, "ENXIO", "no such device or address"),
        (ESRCH, "ESRCH", "no such process"),
        (ECHILD, "ECHILD", "no child processes"),
        (E2BIG, "E2BIG", "argument list too long"),
        (ENOEXEC, "ENOEXEC", "exec format error"),
        (ENOTTY, "ENOTTY", "inappropriate ioctl for device"),
        (ESPIPE, "ESPIPE", "illegal seek"),
        (ERANGE, "ERANGE", "numerical result out of range"),
        (EOVERFLOW, "EOVERFLOW", "value too large for defined data type"),
        (ENOSYS, "ENOSYS", "function not implemented"),
        (EPROTOTYPE, "EPROTOTYPE", "protocol wrong type for socket"),
        (ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT", "socket type not supported"),
        (EPFNOSUPPORT, "EPFNOSUPPORT", "protocol family not supported"),
        (EMSGSIZE, "EMSGSIZE", "message too long"),
        (EDESTADDRREQ, "EDESTADDRREQ", "destination address required"),
        (EINPROGRESS, "EINPROGRESS", "operation now in progress"),
        (EALREADY, "EALREADY", "operation already in progress"),
        (ESHUTDOWN, "ESHUTDOWN", "cannot send after transport endpoint shutdown"),
        (ENETDOWN, "ENETDOWN", "network is down"),
        (ENETRESET, "ENETRESET", "network dropped connection on reset"),
        (EHOSTDOWN, "EHOSTDOWN", "host is down"),
        (EPROTO, "EPROTO", "protocol error"),
        (ENODATA, "ENODATA", "no data available"),
        (ENOTBLK, "ENOTBLK", "block device required"),
        (ETXTBSY, "ETXTBSY", "text file busy"),
        (EFBIG, "EFBIG", "file too large"),
        (EMLINK, "EMLINK", "too many links"),
        (ENOLCK, "ENOLCK", "no locks available"),
        (EDEADLK, "EDEADLK", "resource deadlock avoided"),
        (ECANCELED, "ECANCELED", "operation canceled"),
    ]

    /// The C name of this error, such as `"EADDRINUSE"`; `"errno 123"` for a number not in the table.
    public var name: String {
        Errno.names.first { $0.0 == rawValue }?.1 ?? "errno \(rawValue)"
    }

    /// A short English explanation, such as `"address already in use"`.
    public var explanation: String {
        Errno.names.first { $0.0 == rawValue }?.2 ?? "an error number this package does not name"
    }

    /// The C name and its explanation: `"EADDRINUSE (address already in use)"`.
    public var description: String { "\(name) (\(explanation))" }
}
