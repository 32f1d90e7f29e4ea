// SocketOptions: the catalogue. Every option is described here once, as one row: its C level and
// name, its codec and range, when it may be set, whether the kernel reports it back, which sockets
// have it, whether accepted connections inherit it, and its prose. Checks, setsockopt and
// getsockopt, readback, errors, snapshots, option text, the options guide
// (Documentation/Options.md) and `sockopt-demo options` all read these rows.
//
// Adding an option: its case with its doc comment in SocketOption.swift (the comment names the C
// option: "The corresponding C option is `NAME`."), its row in `catalogueRow` below, next to its
// neighbours, and the tests that read it back. Then `.ci/generate-catalogue` writes the rest from
// the cases (SocketOption+Generated.swift: the option's `Name`, its typed key and its line in
// `entry`), and a test fails until it has. A new kind of value is a case of OptionCodec
// (Internals/OptionCodec.swift) and a line of the generator; a new level, a case of
// SocketOption.Level. An option the kernel only reports is the same: its case in
// ReadOnlySocketOption.swift, its row at the end of this file, and the generator writes the rest
// (ReadOnlySocketOption+Generated.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

private let positiveInt = 1...Int(CInt.max)
#if os(Linux)
/// UDP_SEGMENT and UDP_GRO (linux/udp.h, netinet/udp.h), which Glibc's module does not include.
private let udpSegmentOption: CInt = 103
private let udpGROOption: CInt = 104
/// SO_ORIGINAL_DST, at level SOL_IP (linux/netfilter_ipv4.h), which Glibc's module does not include.
private let originalDestinationOption: CInt = 80
#endif
private let keepAliveSeconds = Int64(1)...Int64(32767)

