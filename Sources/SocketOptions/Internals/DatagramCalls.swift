// SocketOptions: sendto and recvfrom, with errno turned into SocketError.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum DatagramCalls {
    /// One datagram to `address`, waiting at most `timeout` for room: sendto with MSG_DONTWAIT,
    /// and on EAGAIN a poll for POLLOUT for the time that is left, then again. A Unix datagram
    /// receiver's full queue does not make the sender's socket unwritable (poll says POLLOUT at
    /// once), so a second EAGAIN in a row is followed by a short pause as well.
    static func send(
        _ fd: CInt,
        _ bytes: UnsafeRawBufferPointer,
        to address: SocketAddress,
        timeout: Duration
    ) -> Result<Void, SocketError> {
        var wait = SocketCalls.Wait(timeout, operation: .send, signalEndsWait: false)
        var pause = Duration.zero
        while true {
            let result = address.withSockAddr { sockaddr, length in
                valueOrErrno {
                    system_sendto(fd, bytes.baseAddress, bytes.count, platformSendFlags | dontWait, sockaddr, length)
                }
            }
            switch result {
            case .success: return .success(())
            case .failure(let errno) where errno == .wouldBlock || errno.rawValue == EWOULDBLOCK:
                do {
                    guard try wait.untilWritable(fd) else { return .failure(.system(.send, .wouldBlock)) }
                    if pause > .zero, try !wait.pause(pause) { return .failure(.system(.send, .wouldBlock)) }
                } catch {
                    return .failure(error)
                }
                pause = min(max(pause * 2, .milliseconds(1)), .milliseconds(50))
            case .failure(let errno):
                return .failure(.system(.send, errno))
            }
        }
    }

    static let dontWait = CInt(MSG_DONTWAIT)

    /// One recvfrom into a new array of `maxBytes` (checked by the caller); nil when a non-blocking
    /// one (`flags` with MSG_DONTWAIT) found nothing.
    static func receive(_ fd: CInt, upTo maxBytes: Int, flags: CInt) throws(SocketError) -> DatagramSocket.Datagram? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var failure: Errno?
        let bytes = [UInt8](unsafeUninitializedCapacity: maxBytes) { buffer, count in
            let result = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    valueOrErrno { system_recvfrom(fd, buffer.baseAddress, buffer.count, flags, address, &length) }
                }
            }
            switch result {
            case .success(let received): count = received
            case .failure(let errno):
                failure = errno
                count = 0
            }
        }
        if let failure {
            if flags & dontWait != 0 && (failure == .wouldBlock || failure.rawValue == EWOULDBLOCK) { return nil }
            throw .system(.receive, failure)
        }
        let sender = SocketAddress(storage: storage, length: length) ?? SocketAddress(endpoint: .unixPath(""))
        return DatagramSocket.Datagram(bytes: bytes, sender: sender)
    }
}
