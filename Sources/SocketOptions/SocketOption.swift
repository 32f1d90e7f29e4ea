// SocketOptions: the typed socket options.

/// A socket option and the value to set it to.
///
/// Each case is one C option, set with its own `setsockopt` call. That matters: the popular
/// `setsockopt(fd, SOL_SOCKET, SO_REUSEADDR | SO_REUSEPORT, ...)` passes the number 2 | 15 == 15 on
/// Linux, sets only `SO_REUSEPORT` and reports success. Here the two are two values of this type:
///
/// ```swift
/// let listener = try ListeningSocket(
///     address: try SocketAddress("0.0.0.0:8080"),
///     options: [.reuseAddress(true), .reusePort(true)])
/// ```
///
/// Values are checked before any system call: a negative buffer size, a negative duration, a
/// fractional number of seconds where the kernel keeps whole seconds, a count out of the kernel's
/// range are refused with ``SocketError/invalidValue(_:reason:)``, because the kernel would accept
/// many of them silently and keep something else. An option that does not exist on a platform
/// does not exist in this type there: using it is a compile error, not a runtime surprise.
///
/// ``Name`` describes each option as data: its level, C name, valid values, whether it must be
/// set before bind and whether accepted connections inherit it.
public enum SocketOption: Hashable, Sendable {
    // MARK: Socket level (SOL_SOCKET)

    /// Lets a listener bind a port that connections of an earlier listener still hold in
    /// TIME_WAIT, so a server restarts at once. Both the old and the new listener must set it.
    /// It never lets two sockets listen on one port at once (that is ``reusePort(_:)``).
    /// Must be set before bind. The corresponding C option is `SO_REUSEADDR`.
    case reuseAddress(Bool)

    /// Lets several listeners, all owned by the same user and all with this option set, listen on
    /// one port; the kernel spreads new connections over them by a hash of the connection's
    /// addresses. Must be set before bind. The corresponding C option is `SO_REUSEPORT`.
    case reusePort(Bool)

    /// Sends keepalive probes on idle connections. Accepted connections inherit it from the
    /// listener. The corresponding C option is `SO_KEEPALIVE`.
    case keepAlive(Bool)

    /// Allows sending datagrams to a broadcast address. The corresponding C option is `SO_BROADCAST`.
    case broadcast(Bool)

    /// Delivers TCP urgent (out-of-band) data in the normal data stream. The corresponding C
    /// option is `SO_OOBINLINE`.
    case outOfBandInline(Bool)

    /// The receive buffer size in bytes, 1 or more. Linux keeps twice the value (the kernel's
    /// bookkeeping), at least its minimum and at most twice `net.core.rmem_max`; the value kept is
    /// reported in ``AppliedOption/effective``. The corresponding C option is `SO_RCVBUF`.
    case receiveBufferSize(Int)

    /// The send buffer size in bytes, 1 or more. Linux keeps twice the value, at least its
    /// minimum and at most twice `net.core.wmem_max`. The corresponding C option is `SO_SNDBUF`.
    case sendBufferSize(Int)

    /// How many bytes must be waiting before a read returns, 1 or more. The corresponding C option
    /// is `SO_RCVLOWAT`.
    case receiveLowWatermark(Int)

    #if canImport(Darwin)
    /// How much send-buffer space must be free before a write is accepted, in bytes. Darwin only:
    /// Linux cannot change it. The corresponding C option is `SO_SNDLOWAT`.
    case sendLowWatermark(Int)
    #endif

    /// What close does with unsent data: `nil` returns at once and lets the kernel send it in the
    /// background (the default); a whole number of seconds makes close wait up to that long;
    /// `.zero` drops the data and resets the connection.
    ///
    /// A linger without bound (a negative `l_linger` set through the escape hatch, which Linux
    /// keeps as "wait until sent" and reports as `(int)(LONG_MAX / HZ)`, a negative number for HZ
    /// 250, 300 and 1000) reads back as `.seconds(Int32.max)`, about 68 years: the longest time this
    /// case takes, so that what is read can be set again. With HZ 100 the kernel's number,
    /// 2061584302 s, is positive and reads as it is. The corresponding C option is `SO_LINGER`
    /// (`SO_LINGER_SEC` on Darwin, whose `SO_LINGER` counts clock ticks).
    case linger(Duration?)

