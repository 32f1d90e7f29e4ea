// SocketOptions: conversions between SocketAddress and the C library's address structures.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SocketAddress {
    /// Parses an IP address without port or zone with inet_pton; nil when it is neither.
    static func parseHost(_ text: String) -> IP? {
        if text.isEmpty || text.utf8.contains(0) { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return .ipv4(v4.s_addr) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in
                .ipv6(
                    bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                    bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                    scope: 0
                )
            }
        }
        return nil
    }

    /// An interface index from a zone: a number, or an interface name (if_nametoindex); nil when
    /// no such interface exists now, for a number as for a name.
    static func interfaceIndex(_ zone: String) -> UInt32? {
        if zone.isEmpty || zone.utf8.contains(0) { return nil }
        if zone.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let index = UInt32(zone), index != 0 else { return nil }
            var name: (UInt64, UInt64, UInt64) = (0, 0, 0)  // IF_NAMESIZE is 16
            let exists = withUnsafeMutableBytes(of: &name) {
                system_if_indextoname(index, $0.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            return exists ? index : nil
        }
        let index = system_if_nametoindex(zone)
        return index == 0 ? nil : index
    }

    static func hostText(_ ip: IP) -> String {
        // INET6_ADDRSTRLEN is 46 on every platform; a stack tuple keeps this free of heap buffers.
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        let text = withUnsafeMutableBytes(of: &buffer) { out in
            let chars = out.baseAddress!.assumingMemoryBound(to: CChar.self)
            let ok: Bool
            switch ip {
            case .ipv4(let raw):
                var address = in_addr(s_addr: raw)
                ok = inet_ntop(AF_INET, &address, chars, socklen_t(out.count)) != nil
            case .ipv6(let high, let low, _):
                var words = (high, low)
                ok =
                    withUnsafeBytes(of: &words) { inet_ntop(AF_INET6, $0.baseAddress, chars, socklen_t(out.count)) }
                    != nil
            }
            return ok ? String(cString: chars) : "?"
        }
        // The zone is printed as its interface index, never looked up by name: a description does
        // no I/O (if_indextoname opens a socket), and the index is what the address holds. The
        // parser takes it back, so the text still round-trips.
        guard case .ipv6(_, _, let scope) = ip, scope != 0 else { return text }
        return text + "%" + String(scope)
    }

    /// The IP host and port that a call such as getsockname or accept wrote at the start of
    /// `bytes` (a `sockaddr_storage`); nil for any other family.
    @inline(__always)
    static func ipEndpoint(_ bytes: UnsafeRawBufferPointer) -> (ip: IP, port: UInt16)? {
        switch CInt(bytes.loadUnaligned(fromByteOffset: 0, as: sa_family_t.self)) {
        case AF_INET:
            let address = bytes.loadUnaligned(as: sockaddr_in.self)
            return (.ipv4(address.sin_addr.s_addr), UInt16(bigEndian: address.sin_port))
        case AF_INET6:
            let address = bytes.loadUnaligned(as: sockaddr_in6.self)
            var raw = address.sin6_addr
            let ip: IP = withUnsafeBytes(of: &raw) {
                .ipv6(
                    $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                    $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                    scope: address.sin6_scope_id
                )
            }
            return (ip, UInt16(bigEndian: address.sin6_port))
        default:
            return nil
        }
    }

    /// Calls `body` with this address as a C `sockaddr` and its length, on the stack.
    func withSockAddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch endpoint {
        case .ip(.ipv4(let raw), let port):
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
        case .ip(.ipv6(let high, let low, let scope), let port):
            var address = sockaddr_in6()
            #if canImport(Darwin)
            address.sin6_len = UInt8(MemoryLayout<sockaddr_in6>.size)
            #endif
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_scope_id = scope
            var words = (high, low)
            withUnsafeBytes(of: &words) { source in
                withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyMemory(from: source) }
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        case .unixPath(let name), .unixAbstract(let name):
            var address = sockaddr_un()
            #if canImport(Darwin)
            address.sun_len = UInt8(MemoryLayout<sockaddr_un>.size)
            #endif
            address.sun_family = sa_family_t(AF_UNIX)
            let abstract: Bool
            if case .unixAbstract = endpoint { abstract = true } else { abstract = false }
            let offset = abstract ? 1 : 0
            // The name was checked to fit (SocketAddress.checkUnixName); an abstract name starts after a NUL.
            withUnsafeMutableBytes(of: &address.sun_path) { path in
                for (index, byte) in name.utf8.enumerated() { path[index + offset] = byte }
            }
            let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
            // A path is passed with its NUL; an abstract name is exactly its bytes, or it would gain NULs.
            let length = pathOffset + offset + name.utf8.count + (abstract ? 0 : 1)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
            }
        }
    }

    /// Reads an address that a call such as getsockname or accept wrote into `storage` (`length`
    /// bytes of it); nil for a family other than IPv4, IPv6 and Unix.
    init?(storage: borrowing sockaddr_storage, length: socklen_t) {
        if let (ip, port) = withUnsafeBytes(of: storage, Self.ipEndpoint) {
            self.init(ip: ip, port: port)
            return
        }
        switch CInt(storage.ss_family) {
        case AF_UNIX:
            let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
            let count = max(0, min(Int(length) - pathOffset, MemoryLayout<sockaddr_un>.size - pathOffset))
            let bytes = withUnsafeBytes(of: storage) { Array($0[pathOffset..<(pathOffset + count)]) }
            if let first = bytes.first, first == 0 {
                self.init(endpoint: .unixAbstract(String(decoding: bytes.dropFirst(), as: UTF8.self)))
            } else {
                let path = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                self.init(endpoint: .unixPath(SocketAddress.unambiguousPath(path)))
            }
        default:
            return nil
        }
    }

    /// Calls a getsockname-like function, `operation`, and reads the address it wrote. Throws
    /// `.system(operation, errno)` when the call fails, and `.unrepresentableAddress` when it
    /// succeeds with an address of a family SocketAddress cannot hold: no errno is made up for it.
    static func read(
        _ operation: SocketError.Operation,
        _ call: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> CInt
    ) throws(SocketError) -> SocketAddress {
        try read(operation, call) { storage, length in SocketAddress(storage: storage, length: length) }
    }

    /// ``read(_:_:)``, with what the call wrote read by `decode` (nil for a family it cannot hold).
    @inline(__always)
    static func read<Decoded>(
        _ operation: SocketError.Operation,
        _ call: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> CInt,
        decode: (borrowing sockaddr_storage, socklen_t) -> Decoded?
    ) throws(SocketError) -> Decoded {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                valueOrErrno { call(address, &length) }
            }
        }
        if case .failure(let errno) = result { throw .system(operation, errno) }
        guard let decoded = decode(storage, length) else {
            throw .unrepresentableAddress(operation, family: SocketFamily(raw: CInt(storage.ss_family)))
        }
        return decoded
    }
}
