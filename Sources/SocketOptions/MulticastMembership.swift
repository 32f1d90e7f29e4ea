// SocketOptions: memberships of multicast groups, the values of the join and leave options.

/// A membership of an IPv4 multicast group on one interface: the value of
/// ``SocketOption/joinIPv4Group(_:)`` and ``SocketOption/leaveIPv4Group(_:)``.
///
/// Name the interface by its index (`if_nametoindex`, or /sys/class/net/NAME/ifindex) or by one of
/// its IPv4 addresses. With neither, the kernel picks the interface of the route to the group,
/// which on most machines is not loopback. The corresponding C type is `ip_mreqn`.
public struct IPv4MulticastMembership: Hashable, Sendable, CustomStringConvertible {
    /// The group, in 224.0.0.0/4.
    public var group: IPv4Address
    /// The interface's index; 0 to name it by ``interfaceAddress``.
    public var interfaceIndex: Int
    /// One of the interface's addresses, used when ``interfaceIndex`` is 0; `.any` for neither.
    public var interfaceAddress: IPv4Address

    /// A membership of `group` on the interface with index `interfaceIndex`.
    public init(group: IPv4Address, interfaceIndex: Int) {
        self.group = group
        self.interfaceIndex = interfaceIndex
        self.interfaceAddress = .any
    }

    /// A membership of `group` on the interface that has the address `interfaceAddress`.
    public init(group: IPv4Address, interfaceAddress: IPv4Address) {
        self.group = group
        self.interfaceIndex = 0
        self.interfaceAddress = interfaceAddress
    }

    /// `"239.1.2.3 on interface 1"`, `"239.1.2.3 on 127.0.0.1"`.
    public var description: String {
        interfaceIndex != 0
            ? "\(group) on interface \(interfaceIndex)"
            : interfaceAddress == .any ? "\(group) on the route's interface" : "\(group) on \(interfaceAddress)"
    }

    /// Why the kernel could not take it, or nil.
    var problem: String? {
        if !group.isMulticast { return "\(group) is not a multicast group (224.0.0.0/4)" }
        if interfaceIndex < 0 || interfaceIndex > Int(Int32.max) {
            return "the interface index must be 0...\(Int32.max), 0 to name the interface by its address"
        }
        return nil
    }
}

/// A source-specific membership of an IPv4 group: only datagrams from ``source`` are received.
/// The value of ``SocketOption/joinIPv4SourceGroup(_:)`` and
/// ``SocketOption/leaveIPv4SourceGroup(_:)``. The corresponding C type is `ip_mreq_source`, which
/// names the interface by one of its addresses only.
public struct IPv4SourceMembership: Hashable, Sendable, CustomStringConvertible {
    /// The group, in 224.0.0.0/4 (source-specific groups are usually in 232.0.0.0/8).
    public var group: IPv4Address
    /// The one sender whose datagrams are received.
    public var source: IPv4Address
    /// One of the interface's addresses; `.any` lets the route to the group choose.
    public var interfaceAddress: IPv4Address

    /// A membership of `group` for datagrams from `source`, on the interface with `interfaceAddress`.
    public init(group: IPv4Address, source: IPv4Address, interfaceAddress: IPv4Address) {
        self.group = group
        self.source = source
        self.interfaceAddress = interfaceAddress
    }

    /// `"232.1.2.3 from 127.0.0.1 on 127.0.0.1"`.
    public var description: String { "\(group) from \(source) on \(interfaceAddress)" }

    /// Why the kernel could not take it, or nil.
    var problem: String? {
        if !group.isMulticast { return "\(group) is not a multicast group (224.0.0.0/4)" }
        if source == .any || source.isMulticast { return "the source \(source) must be a unicast address" }
        return nil
    }
}

/// A membership of an IPv6 multicast group on one interface: the value of
/// ``SocketOption/joinIPv6Group(_:)`` and ``SocketOption/leaveIPv6Group(_:)``. The corresponding
/// C type is `ipv6_mreq`.
public struct IPv6MulticastMembership: Hashable, Sendable, CustomStringConvertible {
    /// The group, in ff00::/8.
    public var group: IPv6Address
    /// The interface's index; 0 lets the route to the group choose.
    public var interfaceIndex: Int

    /// A membership of `group` on the interface with index `interfaceIndex`.
    public init(group: IPv6Address, interfaceIndex: Int) {
        self.group = group
        self.interfaceIndex = interfaceIndex
    }

    /// `"ff12::1 on interface 2"`.
    public var description: String { "\(group) on interface \(interfaceIndex)" }

    /// Why the kernel could not take it, or nil.
    var problem: String? {
        if !group.isMulticast { return "\(group) is not a multicast group (ff00::/8)" }
        if interfaceIndex < 0 || interfaceIndex > Int(Int32.max) {
            return "the interface index must be 0...\(Int32.max), 0 to let the route choose"
        }
        return nil
    }
}