    /// How long a blocking receive (or accept) waits before failing with `EAGAIN`; `nil` waits
    /// forever. At least 1 µs; Linux rounds it up to its clock tick. The corresponding C option is
    /// `SO_RCVTIMEO`.
    case receiveTimeout(Duration?)

    /// How long a blocking send waits before failing with `EAGAIN`; `nil` waits forever. At least
    /// 1 µs; Linux rounds it up to its clock tick. The corresponding C option is `SO_SNDTIMEO`.
    case sendTimeout(Duration?)

    /// Attaches the receive time to each datagram as a control message. The corresponding C
    /// option is `SO_TIMESTAMP`.
    case timestamps(Bool)

    #if os(Linux)
    /// Binds the socket to one network interface by name, such as `"eth0"`; `nil` removes the
    /// binding. The first setting needs no privilege; changing or removing a binding already made
    /// needs CAP_NET_RAW (Linux 5.7 and later; before, every setting did). Set before bind for a
    /// listener. Linux only. The corresponding C option is `SO_BINDTODEVICE`.
    case bindToDevice(String?)

    /// A mark for routing and filtering (policy routing, nftables `meta mark`). Needs
    /// CAP_NET_ADMIN. Linux only. The corresponding C option is `SO_MARK`.
    case mark(UInt32)

    /// The priority of the socket's packets for queueing disciplines, 0...6 without
    /// CAP_NET_ADMIN. Linux only. The corresponding C option is `SO_PRIORITY`.
    case priority(Int)

    /// How long a blocking receive busy-polls the device queue before sleeping, in whole
    /// microseconds; `nil` turns it off. Raising it above `net.core.busy_poll` needs CAP_NET_ADMIN.
    /// Linux only. The corresponding C option is `SO_BUSY_POLL`.
    case busyPoll(Duration?)

    /// The CPU whose receive queue the socket prefers, for steering work to the CPU that handles
    /// the traffic. Linux only. The corresponding C option is `SO_INCOMING_CPU`.
    case incomingCPU(Int)

    /// Allows `send` with `MSG_ZEROCOPY`, which sends from user memory without a copy. Linux only.
    /// The corresponding C option is `SO_ZEROCOPY`.
    case zeroCopy(Bool)

    /// Receives the sender's process, user and group ids with each message on a Unix-domain
    /// socket. Unix sockets only; Linux only. The corresponding C option is `SO_PASSCRED`.
    case passCredentials(Bool)

    /// Binds the socket to one network interface by its index (`if_nametoindex`); `nil` removes
    /// the binding. The same binding as ``bindToDevice(_:)``, named by number, which reads back as
    /// the interface's name there. Linux keeps an index that no interface has, without a word;
    /// traffic then fails. Changing or removing a binding already made needs CAP_NET_RAW. Set
    /// before bind for a listener. Linux only. The corresponding C option is `SO_BINDTOIFINDEX`.
    case bindToInterfaceIndex(Int?)

    /// Attaches the receive time to each datagram as a control message in nanoseconds
    /// (`SCM_TIMESTAMPNS`). It and ``timestamps(_:)`` exclude each other: setting one turns the
    /// other off. Linux only. The corresponding C option is `SO_TIMESTAMPNS`.
    case timestampsNanoseconds(Bool)

    /// Attaches to each datagram the number of datagrams the socket dropped so far for lack of
    /// buffer space, as a control message. Linux only. The corresponding C option is `SO_RXQ_OVFL`.
    case receiveDropCount(Bool)

    /// The receive buffer size in bytes, 1...1073741823, past `net.core.rmem_max`: Linux keeps
    /// twice the value, at least 2304. Needs CAP_NET_ADMIN. Read back as ``receiveBufferSize(_:)``
    /// reads it, with `SO_RCVBUF`. Linux only. The corresponding C option is `SO_RCVBUFFORCE`.
    case receiveBufferSizeForced(Int)

