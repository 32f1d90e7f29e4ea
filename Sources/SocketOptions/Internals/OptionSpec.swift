// SocketOptions: every option described once, as data: its C level and number, its kind of value
// and range, when it may be set, which sockets have it, whether accepted connections inherit it.
// Checks, encoding, error messages, the options guide and `sockopt-demo options` all read this.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The kinds of socket that have an option, as two small bit sets so that an option's
/// description stays free of reference counting on the hot path.
struct Applicability: Hashable, Sendable, CustomStringConvertible {
    /// Bits: 1 IPv4, 2 IPv6, 4 Unix; 0 for any family.
    let families: UInt8
    /// Bits: 1 stream, 2 datagram; 0 for any type.
    let types: UInt8

    static let anySocket = Applicability(families: 0, types: 0)
    static let ip = Applicability(families: 0b011, types: 0)
    static let tcp = Applicability(families: 0b011, types: 0b01)
    static let ipDatagram = Applicability(families: 0b011, types: 0b10)
    static let ipv6 = Applicability(families: 0b010, types: 0)
    static let ipv6Datagram = Applicability(families: 0b010, types: 0b10)
    static let unix = Applicability(families: 0b100, types: 0)

    var description: String {
        switch self {
        case .anySocket: "any socket"
        case .ip: "IPv4 and IPv6 sockets"
        case .tcp: "TCP sockets"
        case .ipDatagram: "UDP sockets (IPv4 and IPv6)"
        case .ipv6: "IPv6 sockets"
        case .ipv6Datagram: "IPv6 UDP sockets"
        case .unix: "Unix-domain sockets"
        default: "some sockets"
        }
    }

    func allows(_ kind: SocketKind) -> Bool {
        let family: UInt8
        switch kind.family {
        case .ipv4: family = 0b001
        case .ipv6: family = 0b010
        case .unix: family = 0b100
        case .other: family = 0b1000
        }
        let type: UInt8
        switch kind.type {
        case .stream: type = 0b01
        case .datagram: type = 0b10
        default: type = 0b100
        }
        return (families == 0 || families & family != 0) && (types == 0 || types & type != 0)
    }
}

/// Strings are StaticString so that the description is a plain value: looking it up on the path
/// of every setsockopt and getsockopt costs no reference counting.
struct OptionSpec {
    enum Scope {
        /// Any time.
        case any
        /// Before bind: it changes what bind does.
        case beforeBind
        /// On a listening socket only.
        case listener
    }

    let level: SocketOption.Level
    let rawName: CInt
    let cName: StaticString
    let kind: ValueKind
    var scope: Scope = .any
    /// Whether an accepted connection reads back the listener's value (checked by a test).
    var inherited: Bool
    var appliesTo: Applicability
    let meaning: StaticString
    var notes: StaticString = ""
    /// Appended to the reason of a refused value.
    var valueNote: StaticString? = nil

    var rawLevel: CInt {
        switch level {
        case .socket: SOL_SOCKET
        case .tcp: CInt(IPPROTO_TCP)
        case .ipv4: CInt(IPPROTO_IP)
        case .ipv6: CInt(IPPROTO_IPV6)
        }
    }
}

private let positiveInt = 1...Int(CInt.max)
private let keepAliveSeconds = Int64(1)...Int64(32767)

