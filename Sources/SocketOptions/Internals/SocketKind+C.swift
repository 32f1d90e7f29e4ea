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
        guard case .success(let type) = OptionCalls.readInt(level: SOL_SOCKET, name: SO_TYPE, from: fd) else {
            return nil
        }
        #if os(Linux)
        guard case .success(let domain) = OptionCalls.readInt(level: SOL_SOCKET, name: SO_DOMAIN, from: fd) else {
            return nil
        }
        return SocketKind(family: Family(raw: domain), type: SocketType(raw: type))
        #else
        // Darwin has no SO_DOMAIN: the family of the socket's own address says it.
        guard case .success(let address?) = SocketAddress.read({ system_getsockname(fd, $0, $1) }) else { return nil }
        return SocketKind(family: family(of: address), type: SocketType(raw: type))
        #endif
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
