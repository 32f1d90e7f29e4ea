// SocketOptions: an IPv6 address without a port.

/// An IPv6 address without a port or a zone, such as a multicast group to join
/// (``IPv6MulticastMembership``). The corresponding C type is `in6_addr`.
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    /// The 16 address bytes in network order, as they lie in `in6_addr`, in two words.
    let high: UInt64
    let low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses an IPv6 address in its standard text form (`"ff02::1"`, `"::1"`) with `inet_pton`.
    ///
    /// - Throws: ``SocketError/invalidAddress(_:)`` for anything else: an IPv4 address, brackets, a
    ///   port or a zone (`%eth0`); name the interface where the option takes one.
    public init(_ text: String) throws(SocketError) {
        guard case .ipv6(let high, let low, _)? = SocketAddress.parseHost(text) else { throw .invalidAddress(text) }
        self.high = high
        self.low = low
    }

    /// `::`: no particular address.
    public static let any = IPv6Address(high: 0, low: 0)

    /// `::1`.
    public static let loopback = IPv6Address(high: 0, low: UInt64(1).bigEndian)

    /// Whether the address is a multicast group: ff00::/8.
    public var isMulticast: Bool { withUnsafeBytes(of: high) { $0[0] } == 0xFF }

    /// The address as a host of a ``SocketAddress``.
    var ip: SocketAddress.IP { .ipv6(high, low, scope: 0) }

    /// `"ff02::1"`.
    public var description: String { SocketAddress.hostText(ip) }
}

extension IPv4Address {
    /// Whether the address is a multicast group: 224.0.0.0/4.
    public var isMulticast: Bool { withUnsafeBytes(of: rawValue) { $0[0] } & 0xF0 == 0xE0 }
}
