// SocketOptions: sendto and recvfrom, with errno turned into SocketError.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum DatagramCalls {
    static func send(
        _ fd: CInt,
        _ bytes: UnsafeRawBufferPointer,
        to address: SocketAddress
    ) -> Result<Void, SocketError> {
        let result = address.withSockAddr { sockaddr, length in
            valueOrErrno { system_sendto(fd, bytes.baseAddress, bytes.count, platformSendFlags, sockaddr, length) }
        }
        return result.map { _ in () }.mapError { .system(.send, $0) }
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