extension SocketOption.Name {
    // swift-format-ignore
    var spec: OptionSpec {
        switch self {
        case .reuseAddress:
            OptionSpec(level: .socket, rawName: SO_REUSEADDR, cName: "SO_REUSEADDR", kind: .bool, scope: .beforeBind,
                inherited: true, appliesTo: .anySocket,
                meaning: "Bind a port that an earlier listener's connections still hold in TIME_WAIT")
        case .reusePort:
            OptionSpec(level: .socket, rawName: SO_REUSEPORT, cName: "SO_REUSEPORT", kind: .bool, scope: .beforeBind,
                inherited: true, appliesTo: .ip,
                meaning: "Let several sockets of one user share a port; the kernel balances between them",
                notes: "Every socket of the group must set it. Unix-domain sockets refuse it (EOPNOTSUPP).")
        case .keepAlive:
            OptionSpec(level: .socket, rawName: SO_KEEPALIVE, cName: "SO_KEEPALIVE", kind: .bool,
                inherited: true, appliesTo: .anySocket, meaning: "Send keepalive probes on idle connections")
        case .broadcast:
            OptionSpec(level: .socket, rawName: SO_BROADCAST, cName: "SO_BROADCAST", kind: .bool,
                inherited: true, appliesTo: .anySocket, meaning: "Allow datagrams to broadcast addresses")
        case .outOfBandInline:
            OptionSpec(level: .socket, rawName: SO_OOBINLINE, cName: "SO_OOBINLINE", kind: .bool,
                inherited: true, appliesTo: .anySocket, meaning: "Deliver urgent data in the normal data stream")
        case .receiveBufferSize:
            OptionSpec(level: .socket, rawName: SO_RCVBUF, cName: "SO_RCVBUF", kind: .int(positiveInt, unit: " bytes"),
                inherited: true, appliesTo: .anySocket, meaning: "Receive buffer size",
                notes: "Linux keeps twice the value, at least 2304, at most twice net.core.rmem_max.",
                valueNote: "the kernel would raise 0 to its minimum and take a negative size as its maximum, without a word")
        case .sendBufferSize:
            OptionSpec(level: .socket, rawName: SO_SNDBUF, cName: "SO_SNDBUF", kind: .int(positiveInt, unit: " bytes"),
                inherited: true, appliesTo: .anySocket, meaning: "Send buffer size",
                notes: "Linux keeps twice the value, at least 4608, at most twice net.core.wmem_max.",
                valueNote: "the kernel would raise 0 to its minimum and take a negative size as its maximum, without a word")
        case .receiveLowWatermark:
            OptionSpec(level: .socket, rawName: SO_RCVLOWAT, cName: "SO_RCVLOWAT",
                kind: .int(positiveInt, unit: " bytes"), inherited: true, appliesTo: .anySocket,
                meaning: "Bytes that must be waiting before a read returns",
                valueNote: "Linux would take 0 as 1 and a negative value as its maximum")
        #if canImport(Darwin)
        case .sendLowWatermark:
            OptionSpec(level: .socket, rawName: SO_SNDLOWAT, cName: "SO_SNDLOWAT",
                kind: .int(positiveInt, unit: " bytes"), inherited: true, appliesTo: .anySocket,
                meaning: "Free send-buffer space needed before a write is accepted",
                notes: "Darwin only: Linux cannot change it.")
        #endif
        case .linger:
            #if canImport(Darwin)
            OptionSpec(level: .socket, rawName: SO_LINGER_SEC, cName: "SO_LINGER_SEC", kind: .linger,
                inherited: true, appliesTo: .anySocket, meaning: "How long close waits to send unsent data",
                notes: "Darwin's SO_LINGER counts clock ticks; SO_LINGER_SEC counts seconds.")
            #else
            OptionSpec(level: .socket, rawName: SO_LINGER, cName: "SO_LINGER", kind: .linger,
                inherited: true, appliesTo: .anySocket, meaning: "How long close waits to send unsent data",
                notes: "Off reads back as nil, although Linux keeps the old time. .zero resets the connection on close.")
            #endif
        case .receiveTimeout:
            OptionSpec(level: .socket, rawName: SO_RCVTIMEO, cName: "SO_RCVTIMEO", kind: .timeout,
                inherited: true, appliesTo: .anySocket, meaning: "How long a blocking receive or accept waits",
                notes: "Linux rounds it up to its clock tick (4 ms at HZ=250).")
        case .sendTimeout:
            OptionSpec(level: .socket, rawName: SO_SNDTIMEO, cName: "SO_SNDTIMEO", kind: .timeout,
                inherited: true, appliesTo: .anySocket, meaning: "How long a blocking send waits",
                notes: "Linux rounds it up to its clock tick.")
        case .timestamps:
            OptionSpec(level: .socket, rawName: SO_TIMESTAMP, cName: "SO_TIMESTAMP", kind: .bool,
                inherited: true, appliesTo: .anySocket, meaning: "Attach the receive time to each message")
        #if os(Linux)
        case .bindToDevice:
            OptionSpec(level: .socket, rawName: SO_BINDTODEVICE, cName: "SO_BINDTODEVICE", kind: .text(interfaceName: true),
                scope: .beforeBind, inherited: true, appliesTo: .anySocket,
                meaning: "Send and receive through one network interface only",
                notes: "Linux only. Changing a binding already made needs CAP_NET_RAW (Linux 5.7+; before, any setting did): a first setting does not.")
        case .mark:
            OptionSpec(level: .socket, rawName: SO_MARK, cName: "SO_MARK", kind: .unsigned32,
                inherited: true, appliesTo: .anySocket, meaning: "A mark for policy routing and packet filters",
                notes: "Linux only. Needs CAP_NET_ADMIN.")
        case .priority:
            OptionSpec(level: .socket, rawName: SO_PRIORITY, cName: "SO_PRIORITY", kind: .int(0...Int(CInt.max), unit: ""),
                inherited: false, appliesTo: .anySocket, meaning: "Queueing priority of the socket's packets",
                notes: "Linux only. Values above 6 need CAP_NET_ADMIN. Accepted connections start at 0.")
        case .busyPoll:
            OptionSpec(level: .socket, rawName: SO_BUSY_POLL, cName: "SO_BUSY_POLL",
                kind: .duration(.microseconds, 1...Int64(CInt.max), offIsZero: true),
                inherited: true, appliesTo: .anySocket, meaning: "Busy-poll the device queue before sleeping in a receive",
                notes: "Linux only. Above net.core.busy_poll needs CAP_NET_ADMIN.")
        case .incomingCPU:
            OptionSpec(level: .socket, rawName: SO_INCOMING_CPU, cName: "SO_INCOMING_CPU", kind: .int(0...Int(CInt.max), unit: ""),
                inherited: false, appliesTo: .anySocket, meaning: "The CPU whose receive queue the socket prefers",
                notes: "Linux only. -1 (the default) reads back until a CPU is set or traffic arrives.")
        case .zeroCopy:
            OptionSpec(level: .socket, rawName: SO_ZEROCOPY, cName: "SO_ZEROCOPY", kind: .bool,
                inherited: true, appliesTo: .ip, meaning: "Allow send with MSG_ZEROCOPY",
                notes: "Linux only.")
        case .passCredentials:
            OptionSpec(level: .socket, rawName: SO_PASSCRED, cName: "SO_PASSCRED", kind: .bool,
                inherited: true, appliesTo: .unix, meaning: "Receive the sender's pid, uid and gid with each message",
                notes: "Linux only. IP sockets refuse it (EOPNOTSUPP).")
        #endif
        case .noDelay:
            OptionSpec(level: .tcp, rawName: TCP_NODELAY, cName: "TCP_NODELAY", kind: .bool,
                inherited: true, appliesTo: .tcp, meaning: "Send small segments at once (Nagle's algorithm off)")
        case .maxSegment:
            OptionSpec(level: .tcp, rawName: TCP_MAXSEG, cName: "TCP_MAXSEG", kind: .int(88...32767, unit: " bytes"),
                inherited: false, appliesTo: .tcp, meaning: "The largest segment the socket sends",
                notes: "Set before listen or connect. A connection reads back the negotiated size instead.")
        case .keepAliveIdle:
            #if canImport(Darwin)
            OptionSpec(level: .tcp, rawName: TCP_KEEPALIVE, cName: "TCP_KEEPALIVE",
                kind: .duration(.seconds, keepAliveSeconds, offIsZero: false), inherited: true, appliesTo: .tcp,
                meaning: "Idle time before the first keepalive probe", notes: "Darwin spells it TCP_KEEPALIVE.")
            #else
            OptionSpec(level: .tcp, rawName: TCP_KEEPIDLE, cName: "TCP_KEEPIDLE",
                kind: .duration(.seconds, keepAliveSeconds, offIsZero: false), inherited: true, appliesTo: .tcp,
                meaning: "Idle time before the first keepalive probe", notes: "Darwin spells it TCP_KEEPALIVE.")
            #endif
        case .keepAliveInterval:
            OptionSpec(level: .tcp, rawName: TCP_KEEPINTVL, cName: "TCP_KEEPINTVL",
                kind: .duration(.seconds, keepAliveSeconds, offIsZero: false), inherited: true, appliesTo: .tcp,
                meaning: "Time between keepalive probes")
        case .keepAliveCount:
            OptionSpec(level: .tcp, rawName: TCP_KEEPCNT, cName: "TCP_KEEPCNT", kind: .int(1...127, unit: ""),
                inherited: true, appliesTo: .tcp, meaning: "Unanswered keepalive probes before the connection is dropped")
        case .notSentLowWatermark:
            OptionSpec(level: .tcp, rawName: CInt(TCP_NOTSENT_LOWAT), cName: "TCP_NOTSENT_LOWAT",
                kind: .int(positiveInt, unit: " bytes"), inherited: true, appliesTo: .tcp,
                meaning: "Unsent bytes allowed before the socket stops reporting itself writable")
        case .cork:
            #if canImport(Darwin)
            OptionSpec(level: .tcp, rawName: TCP_NOPUSH, cName: "TCP_NOPUSH", kind: .bool, inherited: true,
                appliesTo: .tcp, meaning: "Hold back partial segments until uncorked", notes: "Linux spells it TCP_CORK.")
            #else
            OptionSpec(level: .tcp, rawName: TCP_CORK, cName: "TCP_CORK", kind: .bool, inherited: true,
                appliesTo: .tcp, meaning: "Hold back partial segments until uncorked", notes: "Darwin spells it TCP_NOPUSH.")
            #endif
        #if os(Linux)
        case .userTimeout:
            OptionSpec(level: .tcp, rawName: TCP_USER_TIMEOUT, cName: "TCP_USER_TIMEOUT",
                kind: .duration(.milliseconds, 1...Int64(CInt.max), offIsZero: true), inherited: true, appliesTo: .tcp,
                meaning: "How long sent data may stay unacknowledged before the connection is dropped",
                notes: "Linux only.")
        case .fastOpen:
            OptionSpec(level: .tcp, rawName: TCP_FASTOPEN, cName: "TCP_FASTOPEN", kind: .int(0...Int(CInt.max), unit: ""),
                scope: .listener, inherited: false, appliesTo: .tcp,
                meaning: "Accept TCP Fast Open, with this many pending requests at most",
                notes: "Linux only. The kernel caps the queue at net.core.somaxconn.")
        case .deferAccept:
            OptionSpec(level: .tcp, rawName: TCP_DEFER_ACCEPT, cName: "TCP_DEFER_ACCEPT",
                kind: .duration(.seconds, 1...29887, offIsZero: true), scope: .listener, inherited: false,
                appliesTo: .tcp, meaning: "Wake the listener only when a new connection has data",
                notes: "Linux only. Rounded up to 1, 3, 7, 15, 31, 63, 127 s, then steps of 120 s.",
                valueNote: "Linux counts it in at most 255 SYN-ACK retransmissions, 29887 s, and keeps that for anything longer")
        case .quickAck:
            OptionSpec(level: .tcp, rawName: TCP_QUICKACK, cName: "TCP_QUICKACK", kind: .bool,
                inherited: false, appliesTo: .tcp, meaning: "Acknowledge at once instead of delaying",
                notes: "Linux only. Not permanent: the kernel may leave quick-ack mode by itself.")
        case .congestionControl:
            OptionSpec(level: .tcp, rawName: TCP_CONGESTION, cName: "TCP_CONGESTION", kind: .text(interfaceName: false),
                inherited: true, appliesTo: .tcp, meaning: "The congestion control algorithm, by name",
                notes: "Linux only. The algorithm must be loaded; ENOENT otherwise.")
        case .windowClamp:
            OptionSpec(level: .tcp, rawName: TCP_WINDOW_CLAMP, cName: "TCP_WINDOW_CLAMP",
                kind: .int(positiveInt, unit: " bytes"), inherited: true, appliesTo: .tcp,
                meaning: "The largest window the socket advertises",
                notes: "Linux only. Raised to at least 1152 (half the smallest receive buffer).")
        #endif
        case .timeToLive:
            OptionSpec(level: .ipv4, rawName: IP_TTL, cName: "IP_TTL", kind: .int(1...255, unit: ""),
                inherited: true, appliesTo: .ip, meaning: "Time-to-live of outgoing IPv4 packets",
                valueNote: "Linux would take -1 as \"the default\"")
        case .typeOfService:
            OptionSpec(level: .ipv4, rawName: IP_TOS, cName: "IP_TOS", kind: .int(0...255, unit: ""),
                inherited: true, appliesTo: .ip, meaning: "DSCP and ECN byte of outgoing IPv4 packets",
                notes: "On TCP sockets Linux keeps the two ECN bits to itself.")
        case .ipv4MulticastTimeToLive:
            OptionSpec(level: .ipv4, rawName: IP_MULTICAST_TTL, cName: "IP_MULTICAST_TTL", kind: .int(0...255, unit: ""),
                inherited: false, appliesTo: .ipDatagram, meaning: "Time-to-live of outgoing IPv4 multicast")
        case .ipv4MulticastLoop:
            OptionSpec(level: .ipv4, rawName: IP_MULTICAST_LOOP, cName: "IP_MULTICAST_LOOP", kind: .bool,
                inherited: true, appliesTo: .ip, meaning: "Deliver this host's IPv4 multicast to its own sockets")
        case .ipv4MulticastInterface:
            OptionSpec(level: .ipv4, rawName: IP_MULTICAST_IF, cName: "IP_MULTICAST_IF", kind: .ipv4Address,
                inherited: false, appliesTo: .ipDatagram, meaning: "The local address that sends IPv4 multicast",
                notes: "An address that is not local fails with EADDRNOTAVAIL.")
        #if os(Linux)
        case .ipv4FreeBind:
            OptionSpec(level: .ipv4, rawName: IP_FREEBIND, cName: "IP_FREEBIND", kind: .bool, scope: .beforeBind,
                inherited: true, appliesTo: .ip, meaning: "Bind an IPv4 address that is not configured (yet)",
                notes: "Linux only.")
        case .transparent:
            OptionSpec(level: .ipv4, rawName: IP_TRANSPARENT, cName: "IP_TRANSPARENT", kind: .bool, scope: .beforeBind,
                inherited: true, appliesTo: .ip, meaning: "Bind and send from non-local addresses (transparent proxy)",
                notes: "Linux only. Needs CAP_NET_ADMIN.")
        case .bindAddressNoPort:
            OptionSpec(level: .ipv4, rawName: IP_BIND_ADDRESS_NO_PORT, cName: "IP_BIND_ADDRESS_NO_PORT", kind: .bool,
                scope: .beforeBind, inherited: true, appliesTo: .ip,
                meaning: "Let bind with port 0 leave the port to connect", notes: "Linux only. For clients.")
        #endif
        case .ipv6Only:
            OptionSpec(level: .ipv6, rawName: IPV6_V6ONLY, cName: "IPV6_V6ONLY", kind: .bool, scope: .beforeBind,
                inherited: true, appliesTo: .ipv6, meaning: "Take IPv6 only, not IPv4-mapped traffic",
                notes: "Binding a specific IPv6 address (not ::) turns it on. EINVAL after bind.")
        case .ipv6UnicastHops:
            OptionSpec(level: .ipv6, rawName: IPV6_UNICAST_HOPS, cName: "IPV6_UNICAST_HOPS", kind: .int(0...255, unit: ""),
                inherited: true, appliesTo: .ipv6, meaning: "Hop limit of outgoing IPv6 unicast packets",
                valueNote: "Linux would take -1 as \"the route's default\"")
        case .ipv6TrafficClass:
            OptionSpec(level: .ipv6, rawName: IPV6_TCLASS, cName: "IPV6_TCLASS", kind: .int(0...255, unit: ""),
                inherited: true, appliesTo: .ipv6, meaning: "DSCP and ECN byte of outgoing IPv6 packets",
                notes: "On TCP sockets Linux keeps the two ECN bits to itself.")
        case .ipv6MulticastHops:
            OptionSpec(level: .ipv6, rawName: IPV6_MULTICAST_HOPS, cName: "IPV6_MULTICAST_HOPS",
                kind: .int(0...255, unit: ""), inherited: false, appliesTo: .ipv6Datagram,
                meaning: "Hop limit of outgoing IPv6 multicast")
        case .ipv6MulticastLoop:
            OptionSpec(level: .ipv6, rawName: IPV6_MULTICAST_LOOP, cName: "IPV6_MULTICAST_LOOP", kind: .bool,
                inherited: true, appliesTo: .ipv6, meaning: "Deliver this host's IPv6 multicast to its own sockets")
        case .ipv6MulticastInterface:
            OptionSpec(level: .ipv6, rawName: IPV6_MULTICAST_IF, cName: "IPV6_MULTICAST_IF",
                kind: .int(0...Int(CInt.max), unit: ""), inherited: false, appliesTo: .ipv6Datagram,
                meaning: "The interface, by index, that sends IPv6 multicast",
                notes: "0 lets the routing table choose; an unknown index fails with ENODEV.")
        #if os(Linux)
        case .ipv6FreeBind:
            OptionSpec(level: .ipv6, rawName: IPV6_FREEBIND, cName: "IPV6_FREEBIND", kind: .bool, scope: .beforeBind,
                inherited: true, appliesTo: .ipv6, meaning: "Bind an IPv6 address that is not configured (yet)",
                notes: "Linux only (4.15 and later).")
        #endif
        }
    }

    var rawLevel: CInt { spec.rawLevel }
    var rawName: CInt { spec.rawName }

    /// The option with this C level and number, if the package names it.
    init?(level: CInt, name: CInt) {
        guard let found = Self.allCases.first(where: { $0.rawLevel == level && $0.rawName == name }) else { return nil }
        self = found
    }
}