    /// The send buffer size in bytes, 1...1073741823, past `net.core.wmem_max`: Linux keeps twice
    /// the value, at least 4608. Needs CAP_NET_ADMIN. Read back with `SO_SNDBUF`. Linux only. The
    /// corresponding C option is `SO_SNDBUFFORCE`.
    case sendBufferSizeForced(Int)

    /// Runs a classic BPF program on every packet the socket would receive; the program decides
    /// how much of it to keep, 0 to drop it. Replaces a filter attached before. Read back with
    /// `SO_GET_FILTER`: the program as given (reading it allocates its array). Accepted connections
    /// inherit it. Linux only. The corresponding C option is `SO_ATTACH_FILTER`.
    case attachFilter(SocketFilter)

    /// Removes the filter that ``attachFilter(_:)`` attached. Fails with `ENOENT` when there is
    /// none, and with `EPERM` once `SO_LOCK_FILTER` locked it. Nothing to read back: reading
    /// ``attachFilter(_:)`` then gives an empty program. Linux only. The corresponding C option is
    /// `SO_DETACH_FILTER`.
    case detachFilter
    #endif

    // MARK: TCP (IPPROTO_TCP)

    /// Sends small segments at once instead of waiting to coalesce them (turns Nagle's algorithm
    /// off). The corresponding C option is `TCP_NODELAY`.
    case noDelay(Bool)

    /// The largest segment the socket sends, in bytes, 88...32767 on Linux. Takes effect when set
    /// before listen or connect. The corresponding C option is `TCP_MAXSEG`.
    case maxSegment(Int)

    /// How long a connection stays idle before the first keepalive probe, in whole seconds,
    /// 1...32767. Takes effect with ``keepAlive(_:)``. The corresponding C option is
    /// `TCP_KEEPIDLE` (`TCP_KEEPALIVE` on Darwin).
    case keepAliveIdle(Duration)

    /// The time between keepalive probes, in whole seconds, 1...32767. The corresponding C option
    /// is `TCP_KEEPINTVL`.
    case keepAliveInterval(Duration)

    /// How many unanswered keepalive probes end the connection, 1...127. The corresponding C
    /// option is `TCP_KEEPCNT`.
    case keepAliveCount(Int)

    /// How many bytes may wait unsent in the socket before it stops reporting itself writable.
    /// The corresponding C option is `TCP_NOTSENT_LOWAT`.
    case notSentLowWatermark(Int)

    /// Holds back partial segments until the option is turned off again (or 200 ms pass), to send
    /// a header and a body in full segments. The corresponding C option is `TCP_CORK`
    /// (`TCP_NOPUSH` on Darwin).
    case cork(Bool)

    #if os(Linux)
    /// How long sent data may stay unacknowledged before the connection is dropped, in whole
    /// milliseconds; `nil` leaves it to the retransmission limits. Linux only. The corresponding C
    /// option is `TCP_USER_TIMEOUT`.
    case userTimeout(Duration?)

    /// Turns TCP Fast Open on for a listener, with the length of the queue of Fast Open requests
    /// that have not completed; the kernel caps it at `net.core.somaxconn`. Listeners only; Linux
    /// only. The corresponding C option is `TCP_FASTOPEN`.
    case fastOpen(Int)

    /// Wakes the listener only when data arrives on a new connection, waiting at most about this
    /// long; `nil` turns it off. Linux rounds the time up to its retransmission schedule (1, 3, 7,
    /// 15, 31, 63, 127 s, then steps of 120 s), 1...29887 s: it counts at most 255 retransmissions
    /// and would keep 29887 s for anything longer. Listeners only; Linux only. The corresponding C
    /// option is `TCP_DEFER_ACCEPT`.
    case deferAccept(Duration?)

    /// Sends acknowledgements at once rather than delaying them. The kernel may turn it off again
    /// by itself. Linux only. The corresponding C option is `TCP_QUICKACK`.
    case quickAck(Bool)

    /// The congestion control algorithm by name, such as `"cubic"`, `"bbr"` or `"reno"`; it must be
    /// loaded (see `net.ipv4.tcp_available_congestion_control`). Linux only. The corresponding C
    /// option is `TCP_CONGESTION`.
    case congestionControl(String)

