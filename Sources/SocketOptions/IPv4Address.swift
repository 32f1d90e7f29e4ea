// SocketOptions: an IPv4 address without a port.

/// An IPv4 address without a port, such as the local address of the interface that sends
/// multicast (``SocketOption/ipv4MulticastInterface(_:)``). The corresponding C type is `in_addr`.
public struct IPv4Address: Hashable, Sendable, CustomStringConvertible {
    /// The address bytes in network order, as they lie in `in_addr.s_addr`.
    let rawValue: UInt32

    init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Parses an IPv4 address in the standard dotted-decimal form with `inet_pton`.
    ///
    /// - Throws: ``SocketError/invalidAddress(_:)`` for anything else, `"127.1"` included.
    public init(_ text: String) throws(SocketError) {
        guard case .ipv4(let raw)? = SocketAddress.parseHost(text) else { throw .invalidAddress(text) }
        self.rawValue = raw
    }

    /// `0.0.0.0`: no particular address (for multicast, let the routing table choose).
    public static let any = IPv4Address(rawValue: 0)

    /// `127.0.0.1`.
    public static let loopback = IPv4Address(rawValue: UInt32(0x7F00_0001).bigEndian)

    /// `"127.0.0.1"`.
    public var description: String { SocketAddress.hostText(.ipv4(rawValue)) }
}
