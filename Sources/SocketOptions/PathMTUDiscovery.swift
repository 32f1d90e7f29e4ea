// SocketOptions: the path MTU discovery modes of IPv4 sockets.

/// What an IPv4 socket does about the largest packet a path carries: the value of
/// ``SocketOption/pathMTUDiscovery(_:)``. Each case is one `IP_PMTUDISC_*` constant of
/// `linux/in.h`; see ip(7). The corresponding C option is `IP_MTU_DISCOVER`.
public enum PathMTUDiscovery: Int32, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Never set Don't Fragment: packets larger than the path fragment on the way.
    /// The corresponding C constant is `IP_PMTUDISC_DONT`.
    case never = 0
    /// Follow the route's setting (Linux's default unless `net.ipv4.ip_no_pmtu_disc` is set): set
    /// Don't Fragment and learn the path MTU, fragmenting locally above it. The corresponding C
    /// constant is `IP_PMTUDISC_WANT`.
    case perRoute = 1
    /// Always set Don't Fragment and learn the path MTU; a datagram larger than it fails with
    /// `EMSGSIZE`. The corresponding C constant is `IP_PMTUDISC_DO`.
    case always = 2
    /// Set Don't Fragment but ignore the learned path MTU, to probe the path with large
    /// datagrams. The corresponding C constant is `IP_PMTUDISC_PROBE`.
    case probe = 3
    /// Use the interface's MTU, ignore the learned path MTU and the ICMP messages that would lower
    /// it (which can be forged), never set Don't Fragment. The corresponding C constant is
    /// `IP_PMTUDISC_INTERFACE`.
    case interface = 4
    /// Like ``interface``, but let packets larger than the interface's MTU be fragmented. The
    /// corresponding C constant is `IP_PMTUDISC_OMIT`.
    case interfaceOmit = 5

    /// `"always (IP_PMTUDISC_DO)"`.
    public var description: String {
        switch self {
        case .never: "never (IP_PMTUDISC_DONT)"
        case .perRoute: "perRoute (IP_PMTUDISC_WANT)"
        case .always: "always (IP_PMTUDISC_DO)"
        case .probe: "probe (IP_PMTUDISC_PROBE)"
        case .interface: "interface (IP_PMTUDISC_INTERFACE)"
        case .interfaceOmit: "interfaceOmit (IP_PMTUDISC_OMIT)"
        }
    }
}