    /// The largest window the socket advertises, in bytes; Linux raises it to at least 1152.
    /// Linux only. The corresponding C option is `TCP_WINDOW_CLAMP`.
    case windowClamp(Int)

    /// For a connection with few packets in flight, retransmits on linear rather than exponential
    /// timeouts, so that a thin stream recovers sooner. Linux only. The corresponding C option is
    /// `TCP_THIN_LINEAR_TIMEOUTS`.
    case thinLinearTimeouts(Bool)

    /// How many times connect retransmits its SYN before giving up, 1...127 (`MAX_TCP_SYNCNT`);
    /// unset, `net.ipv4.tcp_syn_retries` applies, and is what reads back. Linux only. The
    /// corresponding C option is `TCP_SYNCNT`.
    case synRetries(Int)

    /// How long a connection this side closed waits in FIN_WAIT2 for the peer's FIN, in whole
    /// seconds, 1...120; `nil` for `net.ipv4.tcp_fin_timeout` (what it then reads back); `.zero`
    /// to skip FIN_WAIT2 and reset the connection at once. Linux keeps 120 s for anything longer,
    /// so longer is refused. Linux only. The corresponding C option is `TCP_LINGER2`.
    case finWait2Timeout(Duration?)

    /// Sends the first data with the SYN (TCP Fast Open) when a connect follows: set on a socket
    /// not yet connected or listening (`EINVAL` otherwise), such as a raw descriptor before
    /// connect. Needs client Fast Open in `net.ipv4.tcp_fastopen` (`EOPNOTSUPP` otherwise). Linux
    /// only. The corresponding C option is `TCP_FASTOPEN_CONNECT`.
    case fastOpenConnect(Bool)
    #endif

    // MARK: UDP (IPPROTO_UDP)

    #if os(Linux)
    /// Cuts each datagram sent into datagrams of this many bytes, 1...65535, in the kernel or the
    /// network card (UDP GSO): one send of many segments, as QUIC servers do; `nil` turns it off.
    /// A send whose segments do not fit the path fails with `EINVAL` or `EMSGSIZE`. UDP sockets
    /// only; Linux only. The corresponding C option is `UDP_SEGMENT`.
    case udpSegmentSize(Int?)

    /// Lets the kernel hand datagrams of one flow to a receive as one coalesced buffer (UDP GRO),
    /// with the segment size in a `UDP_GRO` control message. UDP sockets only; Linux only. The
    /// corresponding C option is `UDP_GRO`.
    case udpReceiveOffload(Bool)
    #endif

    // MARK: IPv4 (IPPROTO_IP)

    /// The time-to-live of outgoing IPv4 packets, 1...255. Also applies to the IPv4 traffic of a
    /// dual-stack IPv6 socket. The corresponding C option is `IP_TTL`.
    case timeToLive(Int)

    /// The type-of-service byte (DSCP and ECN) of outgoing IPv4 packets, 0...255. On TCP sockets
    /// Linux keeps the ECN bits (the low two) to itself. The corresponding C option is `IP_TOS`.
    case typeOfService(Int)

    /// The time-to-live of outgoing IPv4 multicast datagrams, 0...255. Datagram sockets only. The
    /// corresponding C option is `IP_MULTICAST_TTL`.
    case ipv4MulticastTimeToLive(Int)

    /// Whether this host's own sockets receive the multicast datagrams it sends. The corresponding
    /// C option is `IP_MULTICAST_LOOP`.
    case ipv4MulticastLoop(Bool)

    /// The local address whose interface sends IPv4 multicast; `IPv4Address.any` lets the routing
    /// table choose. Datagram sockets only. The corresponding C option is `IP_MULTICAST_IF`.
    case ipv4MulticastInterface(IPv4Address)

    #if os(Linux)
    /// Lets the socket bind an IPv4 address that is not (yet) configured on this machine. Set
    /// before bind. Linux only. The corresponding C option is `IP_FREEBIND`.
    case ipv4FreeBind(Bool)