extension SocketOption.Name {
    /// The row of the catalogue that describes this option, as written. Read once per option, to
    /// build ``rows``; everything else reads a row there, through ``row``.
    // swift-format-ignore
    var catalogueRow: OptionRow<SocketOption> {
        switch self {
        case .reuseAddress:
            OptionRow(level: .socket, rawName: SO_REUSEADDR, cName: "SO_REUSEADDR", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .anySocket,
                meaning: "Bind a port that an earlier listener's connections still hold in TIME_WAIT")
        case .reusePort:
            OptionRow(level: .socket, rawName: SO_REUSEPORT, cName: "SO_REUSEPORT", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ip,
                meaning: "Let several sockets of one user share a port; the kernel balances between them",
                notes: "Every socket of the group must set it. Unix-domain sockets refuse it (EOPNOTSUPP).")
        case .keepAlive:
            OptionRow(level: .socket, rawName: SO_KEEPALIVE, cName: "SO_KEEPALIVE", codec: .bool,
                inherited: true, sockets: .anySocket, meaning: "Send keepalive probes on idle connections")
        case .broadcast:
            OptionRow(level: .socket, rawName: SO_BROADCAST, cName: "SO_BROADCAST", codec: .bool,
                inherited: true, sockets: .anySocket, meaning: "Allow datagrams to broadcast addresses")
        case .outOfBandInline:
            OptionRow(level: .socket, rawName: SO_OOBINLINE, cName: "SO_OOBINLINE", codec: .bool,
                inherited: true, sockets: .anySocket, meaning: "Deliver urgent data in the normal data stream")
        case .receiveBufferSize:
            OptionRow(level: .socket, rawName: SO_RCVBUF, cName: "SO_RCVBUF", codec: .int(positiveInt, unit: " bytes"),
                inherited: true, sockets: .anySocket, meaning: "Receive buffer size",
                notes: "Linux keeps twice the value, at least 2304, at most twice net.core.rmem_max.",
                valueNote: "the kernel would raise 0 to its minimum and take a negative size as its maximum, without a word",
                adjustment: "Linux keeps twice the request, at least its minimum, at most twice net.core.rmem_max")
        case .sendBufferSize:
            OptionRow(level: .socket, rawName: SO_SNDBUF, cName: "SO_SNDBUF", codec: .int(positiveInt, unit: " bytes"),
                inherited: true, sockets: .anySocket, meaning: "Send buffer size",
                notes: "Linux keeps twice the value, at least 4608, at most twice net.core.wmem_max.",
                valueNote: "the kernel would raise 0 to its minimum and take a negative size as its maximum, without a word",
                adjustment: "Linux keeps twice the request, at least its minimum, at most twice net.core.wmem_max")
        case .receiveLowWatermark:
            OptionRow(level: .socket, rawName: SO_RCVLOWAT, cName: "SO_RCVLOWAT",
                codec: .int(positiveInt, unit: " bytes"), inherited: true, sockets: .anySocket,
                meaning: "Bytes that must be waiting before a read returns",
                valueNote: "Linux would take 0 as 1 and a negative value as its maximum")
        #if canImport(Darwin)
        case .sendLowWatermark:
            OptionRow(level: .socket, rawName: SO_SNDLOWAT, cName: "SO_SNDLOWAT",
                codec: .int(positiveInt, unit: " bytes"), inherited: true, sockets: .anySocket,
                meaning: "Free send-buffer space needed before a write is accepted",
                notes: "Darwin only: Linux cannot change it.")
        #endif
        case .linger:
            #if canImport(Darwin)
            OptionRow(level: .socket, rawName: SO_LINGER_SEC, cName: "SO_LINGER_SEC", codec: .linger,
                inherited: true, sockets: .anySocket, meaning: "How long close waits to send unsent data",
                notes: "Darwin's SO_LINGER counts clock ticks; SO_LINGER_SEC counts seconds.")
            #else
            OptionRow(level: .socket, rawName: SO_LINGER, cName: "SO_LINGER", codec: .linger,
                inherited: true, sockets: .anySocket, meaning: "How long close waits to send unsent data",
                notes: "Off reads back as nil, although Linux keeps the old time. .zero resets the connection on close.")
            #endif
        case .receiveTimeout:
            OptionRow(level: .socket, rawName: SO_RCVTIMEO, cName: "SO_RCVTIMEO", codec: .timeout,
                inherited: true, sockets: .anySocket, meaning: "How long a blocking receive or accept waits",
                notes: "Linux rounds it up to its clock tick (4 ms at HZ=250).",
                adjustment: "the kernel rounds timeouts up to its clock tick")
        case .sendTimeout:
            OptionRow(level: .socket, rawName: SO_SNDTIMEO, cName: "SO_SNDTIMEO", codec: .timeout,
                inherited: true, sockets: .anySocket, meaning: "How long a blocking send waits",
                notes: "Linux rounds it up to its clock tick.",
                adjustment: "the kernel rounds timeouts up to its clock tick")
        case .timestamps:
            OptionRow(level: .socket, rawName: SO_TIMESTAMP, cName: "SO_TIMESTAMP", codec: .bool,
                inherited: true, sockets: .anySocket, meaning: "Attach the receive time to each message")
        #if os(Linux)
        case .bindToDevice:
            OptionRow(level: .socket, rawName: SO_BINDTODEVICE, cName: "SO_BINDTODEVICE", codec: .text(interfaceName: true),
                scope: .beforeBind, inherited: true, sockets: .anySocket,
                meaning: "Send and receive through one network interface only",
                notes: "Linux only. Changing a binding already made needs CAP_NET_RAW (Linux 5.7+; before, any setting did): a first setting does not.",
                bindChange: "binding an IPv6 address with a zone binds the socket to the zone's interface")
        case .mark:
            OptionRow(level: .socket, rawName: SO_MARK, cName: "SO_MARK", codec: .unsigned32,
                inherited: true, sockets: .anySocket, meaning: "A mark for policy routing and packet filters",
                notes: "Linux only. Needs CAP_NET_ADMIN.")
        case .priority:
            OptionRow(level: .socket, rawName: SO_PRIORITY, cName: "SO_PRIORITY", codec: .int(0...Int(CInt.max), unit: ""),
                inherited: false, sockets: .anySocket, meaning: "Queueing priority of the socket's packets",
                notes: "Linux only. Values above 6 need CAP_NET_ADMIN. Accepted connections start at 0.")
        case .busyPoll:
            OptionRow(level: .socket, rawName: SO_BUSY_POLL, cName: "SO_BUSY_POLL",
                codec: .duration(.microseconds, 1...Int64(CInt.max), offIsZero: true),
                inherited: true, sockets: .anySocket, meaning: "Busy-poll the device queue before sleeping in a receive",
                notes: "Linux only. Above net.core.busy_poll needs CAP_NET_ADMIN.")
        case .incomingCPU:
            OptionRow(level: .socket, rawName: SO_INCOMING_CPU, cName: "SO_INCOMING_CPU", codec: .int(0...Int(CInt.max), unit: ""),
                inherited: false, sockets: .anySocket, meaning: "The CPU whose receive queue the socket prefers",
                notes: "Linux only. -1 (the default) reads back until a CPU is set or traffic arrives.")
        case .zeroCopy:
            OptionRow(level: .socket, rawName: SO_ZEROCOPY, cName: "SO_ZEROCOPY", codec: .bool,
                inherited: true, sockets: .ip, meaning: "Allow send with MSG_ZEROCOPY",
                notes: "Linux only.")
        case .passCredentials:
            OptionRow(level: .socket, rawName: SO_PASSCRED, cName: "SO_PASSCRED", codec: .bool,
                inherited: true, sockets: .unix, meaning: "Receive the sender's pid, uid and gid with each message",
                notes: "Linux only. IP sockets refuse it (EOPNOTSUPP).")
        case .bindToInterfaceIndex:
            OptionRow(level: .socket, rawName: SO_BINDTOIFINDEX, cName: "SO_BINDTOIFINDEX",
                codec: .optionalInt(1...Int(CInt.max), unit: ""), scope: .beforeBind, inherited: true,
                sockets: .anySocket, meaning: "Send and receive through one network interface, named by index",
                notes: "Linux only. An index no interface has is kept silently. Changing a binding already made needs CAP_NET_RAW.")
        case .timestampsNanoseconds:
            OptionRow(level: .socket, rawName: SO_TIMESTAMPNS, cName: "SO_TIMESTAMPNS", codec: .bool,
                inherited: true, sockets: .anySocket, meaning: "Attach the receive time, in nanoseconds, to each message",
                notes: "Linux only. Setting it turns SO_TIMESTAMP off, and the other way round.")
        case .receiveDropCount:
            OptionRow(level: .socket, rawName: SO_RXQ_OVFL, cName: "SO_RXQ_OVFL", codec: .bool,
                inherited: true, sockets: .anySocket, meaning: "Attach the count of datagrams dropped so far to each one",
                notes: "Linux only.")
        case .receiveBufferSizeForced:
            OptionRow(level: .socket, rawName: SO_RCVBUFFORCE, cName: "SO_RCVBUFFORCE",
                codec: .int(1...Int(CInt.max / 2), unit: " bytes"), readName: SO_RCVBUF, inherited: true,
                sockets: .anySocket, meaning: "Receive buffer size past net.core.rmem_max",
                notes: "Linux only. Needs CAP_NET_ADMIN (EPERM). Read back with SO_RCVBUF: twice the value, at least 2304.",
                valueNote: "Linux would keep 2147483646 for anything larger, and its minimum for 0 or less")
        case .sendBufferSizeForced:
            OptionRow(level: .socket, rawName: SO_SNDBUFFORCE, cName: "SO_SNDBUFFORCE",
                codec: .int(1...Int(CInt.max / 2), unit: " bytes"), readName: SO_SNDBUF, inherited: true,
                sockets: .anySocket, meaning: "Send buffer size past net.core.wmem_max",
                notes: "Linux only. Needs CAP_NET_ADMIN (EPERM). Read back with SO_SNDBUF: twice the value, at least 4608.",
                valueNote: "Linux would keep 2147483646 for anything larger, and its minimum for 0 or less")
        case .attachFilter:
            OptionRow(level: .socket, rawName: SO_ATTACH_FILTER, cName: "SO_ATTACH_FILTER", codec: .filter,
                inherited: true, sockets: .anySocket, meaning: "Filter what the socket receives with a classic BPF program",
                notes: "Linux only. Read back with SO_GET_FILTER; an empty program means none is attached.",
                valueNote: "the kernel checks the program itself: an unknown opcode, scratch memory read before it is written, a division by a constant 0")
        case .detachFilter:
            OptionRow(level: .socket, rawName: SO_DETACH_FILTER, cName: "SO_DETACH_FILTER", codec: .action,
                canReadBack: false, sockets: .anySocket, meaning: "Remove the socket's filter",
                notes: "Linux only. ENOENT when no filter is attached.")
        #endif
        case .noDelay:
            OptionRow(level: .tcp, rawName: TCP_NODELAY, cName: "TCP_NODELAY", codec: .bool,
                inherited: true, sockets: .tcp, meaning: "Send small segments at once (Nagle's algorithm off)")
        case .maxSegment:
            OptionRow(level: .tcp, rawName: TCP_MAXSEG, cName: "TCP_MAXSEG", codec: .int(88...32767, unit: " bytes"),
                inherited: false, sockets: .tcp, meaning: "The largest segment the socket sends",
                notes: "Set before listen or connect. A connection reads back the negotiated size instead.")
        case .keepAliveIdle:
            #if canImport(Darwin)
            OptionRow(level: .tcp, rawName: TCP_KEEPALIVE, cName: "TCP_KEEPALIVE",
                codec: .duration(.seconds, keepAliveSeconds, offIsZero: false), inherited: true, sockets: .tcp,
                meaning: "Idle time before the first keepalive probe", notes: "Darwin spells it TCP_KEEPALIVE.")
            #else
            OptionRow(level: .tcp, rawName: TCP_KEEPIDLE, cName: "TCP_KEEPIDLE",
                codec: .duration(.seconds, keepAliveSeconds, offIsZero: false), inherited: true, sockets: .tcp,
                meaning: "Idle time before the first keepalive probe", notes: "Darwin spells it TCP_KEEPALIVE.")
            #endif
        case .keepAliveInterval:
            OptionRow(level: .tcp, rawName: TCP_KEEPINTVL, cName: "TCP_KEEPINTVL",
                codec: .duration(.seconds, keepAliveSeconds, offIsZero: false), inherited: true, sockets: .tcp,
                meaning: "Time between keepalive probes")
        case .keepAliveCount:
            OptionRow(level: .tcp, rawName: TCP_KEEPCNT, cName: "TCP_KEEPCNT", codec: .int(1...127, unit: ""),
                inherited: true, sockets: .tcp, meaning: "Unanswered keepalive probes before the connection is dropped")
        case .notSentLowWatermark:
            OptionRow(level: .tcp, rawName: CInt(TCP_NOTSENT_LOWAT), cName: "TCP_NOTSENT_LOWAT",
                codec: .int(positiveInt, unit: " bytes"), inherited: true, sockets: .tcp,
                meaning: "Unsent bytes allowed before the socket stops reporting itself writable",
                zeroMeaning: "0 (none: net.ipv4.tcp_notsent_lowat applies)")
        case .cork:
            #if canImport(Darwin)
            OptionRow(level: .tcp, rawName: TCP_NOPUSH, cName: "TCP_NOPUSH", codec: .bool, inherited: true,
                sockets: .tcp, meaning: "Hold back partial segments until uncorked", notes: "Linux spells it TCP_CORK.")
            #else
            OptionRow(level: .tcp, rawName: TCP_CORK, cName: "TCP_CORK", codec: .bool, inherited: true,
                sockets: .tcp, meaning: "Hold back partial segments until uncorked", notes: "Darwin spells it TCP_NOPUSH.")
            #endif
        #if os(Linux)
        case .userTimeout:
            OptionRow(level: .tcp, rawName: TCP_USER_TIMEOUT, cName: "TCP_USER_TIMEOUT",
                codec: .duration(.milliseconds, 1...Int64(CInt.max), offIsZero: true), inherited: true, sockets: .tcp,
                meaning: "How long sent data may stay unacknowledged before the connection is dropped",
                notes: "Linux only.")
        case .fastOpen:
            OptionRow(level: .tcp, rawName: TCP_FASTOPEN, cName: "TCP_FASTOPEN", codec: .int(0...Int(CInt.max), unit: ""),
                scope: .listener, inherited: false, sockets: .tcp,
                meaning: "Accept TCP Fast Open, with this many pending requests at most",
                notes: "Linux only. The kernel caps the queue at net.core.somaxconn.")
        case .deferAccept:
            OptionRow(level: .tcp, rawName: TCP_DEFER_ACCEPT, cName: "TCP_DEFER_ACCEPT",
                codec: .duration(.seconds, 1...29887, offIsZero: true), scope: .listener, inherited: false,
                sockets: .tcp, meaning: "Wake the listener only when a new connection has data",
                notes: "Linux only. Rounded up to 1, 3, 7, 15, 31, 63, 127 s, then steps of 120 s.",
                valueNote: "Linux counts it in at most 255 SYN-ACK retransmissions, 29887 s, and keeps that for anything longer")
        case .quickAck:
            OptionRow(level: .tcp, rawName: TCP_QUICKACK, cName: "TCP_QUICKACK", codec: .bool,
                inherited: false, sockets: .tcp, meaning: "Acknowledge at once instead of delaying",
                notes: "Linux only. Not permanent: the kernel may leave quick-ack mode by itself.")
        case .congestionControl:
            OptionRow(level: .tcp, rawName: TCP_CONGESTION, cName: "TCP_CONGESTION", codec: .text(interfaceName: false),
                inherited: true, sockets: .tcp, meaning: "The congestion control algorithm, by name",
                notes: "Linux only. The algorithm must be loaded; ENOENT otherwise.")
        case .windowClamp:
            OptionRow(level: .tcp, rawName: TCP_WINDOW_CLAMP, cName: "TCP_WINDOW_CLAMP",
                codec: .int(positiveInt, unit: " bytes"), inherited: true, sockets: .tcp,
                meaning: "The largest window the socket advertises",
                notes: "Linux only. Raised to at least 1152 (half the smallest receive buffer).")
        case .thinLinearTimeouts:
            OptionRow(level: .tcp, rawName: TCP_THIN_LINEAR_TIMEOUTS, cName: "TCP_THIN_LINEAR_TIMEOUTS", codec: .bool,
                inherited: true, sockets: .tcp, meaning: "Retransmit thin streams on linear timeouts",
                notes: "Linux only.")
        case .synRetries:
            OptionRow(level: .tcp, rawName: TCP_SYNCNT, cName: "TCP_SYNCNT", codec: .int(1...127, unit: ""),
                inherited: true, sockets: .tcp, meaning: "SYN retransmissions before connect gives up",
                notes: "Linux only. Unset, it reads back net.ipv4.tcp_syn_retries.")
        case .finWait2Timeout:
            OptionRow(level: .tcp, rawName: TCP_LINGER2, cName: "TCP_LINGER2", codec: .finWait2Timeout,
                inherited: true, sockets: .tcp, meaning: "How long a closed connection waits for the peer's FIN",
                notes: "Linux only. .zero is the kernel's -1: reset instead of FIN_WAIT2. Unset, it reads back net.ipv4.tcp_fin_timeout.")
        case .fastOpenConnect:
            OptionRow(level: .tcp, rawName: TCP_FASTOPEN_CONNECT, cName: "TCP_FASTOPEN_CONNECT", codec: .bool,
                inherited: true, sockets: .tcp, meaning: "Send the first data with the SYN of the next connect",
                notes: "Linux only. Before connect only (EINVAL after, and on a listener). EOPNOTSUPP unless net.ipv4.tcp_fastopen has bit 1.")
        case .udpSegmentSize:
            OptionRow(level: .udp, rawName: udpSegmentOption, cName: "UDP_SEGMENT", codec: .optionalInt(1...65535, unit: " bytes"),
                inherited: false, sockets: .ipDatagram, meaning: "Cut each datagram sent into segments of this size (GSO)",
                notes: "Linux only (4.18 and later).")
        case .udpReceiveOffload:
            OptionRow(level: .udp, rawName: udpGROOption, cName: "UDP_GRO", codec: .bool,
                inherited: false, sockets: .ipDatagram, meaning: "Receive datagrams of one flow coalesced (GRO)",
                notes: "Linux only (5.0 and later).")
        #endif
        case .timeToLive:
            OptionRow(level: .ipv4, rawName: IP_TTL, cName: "IP_TTL", codec: .int(1...255, unit: ""),
                inherited: true, sockets: .ip, meaning: "Time-to-live of outgoing IPv4 packets",
                valueNote: "Linux would take -1 as \"the default\"")
        case .typeOfService:
            OptionRow(level: .ipv4, rawName: IP_TOS, cName: "IP_TOS", codec: .int(0...255, unit: ""),
                inherited: true, sockets: .ip, meaning: "DSCP and ECN byte of outgoing IPv4 packets",
                notes: "On TCP sockets Linux keeps the two ECN bits to itself.")
        case .ipv4MulticastTimeToLive:
            OptionRow(level: .ipv4, rawName: IP_MULTICAST_TTL, cName: "IP_MULTICAST_TTL", codec: .int(0...255, unit: ""),
                inherited: false, sockets: .ipDatagram, meaning: "Time-to-live of outgoing IPv4 multicast")
        case .ipv4MulticastLoop:
            OptionRow(level: .ipv4, rawName: IP_MULTICAST_LOOP, cName: "IP_MULTICAST_LOOP", codec: .bool,
                inherited: true, sockets: .ip, meaning: "Deliver this host's IPv4 multicast to its own sockets")
        case .ipv4MulticastInterface:
            OptionRow(level: .ipv4, rawName: IP_MULTICAST_IF, cName: "IP_MULTICAST_IF", codec: .ipv4Address,
                inherited: false, sockets: .ipDatagram, meaning: "The local address that sends IPv4 multicast",
                notes: "An address that is not local fails with EADDRNOTAVAIL.")
        #if os(Linux)
        case .ipv4FreeBind:
            OptionRow(level: .ipv4, rawName: IP_FREEBIND, cName: "IP_FREEBIND", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ip, meaning: "Bind an IPv4 address that is not configured (yet)",
                notes: "Linux only.")
        case .transparent:
            OptionRow(level: .ipv4, rawName: IP_TRANSPARENT, cName: "IP_TRANSPARENT", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ip, meaning: "Bind and send from non-local addresses (transparent proxy)",
                notes: "Linux only. Needs CAP_NET_ADMIN.")
        case .bindAddressNoPort:
            OptionRow(level: .ipv4, rawName: IP_BIND_ADDRESS_NO_PORT, cName: "IP_BIND_ADDRESS_NO_PORT", codec: .bool,
                scope: .beforeBind, inherited: true, sockets: .ip,
                meaning: "Let bind with port 0 leave the port to connect", notes: "Linux only. For clients.")
        case .joinIPv4Group:
            OptionRow(level: .ipv4, rawName: IP_ADD_MEMBERSHIP, cName: "IP_ADD_MEMBERSHIP", codec: .ipv4Membership,
                canReadBack: false, sockets: .ipDatagram, meaning: "Join an IPv4 multicast group on an interface",
                notes: "Linux only. EADDRINUSE when joined already; ENODEV for an unknown interface. TCP refuses it (EPROTO).")
        case .leaveIPv4Group:
            OptionRow(level: .ipv4, rawName: IP_DROP_MEMBERSHIP, cName: "IP_DROP_MEMBERSHIP", codec: .ipv4Membership,
                canReadBack: false, sockets: .ipDatagram, meaning: "Leave an IPv4 multicast group",
                notes: "Linux only. EADDRNOTAVAIL when not a member.")
        case .joinIPv4SourceGroup:
            OptionRow(level: .ipv4, rawName: IP_ADD_SOURCE_MEMBERSHIP, cName: "IP_ADD_SOURCE_MEMBERSHIP",
                codec: .ipv4SourceMembership, canReadBack: false, sockets: .ipDatagram,
                meaning: "Join an IPv4 multicast group for one source's datagrams",
                notes: "Linux only. EADDRINUSE when the group is joined for any source already.")
        case .leaveIPv4SourceGroup:
            OptionRow(level: .ipv4, rawName: IP_DROP_SOURCE_MEMBERSHIP, cName: "IP_DROP_SOURCE_MEMBERSHIP",
                codec: .ipv4SourceMembership, canReadBack: false, sockets: .ipDatagram,
                meaning: "Leave a source-specific IPv4 membership",
                notes: "Linux only. EINVAL (not EADDRNOTAVAIL) when there is no such membership.",
                valueNote: "for this option EINVAL also means that the socket holds no such membership to leave")
        case .ipv4HeaderIncluded:
            OptionRow(level: .ipv4, rawName: IP_HDRINCL, cName: "IP_HDRINCL", codec: .bool,
                inherited: false, sockets: .ipv4Raw, meaning: "Send data that begins with its own IPv4 header",
                notes: "Linux only. Raw sockets only: TCP and UDP refuse it (ENOPROTOOPT).")
        case .ipv4MulticastAll:
            OptionRow(level: .ipv4, rawName: IP_MULTICAST_ALL, cName: "IP_MULTICAST_ALL", codec: .bool,
                inherited: true, sockets: .ip, meaning: "Receive the multicast of groups other sockets joined",
                notes: "Linux only. On by default for IPv4 sockets, off for IPv6 ones (their IPv4-mapped traffic).")
        case .receiveTypeOfService:
            OptionRow(level: .ipv4, rawName: IP_RECVTOS, cName: "IP_RECVTOS", codec: .bool,
                inherited: true, sockets: .ip, meaning: "Attach each IPv4 datagram's TOS byte to it",
                notes: "Linux only.")
        case .receiveIPv4PacketInfo:
            OptionRow(level: .ipv4, rawName: IP_PKTINFO, cName: "IP_PKTINFO", codec: .bool,
                inherited: true, sockets: .ip, meaning: "Attach each IPv4 datagram's destination and interface to it",
                notes: "Linux only.")
        case .receiveIPv4Errors:
            OptionRow(level: .ipv4, rawName: IP_RECVERR, cName: "IP_RECVERR", codec: .bool,
                inherited: true, sockets: .ip, meaning: "Queue IPv4 errors with their details (MSG_ERRQUEUE)",
                notes: "Linux only.")
        case .pathMTUDiscovery:
            OptionRow(level: .ipv4, rawName: IP_MTU_DISCOVER, cName: "IP_MTU_DISCOVER", codec: .pathMTUDiscovery,
                inherited: true, sockets: .ip, meaning: "Don't Fragment, and how the path MTU is learned",
                notes: "Linux only. perRoute (IP_PMTUDISC_WANT) unless net.ipv4.ip_no_pmtu_disc is set.")
        #endif
        case .ipv6Only:
            OptionRow(level: .ipv6, rawName: IPV6_V6ONLY, cName: "IPV6_V6ONLY", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ipv6, meaning: "Take IPv6 only, not IPv4-mapped traffic",
                notes: "Binding a specific IPv6 address (not ::) turns it on. EINVAL after bind.",
                bindChange: "binding a specific IPv6 address (not :: and not IPv4-mapped) turns IPV6_V6ONLY on")
        case .ipv6UnicastHops:
            OptionRow(level: .ipv6, rawName: IPV6_UNICAST_HOPS, cName: "IPV6_UNICAST_HOPS", codec: .int(0...255, unit: ""),
                inherited: true, sockets: .ipv6, meaning: "Hop limit of outgoing IPv6 unicast packets",
                valueNote: "Linux would take -1 as \"the route's default\"")
        case .ipv6TrafficClass:
            OptionRow(level: .ipv6, rawName: IPV6_TCLASS, cName: "IPV6_TCLASS", codec: .int(0...255, unit: ""),
                inherited: true, sockets: .ipv6, meaning: "DSCP and ECN byte of outgoing IPv6 packets",
                notes: "On TCP sockets Linux keeps the two ECN bits to itself.")
        case .ipv6MulticastHops:
            OptionRow(level: .ipv6, rawName: IPV6_MULTICAST_HOPS, cName: "IPV6_MULTICAST_HOPS",
                codec: .int(0...255, unit: ""), inherited: false, sockets: .ipv6Datagram,
                meaning: "Hop limit of outgoing IPv6 multicast")
        case .ipv6MulticastLoop:
            OptionRow(level: .ipv6, rawName: IPV6_MULTICAST_LOOP, cName: "IPV6_MULTICAST_LOOP", codec: .bool,
                inherited: true, sockets: .ipv6, meaning: "Deliver this host's IPv6 multicast to its own sockets")
        case .ipv6MulticastInterface:
            OptionRow(level: .ipv6, rawName: IPV6_MULTICAST_IF, cName: "IPV6_MULTICAST_IF",
                codec: .int(0...Int(CInt.max), unit: ""), inherited: false, sockets: .ipv6Datagram,
                meaning: "The interface, by index, that sends IPv6 multicast",
                notes: "0 lets the routing table choose; an unknown index fails with ENODEV.")
        #if os(Linux)
        case .ipv6FreeBind:
            OptionRow(level: .ipv6, rawName: IPV6_FREEBIND, cName: "IPV6_FREEBIND", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ipv6, meaning: "Bind an IPv6 address that is not configured (yet)",
                notes: "Linux only (4.15 and later).")
        case .joinIPv6Group:
            OptionRow(level: .ipv6, rawName: IPV6_ADD_MEMBERSHIP, cName: "IPV6_ADD_MEMBERSHIP", codec: .ipv6Membership,
                canReadBack: false, sockets: .ipv6Datagram, meaning: "Join an IPv6 multicast group on an interface",
                notes: "Linux only. EADDRINUSE when joined already; ENODEV for an unknown interface.")
        case .leaveIPv6Group:
            OptionRow(level: .ipv6, rawName: IPV6_DROP_MEMBERSHIP, cName: "IPV6_DROP_MEMBERSHIP", codec: .ipv6Membership,
                canReadBack: false, sockets: .ipv6Datagram, meaning: "Leave an IPv6 multicast group",
                notes: "Linux only. EADDRNOTAVAIL when not a member.")
        case .ipv6HeaderIncluded:
            OptionRow(level: .ipv6, rawName: IPV6_HDRINCL, cName: "IPV6_HDRINCL", codec: .bool,
                inherited: false, sockets: .ipv6Raw, meaning: "Send data that begins with its own IPv6 header",
                notes: "Linux only (4.5 and later). Raw sockets only: TCP and UDP refuse it (ENOPROTOOPT).")
        case .ipv6MulticastAll:
            OptionRow(level: .ipv6, rawName: IPV6_MULTICAST_ALL, cName: "IPV6_MULTICAST_ALL", codec: .bool,
                inherited: true, sockets: .ipv6, meaning: "Receive the IPv6 multicast of groups other sockets joined",
                notes: "Linux only (4.20 and later). On by default.")
        case .receiveHopLimit:
            OptionRow(level: .ipv6, rawName: IPV6_RECVHOPLIMIT, cName: "IPV6_RECVHOPLIMIT", codec: .bool,
                inherited: true, sockets: .ipv6, meaning: "Attach each IPv6 datagram's hop limit to it",
                notes: "Linux only.")
        case .receiveTrafficClass:
            OptionRow(level: .ipv6, rawName: IPV6_RECVTCLASS, cName: "IPV6_RECVTCLASS", codec: .bool,
                inherited: true, sockets: .ipv6, meaning: "Attach each IPv6 datagram's traffic class to it",
                notes: "Linux only.")
        case .ipv6Transparent:
            OptionRow(level: .ipv6, rawName: IPV6_TRANSPARENT, cName: "IPV6_TRANSPARENT", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ipv6, meaning: "Bind and send from non-local IPv6 addresses (transparent proxy)",
                notes: "Linux only. Turning it on needs CAP_NET_ADMIN or CAP_NET_RAW (EPERM).")
        case .receiveIPv6PacketInfo:
            OptionRow(level: .ipv6, rawName: IPV6_RECVPKTINFO, cName: "IPV6_RECVPKTINFO", codec: .bool,
                inherited: true, sockets: .ipv6, meaning: "Attach each IPv6 datagram's destination and interface to it",
                notes: "Linux only.")
        case .receiveIPv6Errors:
            OptionRow(level: .ipv6, rawName: IPV6_RECVERR, cName: "IPV6_RECVERR", codec: .bool,
                inherited: true, sockets: .ipv6, meaning: "Queue IPv6 errors with their details (MSG_ERRQUEUE)",
                notes: "Linux only.")
        #endif
        }
    }
}

