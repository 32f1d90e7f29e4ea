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
    /// `.zero` drops the data and resets the connection. The corresponding C option is
    /// `SO_LINGER` (`SO_LINGER_SEC` on Darwin, whose `SO_LINGER` counts clock ticks).
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
    #endif
}
