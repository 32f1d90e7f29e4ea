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
