// SocketOptions: Linux spellings of the few calls and constants that differ by platform.

#if os(Linux)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Glibc imports the socket types as an enum; Musl as plain integers. Normalised once, here.
#if canImport(Glibc)
let platformStreamType = CInt(SOCK_STREAM.rawValue)
let platformDatagramType = CInt(SOCK_DGRAM.rawValue)
let platformSequencedPacketType = CInt(SOCK_SEQPACKET.rawValue)
let platformRawType = CInt(SOCK_RAW.rawValue)
let platformCloseOnExecFlag = CInt(SOCK_CLOEXEC.rawValue)
let platformNonBlockingFlag = CInt(SOCK_NONBLOCK.rawValue)
#else
let platformStreamType = CInt(SOCK_STREAM)
let platformDatagramType = CInt(SOCK_DGRAM)
let platformSequencedPacketType = CInt(SOCK_SEQPACKET)
let platformRawType = CInt(SOCK_RAW)
let platformCloseOnExecFlag = CInt(SOCK_CLOEXEC)
let platformNonBlockingFlag = CInt(SOCK_NONBLOCK)
#endif

/// Send flags: MSG_NOSIGNAL keeps a write to a vanished peer from raising SIGPIPE.
let platformSendFlags = CInt(MSG_NOSIGNAL)

/// POLLRDHUP (0x2000, not imported into Swift): the peer, or for a Unix listener shutdown(SHUT_RD),
/// closed the reading side. A Unix listener so stopped polls readable with it, and accept finds
/// EAGAIN once its queue is empty.
let platformPollReadHangUp: Int16 = 0x2000

/// socket() with close-on-exec set atomically, so a child process started between socket() and an
/// fcntl() cannot inherit the listener and keep the port bound after the parent dies.
@inline(__always)
func platformSocketCloseOnExec(_ domain: CInt, _ type: CInt) -> CInt {
    system_socket(domain, type | platformCloseOnExecFlag, 0)
}

/// Linux needs nothing after socket(): SIGPIPE is handled per send by MSG_NOSIGNAL.
@inline(__always)
func platformPrepareStreamSocket(_ fd: CInt) -> Result<Void, Errno> { .success(()) }

/// accept4 is declared by the C headers only under _GNU_SOURCE, which the Glibc module is not
/// built with; the function is in every Linux C library since 2.10, so it is looked up by name
/// once. Without it (a static binary) accept + FD_CLOEXEC is the fallback, with its small window.
private typealias Accept4 =
    @convention(c) (
        CInt, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, CInt
    ) -> CInt

private let accept4Function: Accept4? = dlsym(nil, "accept4").map { unsafeBitCast($0, to: Accept4.self) }

@inline(__always)
func platformAcceptCloseOnExec(
    _ fd: CInt,
    _ address: UnsafeMutablePointer<sockaddr>,
    _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    if let accept4Function { return accept4Function(fd, address, length, platformCloseOnExecFlag) }
    let accepted = accept(fd, address, length)
    if accepted >= 0 { _ = system_fcntl(accepted, F_SETFD, FD_CLOEXEC) }
    return accepted
}
#endif
