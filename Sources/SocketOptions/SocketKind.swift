// SocketOptions: what kind of socket a descriptor is.

/// The address family and type of a socket, such as "IPv4 TCP" or "IPv6 UDP", read from the
/// kernel (`SO_DOMAIN` and `SO_TYPE` on Linux). Errors use it to say which kind of socket lacks an
/// option.
public struct SocketKind: Hashable, Sendable, CustomStringConvertible {
    /// The socket type. The corresponding C constants are `SOCK_STREAM`, `SOCK_DGRAM`,
    /// `SOCK_SEQPACKET` and `SOCK_RAW`.
    public enum SocketType: Hashable, Sendable, CustomStringConvertible {
        /// A byte stream (`SOCK_STREAM`): TCP for IPv4 and IPv6.
        case stream
        /// Datagrams (`SOCK_DGRAM`): UDP for IPv4 and IPv6.
        case datagram
        /// Sequenced packets (`SOCK_SEQPACKET`).
        case sequencedPacket
        /// Raw packets (`SOCK_RAW`).
        case raw
        /// Any other type, by its number.
        case other(Int32)

        public var description: String {
            switch self {
            case .stream: "stream"
            case .datagram: "datagram"
            case .sequencedPacket: "seqpacket"
            case .raw: "raw"
            case .other(let number): "type \(number)"
            }
        }
    }

    /// The address family (`SO_DOMAIN`).
    public let family: SocketFamily
    /// The socket type.
    public let type: SocketType

    /// A kind from its family and type.
    public init(family: SocketFamily, type: SocketType) {
        self.family = family
        self.type = type
    }

    /// `"IPv4 TCP"`, `"IPv6 UDP"`, `"Unix-domain stream"`.
    public var description: String {
        switch (family, type) {
        case (.ipv4, .stream), (.ipv6, .stream): "\(family) TCP"
        case (.ipv4, .datagram), (.ipv6, .datagram): "\(family) UDP"
        default: "\(family) \(type)"
        }
    }
}
