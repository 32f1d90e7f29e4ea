// SocketOptions: reading a socket's kind from the kernel.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SocketKind {
    /// The kind of socket `fd` is, or nil when the kernel will not say (not a socket).
    static func read(_ fd: CInt) -> SocketKind? {
        func intOption(_ name: CInt) -> CInt? {
            var value: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            return system_getsockopt(fd, SOL_SOCKET, name, &value, &length) == 0 ? value : nil
        }
        guard let type = intOption(SO_TYPE) else { return nil }
        #if os(Linux)
        guard let domain = intOption(SO_DOMAIN) else { return nil }
        #else
        // Darwin has no SO_DOMAIN: the family of the socket's own address says it.
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { system_getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return nil }
        let domain = CInt(storage.ss_family)
        #endif
        return SocketKind(family: Family(raw: domain), type: SocketType(raw: type))
    }

    /// The kind of the stream socket ListeningSocket and Connection make for `address`.
    static func stream(for address: SocketAddress) -> SocketKind {
        SocketKind(family: family(of: address), type: .stream)
    }

    static func family(of address: SocketAddress) -> Family {
        switch address.family {
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        case .unix: .unix
        }
    }
}

extension SocketKind.Family {
    init(raw: CInt) {
        switch raw {
        case AF_INET: self = .ipv4
        case AF_INET6: self = .ipv6
        case AF_UNIX: self = .unix
        default: self = .other(raw)
        }
    }
}

extension SocketKind.SocketType {
    init(raw: CInt) {
        switch raw {
        case platformStreamType: self = .stream
        case platformDatagramType: self = .datagram
        case platformSequencedPacketType: self = .sequencedPacket
        case platformRawType: self = .raw
        default: self = .other(raw)
        }
    }
}
