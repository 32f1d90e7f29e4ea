// SocketOptions tests: what three other libraries offer for each option on Linux, for the comparison
// table in Documentation/Options.md.
//
// The column for this package is generated from the catalogue's own data; these columns are facts
// about other code, read in its sources: socket2, the Linux list that issue 8 quotes (each a typed
// method of `Socket`; socket2 has no public call by level and name: anything else goes through libc
// on `as_raw_fd()`); SwiftNIO 2.101 (`NIOBSDSocket.Option` names, `ChannelOptions`,
// `SocketOptionProvider`, `MulticastChannel`; any option by level and name through
// `ChannelOptions.socket(level, name)` with a CInt value or `unsafeSetSocketOption` with any C
// value); Go 1.23 (`net`, `golang.org/x/net/ipv4` and `ipv6`; any option by level and name through
// `syscall.RawConn.Control` and `golang.org/x/sys/unix` `Setsockopt*`).
//
// "raw" means reachable only by level and name, with the caller's own C value and no check.

/// One option as the other libraries offer it.
struct OtherLibraries {
    /// The C name, as the catalogue spells it.
    let cName: String
    /// Whether socket2 has a typed method for it on Linux.
    let socket2: Bool
    /// SwiftNIO's typed API, or nil when only the raw calls reach it.
    let nio: String?
    /// Go's typed API, or nil when only the raw calls reach it.
    let go: String?

    init(_ cName: String, socket2: Bool, nio: String? = nil, go: String? = nil) {
        self.cName = cName
        self.socket2 = socket2
        self.nio = nio
        self.go = go
    }
}