extension ReadOnlySocketOption.Name {
    /// The row of the catalogue that describes this option.
    // swift-format-ignore
    var row: OptionRow<ReadOnlySocketOption> {
        switch self {
        case .type:
            OptionRow(level: .socket, rawName: SO_TYPE, cName: "SO_TYPE", codec: .socketType, sockets: .anySocket,
                meaning: "The socket type: stream, datagram, ...")
        case .acceptingConnections:
            OptionRow(level: .socket, rawName: SO_ACCEPTCONN, cName: "SO_ACCEPTCONN", codec: .bool, sockets: .anySocket,
                meaning: "Whether the socket is listening")
        case .pendingError:
            OptionRow(level: .socket, rawName: SO_ERROR, cName: "SO_ERROR", codec: .pendingError, sockets: .anySocket,
                meaning: "The error waiting on the socket; reading it clears it")
        #if os(Linux)
        case .domain:
            OptionRow(level: .socket, rawName: SO_DOMAIN, cName: "SO_DOMAIN", codec: .family, sockets: .anySocket,
                meaning: "The address family")
        case .transportProtocol:
            OptionRow(level: .socket, rawName: SO_PROTOCOL, cName: "SO_PROTOCOL", codec: .protocolNumber,
                sockets: .anySocket, meaning: "The transport protocol number (6 TCP, 17 UDP)")
        case .cookie:
            OptionRow(level: .socket, rawName: SO_COOKIE, cName: "SO_COOKIE", codec: .unsigned64, sockets: .anySocket,
                meaning: "The socket's number for its lifetime (ss -e prints it as sk:)")
        case .peerCredentials:
            OptionRow(level: .socket, rawName: SO_PEERCRED, cName: "SO_PEERCRED", codec: .peerCredentials,
                sockets: .anySocket, meaning: "The pid, uid and gid of the peer of a Unix-domain socket",
                notes: "nil on IP sockets, which have no peer credentials.")
        case .incomingNAPIID:
            OptionRow(level: .socket, rawName: SO_INCOMING_NAPI_ID, cName: "SO_INCOMING_NAPI_ID",
                codec: .optionalInt(1...Int(UInt32.max), unit: ""), sockets: .anySocket,
                meaning: "The device receive queue (NAPI id) of the last packet received",
                notes: "nil before any packet, and over loopback, which has no NAPI.")
        case .originalDestination:
            OptionRow(level: .ipv4, rawName: originalDestinationOption, cName: "SO_ORIGINAL_DST",
                codec: .ipv4SocketAddress, sockets: .tcp,
                meaning: "The destination before a NAT rule redirected the connection here",
                notes: "ENOENT when no rule redirected it; ENOPROTOOPT without connection tracking.")
        case .pathMTU:
            OptionRow(level: .ipv4, rawName: IP_MTU, cName: "IP_MTU", codec: .int(0...Int(CInt.max), unit: " bytes"),
                sockets: .ip, meaning: "The path MTU to a connected socket's peer",
                notes: "ENOTCONN on a socket that is not connected. Over loopback, lo's MTU (at most 65535 for IPv4).")
        #endif
        }
    }
}
