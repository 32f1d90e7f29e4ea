// SocketOptions: conversions between SocketAddress and the C library's address structures.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SocketAddress {
    /// The C address family constant.
    var rawFamily: CInt {
        switch ip {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        }
    }

    /// Parses an IP address without port with inet_pton; nil when it is neither IPv4 nor IPv6.
    static func parseHost(_ text: String) -> IP? {
        if text.isEmpty || text.utf8.contains(0) { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return .ipv4(v4.s_addr) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in
                .ipv6(
                    bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                    bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                )
            }
        }
        return nil
    }

    static func hostText(_ ip: IP) -> String {
        // INET6_ADDRSTRLEN is 46 on every platform; a stack tuple keeps this free of heap buffers.
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &buffer) { out in
            let chars = out.baseAddress!.assumingMemoryBound(to: CChar.self)
            let ok: Bool
            switch ip {
            case .ipv4(let raw):
                var address = in_addr(s_addr: raw)
                ok = inet_ntop(AF_INET, &address, chars, socklen_t(out.count)) != nil
            case .ipv6(let high, let low):
                var words = (high, low)
                ok =
                    withUnsafeBytes(of: &words) { inet_ntop(AF_INET6, $0.baseAddress, chars, socklen_t(out.count)) }
                    != nil
            }
            return ok ? String(cString: chars) : "?"
        }
    }

    /// Calls `body` with this address as a C `sockaddr` and its length, on the stack.
    func withSockAddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch ip {
        case .ipv4(let raw):
            var address = sockaddr_in()
            #if canImport(Darwin)
            address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
            #endif
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr = in_addr(s_addr: raw)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6(let high, let low):
            var address = sockaddr_in6()
            #if canImport(Darwin)
            address.sin6_len = UInt8(MemoryLayout<sockaddr_in6>.size)
            #endif
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            var words = (high, low)
            withUnsafeBytes(of: &words) { source in
                withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyMemory(from: source) }
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// Reads an address that a call such as getsockname or accept wrote into `storage`; nil for a
    /// family other than IPv4 and IPv6.
    init?(storage: sockaddr_storage) {
        var storage = storage
        switch CInt(storage.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in.self) }
            self.init(ip: .ipv4(address.sin_addr.s_addr), port: UInt16(bigEndian: address.sin_port))
        case AF_INET6:
            let address = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in6.self) }
            var raw = address.sin6_addr
            let ip: IP = withUnsafeBytes(of: &raw) {
                .ipv6(
                    $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                    $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                )
            }
            self.init(ip: ip, port: UInt16(bigEndian: address.sin6_port))
        default:
            return nil
        }
    }

    /// Calls a getsockname-like function and reads the address it wrote.
    static func read(
        _ call: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> CInt
    ) -> Result<SocketAddress?, Errno> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                valueOrErrno { call(address, &length) }
            }
        }
        return result.map { _ in SocketAddress(storage: storage) }
    }
}