/// Every option of this package's catalogue and of socket2's Linux list, in the catalogue's order.
let otherLibraries: [OtherLibraries] = [
    OtherLibraries("SO_REUSEADDR", socket2: true, nio: "`.so_reuseaddr`", go: "always on for listeners (no choice)"),
    OtherLibraries("SO_REUSEPORT", socket2: true),
    OtherLibraries(
        "SO_KEEPALIVE",
        socket2: true,
        nio: "`.so_keepalive`",
        go: "`TCPConn.SetKeepAlive`, `KeepAliveConfig`"
    ),
    OtherLibraries("SO_BROADCAST", socket2: true, nio: "`.so_broadcast`", go: "always on for UDP (no choice)"),
    OtherLibraries("SO_OOBINLINE", socket2: true),
    OtherLibraries("SO_RCVBUF", socket2: true, nio: "`.so_rcvbuf`", go: "`SetReadBuffer`"),
    OtherLibraries("SO_SNDBUF", socket2: true, nio: "`.so_sndbuf`", go: "`SetWriteBuffer`"),
    OtherLibraries("SO_RCVLOWAT", socket2: false),
    OtherLibraries("SO_LINGER", socket2: true, nio: "`setSoLinger`", go: "`TCPConn.SetLinger`"),
    OtherLibraries("SO_RCVTIMEO", socket2: true, nio: "`.so_rcvtimeo` (name only: the timeval is the caller's)"),
    OtherLibraries("SO_SNDTIMEO", socket2: true),
    OtherLibraries("SO_TIMESTAMP", socket2: false, nio: "`.so_timestamp`"),
    OtherLibraries("SO_TIMESTAMPNS", socket2: false),
    OtherLibraries("SO_RXQ_OVFL", socket2: false),
    OtherLibraries("SO_RCVBUFFORCE", socket2: false),
    OtherLibraries("SO_SNDBUFFORCE", socket2: false),
    OtherLibraries("SO_BINDTODEVICE", socket2: true),
    OtherLibraries("SO_BINDTOIFINDEX", socket2: true),
    OtherLibraries("SO_MARK", socket2: true),
    OtherLibraries("SO_PRIORITY", socket2: true),
    OtherLibraries("SO_BUSY_POLL", socket2: true),
    OtherLibraries("SO_INCOMING_CPU", socket2: true),
    OtherLibraries("SO_ZEROCOPY", socket2: false),
    OtherLibraries("SO_PASSCRED", socket2: true),
    OtherLibraries("SO_ATTACH_FILTER", socket2: true, go: "`ipv4.PacketConn.SetBPF`, `ipv6.PacketConn.SetBPF`"),
    OtherLibraries("SO_DETACH_FILTER", socket2: true),
    OtherLibraries("TCP_NODELAY", socket2: true, nio: "`.tcp_nodelay`", go: "`TCPConn.SetNoDelay`"),
    OtherLibraries("TCP_MAXSEG", socket2: true),
    OtherLibraries("TCP_KEEPIDLE", socket2: true, go: "`KeepAliveConfig.Idle`, `SetKeepAlivePeriod`"),
    OtherLibraries("TCP_KEEPINTVL", socket2: true, go: "`KeepAliveConfig.Interval`"),
    OtherLibraries("TCP_KEEPCNT", socket2: true, go: "`KeepAliveConfig.Count`"),
    OtherLibraries("TCP_NOTSENT_LOWAT", socket2: true),
    OtherLibraries("TCP_CORK", socket2: true),
    OtherLibraries("TCP_THIN_LINEAR_TIMEOUTS", socket2: true),
    OtherLibraries("TCP_SYNCNT", socket2: false),
    OtherLibraries("TCP_LINGER2", socket2: false),
    OtherLibraries("TCP_USER_TIMEOUT", socket2: true),
    OtherLibraries("TCP_FASTOPEN", socket2: false),
    OtherLibraries("TCP_FASTOPEN_CONNECT", socket2: false),
    OtherLibraries("TCP_DEFER_ACCEPT", socket2: false),
    OtherLibraries("TCP_QUICKACK", socket2: true),
    OtherLibraries("TCP_CONGESTION", socket2: true),
    OtherLibraries("TCP_WINDOW_CLAMP", socket2: false),
    OtherLibraries("UDP_SEGMENT", socket2: false, nio: "`.datagramSegmentSize`"),
    OtherLibraries("UDP_GRO", socket2: false, nio: "`.datagramReceiveOffload`"),
    OtherLibraries("IP_TTL", socket2: true, go: "`ipv4.Conn.SetTTL`"),
    OtherLibraries("IP_TOS", socket2: true, go: "`ipv4.Conn.SetTOS`"),
    OtherLibraries("IP_RECVTOS", socket2: true, nio: "`.explicitCongestionNotification`"),
    OtherLibraries(
        "IP_PKTINFO",
        socket2: false,
        nio: "`.receivePacketInfo`",
        go: "`ipv4.PacketConn.SetControlMessage`"
    ),
    OtherLibraries("IP_RECVERR", socket2: false),
    OtherLibraries("IP_MTU_DISCOVER", socket2: false),
    OtherLibraries(
        "IP_MULTICAST_TTL",
        socket2: true,
        nio: "`setIPMulticastTTL`",
        go: "`ipv4.PacketConn.SetMulticastTTL`"
    ),
    OtherLibraries(
        "IP_MULTICAST_LOOP",
        socket2: true,
        nio: "`setIPMulticastLoop`",
        go: "`ipv4.PacketConn.SetMulticastLoopback`"
    ),
    OtherLibraries(
        "IP_MULTICAST_IF",
        socket2: true,
        nio: "`setIPMulticastIF`",
        go: "`ipv4.PacketConn.SetMulticastInterface`"
    ),
    OtherLibraries("IP_MULTICAST_ALL", socket2: true),
    OtherLibraries(
        "IP_ADD_MEMBERSHIP",
        socket2: true,
        nio: "`joinGroup`",
        go: "`ipv4.PacketConn.JoinGroup`, `net.ListenMulticastUDP`"
    ),
    OtherLibraries("IP_DROP_MEMBERSHIP", socket2: true, nio: "`leaveGroup`", go: "`ipv4.PacketConn.LeaveGroup`"),
    OtherLibraries("IP_ADD_SOURCE_MEMBERSHIP", socket2: true, go: "`ipv4.PacketConn.JoinSourceSpecificGroup`"),
    OtherLibraries("IP_DROP_SOURCE_MEMBERSHIP", socket2: true, go: "`ipv4.PacketConn.LeaveSourceSpecificGroup`"),
    OtherLibraries("IP_HDRINCL", socket2: true, nio: "`.ip_hdrincl`", go: "`ipv4.NewRawConn` (sets it)"),
    OtherLibraries("IP_FREEBIND", socket2: true),
    OtherLibraries("IP_TRANSPARENT", socket2: true),
    OtherLibraries("IP_BIND_ADDRESS_NO_PORT", socket2: false),
    OtherLibraries(
        "IPV6_V6ONLY",
        socket2: true,
        nio: "`.ipv6_v6only`",
        go: "chosen by the network name, `tcp6` or `tcp`"
    ),
    OtherLibraries("IPV6_UNICAST_HOPS", socket2: true, go: "`ipv6.Conn.SetHopLimit`"),
    OtherLibraries("IPV6_TCLASS", socket2: true, go: "`ipv6.Conn.SetTrafficClass`"),
    OtherLibraries(
        "IPV6_RECVTCLASS",
        socket2: true,
        nio: "`.explicitCongestionNotification`",
        go: "`ipv6.PacketConn.SetControlMessage`"
    ),
    OtherLibraries("IPV6_RECVHOPLIMIT", socket2: true, go: "`ipv6.PacketConn.SetControlMessage`"),
    OtherLibraries(
        "IPV6_RECVPKTINFO",
        socket2: false,
        nio: "`.receivePacketInfo`",
        go: "`ipv6.PacketConn.SetControlMessage`"
    ),
    OtherLibraries("IPV6_RECVERR", socket2: false),
    OtherLibraries(
        "IPV6_MULTICAST_HOPS",
        socket2: true,
        nio: "`setIPv6MulticastHops`",
        go: "`ipv6.PacketConn.SetMulticastHopLimit`"
    ),
    OtherLibraries(
        "IPV6_MULTICAST_LOOP",
        socket2: true,
        nio: "`setIPv6MulticastLoop`",
        go: "`ipv6.PacketConn.SetMulticastLoopback`"
    ),
    OtherLibraries(
        "IPV6_MULTICAST_IF",
        socket2: true,
        nio: "`setIPv6MulticastIF`",
        go: "`ipv6.PacketConn.SetMulticastInterface`"
    ),
    OtherLibraries("IPV6_MULTICAST_ALL", socket2: true),
    OtherLibraries("IPV6_ADD_MEMBERSHIP", socket2: true, nio: "`joinGroup`", go: "`ipv6.PacketConn.JoinGroup`"),
    OtherLibraries("IPV6_DROP_MEMBERSHIP", socket2: true, nio: "`leaveGroup`", go: "`ipv6.PacketConn.LeaveGroup`"),
    OtherLibraries("IPV6_HDRINCL", socket2: true),
    OtherLibraries("IPV6_FREEBIND", socket2: true),
    OtherLibraries("IPV6_TRANSPARENT", socket2: true),
    // Read-only options.
    OtherLibraries("SO_TYPE", socket2: true),
    OtherLibraries("SO_ACCEPTCONN", socket2: true),
    OtherLibraries("SO_ERROR", socket2: true, nio: "`.so_error`"),
    OtherLibraries("SO_DOMAIN", socket2: true),
    OtherLibraries("SO_PROTOCOL", socket2: true),
    OtherLibraries("SO_COOKIE", socket2: true),
    OtherLibraries("SO_PEERCRED", socket2: true),
    OtherLibraries("SO_INCOMING_NAPI_ID", socket2: false),
    OtherLibraries("SO_ORIGINAL_DST", socket2: true),
    OtherLibraries("IP_MTU", socket2: false),
    OtherLibraries("TCP_INFO", socket2: false, nio: "`getTCPInfo`"),
]