    /// Lets the socket bind and send from non-local addresses, for transparent proxies. Needs
    /// CAP_NET_ADMIN. Set before bind. Linux only. The corresponding C option is `IP_TRANSPARENT`.
    case transparent(Bool)

    /// Makes bind with port 0 leave the port for connect to choose, so a client with a fixed
    /// source address does not use up ports. Set before bind. Linux only. The corresponding C
    /// option is `IP_BIND_ADDRESS_NO_PORT`.
    case bindAddressNoPort(Bool)

    /// Joins an IPv4 multicast group on one interface, so that the socket receives datagrams sent
    /// to the group on its port. Joining twice fails with `EADDRINUSE`; an interface that does not
    /// exist with `ENODEV`. Nothing to read back. UDP sockets only; Linux only. The corresponding C
    /// option is `IP_ADD_MEMBERSHIP`.
    case joinIPv4Group(IPv4MulticastMembership)

    /// Leaves an IPv4 multicast group joined with ``joinIPv4Group(_:)``; `EADDRNOTAVAIL` when the
    /// socket is not a member. UDP sockets only; Linux only. The corresponding C option is
    /// `IP_DROP_MEMBERSHIP`.
    case leaveIPv4Group(IPv4MulticastMembership)

    /// Joins an IPv4 multicast group for the datagrams of one source only (source-specific
    /// multicast). UDP sockets only; Linux only. The corresponding C option is
    /// `IP_ADD_SOURCE_MEMBERSHIP`.
    case joinIPv4SourceGroup(IPv4SourceMembership)

    /// Leaves a source-specific membership made with ``joinIPv4SourceGroup(_:)``; `EINVAL` when
    /// there is none. UDP sockets only; Linux only. The corresponding C option is
    /// `IP_DROP_SOURCE_MEMBERSHIP`.
    case leaveIPv4SourceGroup(IPv4SourceMembership)

    /// On a raw IPv4 socket, the data sent begins with its own IP header, which the kernel sends
    /// as it is. Raw sockets only (which need CAP_NET_RAW to make); Linux only. The corresponding C
    /// option is `IP_HDRINCL`.
    case ipv4HeaderIncluded(Bool)

    /// Whether a socket bound to the wildcard address receives the IPv4 multicast of every group
    /// some socket of this host joined, or only of the groups it joined itself. On by default for
    /// IPv4 sockets; off for IPv6 sockets, which have it for their IPv4-mapped traffic. Linux only.
    /// The corresponding C option is `IP_MULTICAST_ALL`.
    case ipv4MulticastAll(Bool)

    /// Attaches the type-of-service byte (DSCP and ECN) of each datagram received as a control
    /// message. Linux only. The corresponding C option is `IP_RECVTOS`.
    case receiveTypeOfService(Bool)

    /// Attaches the destination address and the interface of each IPv4 datagram received as a
    /// control message, for a server on the wildcard address that must answer from the address it
    /// was asked on. Linux only. The corresponding C option is `IP_PKTINFO`.
    case receiveIPv4PacketInfo(Bool)

    /// Queues ICMP errors and local send errors on the socket's error queue
    /// (`recvmsg(MSG_ERRQUEUE)`) with their details, instead of only a pending errno. Linux only.
    /// The corresponding C option is `IP_RECVERR`.
    case receiveIPv4Errors(Bool)

    /// Whether IPv4 packets carry Don't Fragment and how the path MTU is learned; see
    /// ``PathMTUDiscovery``. Linux only. The corresponding C option is `IP_MTU_DISCOVER`.
    case pathMTUDiscovery(PathMTUDiscovery)
    #endif

    // MARK: IPv6 (IPPROTO_IPV6)

    /// On an IPv6 socket, accept IPv6 connections only; when off, `[::]:P` also takes IPv4 and
    /// then blocks `0.0.0.0:P`. IPv6 sockets only; must be set before bind. The corresponding C
    /// option is `IPV6_V6ONLY`.
    case ipv6Only(Bool)

