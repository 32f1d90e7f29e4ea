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
        return SocketKind(family: SocketFamily(raw: domain), type: SocketType(raw: type))
        #else
        // Darwin has no SO_DOMAIN: the family of the socket's own address says it.
        guard let address = try? SocketAddress.read(.localAddress, { system_getsockname(fd, $0, $1) }) else {
            return nil
        }
        return SocketKind(family: address.family, type: SocketType(raw: type))
        #endif
    }

    /// The kind of the stream socket ListeningSocket and Connection make for `address`.
    static func stream(for address: SocketAddress) -> SocketKind {
        SocketKind(family: address.family, type: .stream)
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

extension SocketKind {
    /// The kinds of socket a setup makes (``SocketSetup``): a listener's stream or a datagram
    /// socket, of an IPv4, IPv6 or Unix-domain address.
    static let madeBySetup: [SocketKind] = [
        SocketKind(family: .ipv4, type: .stream), SocketKind(family: .ipv4, type: .datagram),
        SocketKind(family: .ipv6, type: .stream), SocketKind(family: .ipv6, type: .datagram),
        SocketKind(family: .unix, type: .stream), SocketKind(family: .unix, type: .datagram),
    ]

    /// This kind's bit in a row's `setupKinds`: one of six bits for the kinds of ``madeBySetup``,
    /// 0 for any other kind (which no row's bits then allow).
    var setupBit: UInt8 {
        // Two bits per family, stream then datagram: IPv4 0 and 1, IPv6 2 and 3, Unix 4 and 5.
        let shift: UInt8
        switch family {
        case .ipv4: shift = 0
        case .ipv6: shift = 2
        case .unix: shift = 4
        case .other: return 0
        }
        switch type {
        case .stream: return 1 << shift
        case .datagram: return 2 << shift
        case .sequencedPacket, .raw, .other: return 0
        }
    }
}
