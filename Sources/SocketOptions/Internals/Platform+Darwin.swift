// SocketOptions: Darwin spellings of the few calls and constants that differ by platform.
// Linux is where the package is tested; this file keeps the Darwin build honest in principle.

#if canImport(Darwin)
import Darwin

let platformStreamType = SOCK_STREAM
let platformDatagramType = SOCK_DGRAM
let platformSequencedPacketType = SOCK_SEQPACKET
let platformRawType = SOCK_RAW
/// Darwin has no SOCK_NONBLOCK: a listener is made non-blocking with fcntl after socket().
let platformNonBlockingFlag: CInt = 0

/// Darwin has no MSG_NOSIGNAL; SO_NOSIGPIPE is set on each stream socket instead.
let platformSendFlags: CInt = 0

/// Darwin has no POLLRDHUP; a stopped listener shows as POLLHUP there, if at all.
let platformPollReadHangUp: Int16 = 0

/// Darwin has no SOCK_CLOEXEC: set FD_CLOEXEC straight after socket(). There is a window in which a
/// fork from another thread inherits the descriptor; Darwin offers no atomic way to close it.
@inline(__always)
func platformSocketCloseOnExec(_ domain: CInt, _ type: CInt) -> CInt {
    let fd = system_socket(domain, type, 0)
    if fd >= 0 { _ = system_fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return fd
}

/// Darwin raises SIGPIPE on a write to a vanished peer unless SO_NOSIGPIPE is set on the socket.
@inline(__always)
func platformPrepareStreamSocket(_ fd: CInt) -> Result<Void, Errno> {
    var one: CInt = 1
    return valueOrErrno {
        system_setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<CInt>.size))
    }.map { _ in () }
}

@inline(__always)
func platformAcceptCloseOnExec(
    _ fd: CInt,
    _ address: UnsafeMutablePointer<sockaddr>,
    _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    let accepted = accept(fd, address, length)
    if accepted >= 0 { _ = system_fcntl(accepted, F_SETFD, FD_CLOEXEC) }
    return accepted
}
#endif