    /// The hop limit of outgoing IPv6 unicast packets, 0...255. IPv6 sockets only. The
    /// corresponding C option is `IPV6_UNICAST_HOPS`.
    case ipv6UnicastHops(Int)

    /// The traffic class byte (DSCP and ECN) of outgoing IPv6 packets, 0...255; on TCP sockets
    /// Linux keeps the ECN bits to itself. IPv6 sockets only. The corresponding C option is
    /// `IPV6_TCLASS`.
    case ipv6TrafficClass(Int)

    /// The hop limit of outgoing IPv6 multicast datagrams, 0...255. IPv6 datagram sockets only.
    /// The corresponding C option is `IPV6_MULTICAST_HOPS`.
    case ipv6MulticastHops(Int)

    /// Whether this host's own sockets receive the IPv6 multicast datagrams it sends. IPv6
    /// sockets only. The corresponding C option is `IPV6_MULTICAST_LOOP`.
    case ipv6MulticastLoop(Bool)

    /// The interface, by index, that sends IPv6 multicast; 0 lets the routing table choose. IPv6
    /// datagram sockets only. The corresponding C option is `IPV6_MULTICAST_IF`.
    case ipv6MulticastInterface(Int)

    #if os(Linux)
    /// Lets the socket bind an IPv6 address that is not (yet) configured on this machine. Set
    /// before bind. IPv6 sockets only; Linux only. The corresponding C option is `IPV6_FREEBIND`.
    case ipv6FreeBind(Bool)

    /// Joins an IPv6 multicast group on the interface with this index (0: the route's), so that
    /// the socket receives datagrams sent to the group on its port. Joining twice fails with
    /// `EADDRINUSE`. Nothing to read back. IPv6 UDP sockets only; Linux only. The corresponding C
    /// option is `IPV6_ADD_MEMBERSHIP` (`IPV6_JOIN_GROUP`).
    case joinIPv6Group(IPv6MulticastMembership)

    /// Leaves an IPv6 multicast group joined with ``joinIPv6Group(_:)``; `EADDRNOTAVAIL` when the
    /// socket is not a member. IPv6 UDP sockets only; Linux only. The corresponding C option is
    /// `IPV6_DROP_MEMBERSHIP` (`IPV6_LEAVE_GROUP`).
    case leaveIPv6Group(IPv6MulticastMembership)

    /// On a raw IPv6 socket, the data sent begins with its own IPv6 header. Raw sockets only;
    /// Linux only. The corresponding C option is `IPV6_HDRINCL`.
    case ipv6HeaderIncluded(Bool)

    /// Whether an IPv6 socket on the wildcard address receives the multicast of every group some
    /// socket of this host joined (the default), or only its own groups'. IPv6 sockets only; Linux
    /// only. The corresponding C option is `IPV6_MULTICAST_ALL`.
    case ipv6MulticastAll(Bool)

    /// Attaches the hop limit of each IPv6 datagram received as a control message. IPv6 sockets
    /// only; Linux only. The corresponding C option is `IPV6_RECVHOPLIMIT`.
    case receiveHopLimit(Bool)

    /// Attaches the traffic class byte (DSCP and ECN) of each IPv6 datagram received as a control
    /// message. IPv6 sockets only; Linux only. The corresponding C option is `IPV6_RECVTCLASS`.
    case receiveTrafficClass(Bool)

    /// Lets an IPv6 socket bind and send from non-local addresses, for transparent proxies. Turning
    /// it on needs CAP_NET_ADMIN or CAP_NET_RAW. Set before bind. IPv6 sockets only; Linux only. The
    /// corresponding C option is `IPV6_TRANSPARENT`.
    case ipv6Transparent(Bool)

    /// Attaches the destination address and the interface of each IPv6 datagram received as a
    /// control message. IPv6 sockets only; Linux only. The corresponding C option is
    /// `IPV6_RECVPKTINFO`.
    case receiveIPv6PacketInfo(Bool)

    /// Queues ICMPv6 errors and local send errors on the socket's error queue with their details.
    /// IPv6 sockets only; Linux only. The corresponding C option is `IPV6_RECVERR`.
    case receiveIPv6Errors(Bool)
    #endif
}
