// SocketOptions: the catalogue. Every option is described here once, as one row: its C level and
// name, its codec and range, when it may be set, whether the kernel reports it back, which sockets
// have it, whether accepted connections inherit it, and its prose. Checks, setsockopt and
// getsockopt, readback, errors, snapshots, option text, the options guide
// (Documentation/Options.md) and `sockopt-demo options` all read these rows.
//
// Adding an option: its case with its doc comment (SocketOption.swift, or ReadOnlySocketOption.swift
// for one the kernel only reports), then in this file, next to its neighbours:
//   - its name in `Name` (the list that CaseIterable walks),
//   - its row in `Name.row`,
//   - its typed key, one line in `extension SocketOption.Key`,
//   - its line in `entry`, the one switch that takes a case apart: Swift has no other way to get
//     from an enum case with an associated value to its name and its value;
// and the tests that read it back. No other file changes. A new kind of value is a case of
// OptionCodec (Internals/OptionCodec.swift); a new level, a case of SocketOption.Level.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SocketOption {
    /// The name of an option, without a value: the key to read an option back with
    /// ``ListeningSocket/option(_:)->SocketOption``, and a description of the option as data.
    ///
    /// ```swift
    /// let name = SocketOption.Name.receiveBufferSize
    /// name.cName             // "SO_RCVBUF"
    /// name.level             // .socket
    /// name.validValues       // "1...2147483647 bytes"
    /// name.mustPrecedeBind   // false
    /// ```
    public enum Name: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
        /// `SO_REUSEADDR`; see ``SocketOption/reuseAddress(_:)``.
        case reuseAddress
        /// `SO_REUSEPORT`; see ``SocketOption/reusePort(_:)``.
        case reusePort
        /// `SO_KEEPALIVE`; see ``SocketOption/keepAlive(_:)``.
        case keepAlive
        /// `SO_BROADCAST`; see ``SocketOption/broadcast(_:)``.
        case broadcast
        /// `SO_OOBINLINE`; see ``SocketOption/outOfBandInline(_:)``.
        case outOfBandInline
        /// `SO_RCVBUF`; see ``SocketOption/receiveBufferSize(_:)``.
        case receiveBufferSize
        /// `SO_SNDBUF`; see ``SocketOption/sendBufferSize(_:)``.
        case sendBufferSize
        /// `SO_RCVLOWAT`; see ``SocketOption/receiveLowWatermark(_:)``.
        case receiveLowWatermark
        #if canImport(Darwin)
        /// `SO_SNDLOWAT`; see ``SocketOption/sendLowWatermark(_:)``.
        case sendLowWatermark
        #endif
        /// `SO_LINGER`; see ``SocketOption/linger(_:)``.
        case linger
        /// `SO_RCVTIMEO`; see ``SocketOption/receiveTimeout(_:)``.
        case receiveTimeout
        /// `SO_SNDTIMEO`; see ``SocketOption/sendTimeout(_:)``.
        case sendTimeout
        /// `SO_TIMESTAMP`; see ``SocketOption/timestamps(_:)``.
        case timestamps
        #if os(Linux)
        /// `SO_BINDTODEVICE`; see ``SocketOption/bindToDevice(_:)``.
        case bindToDevice
        /// `SO_MARK`; see ``SocketOption/mark(_:)``.
        case mark
        /// `SO_PRIORITY`; see ``SocketOption/priority(_:)``.
        case priority
        /// `SO_BUSY_POLL`; see ``SocketOption/busyPoll(_:)``.
        case busyPoll
        /// `SO_INCOMING_CPU`; see ``SocketOption/incomingCPU(_:)``.
        case incomingCPU
        /// `SO_ZEROCOPY`; see ``SocketOption/zeroCopy(_:)``.
        case zeroCopy
        /// `SO_PASSCRED`; see ``SocketOption/passCredentials(_:)``.
        case passCredentials
        #endif
        /// `TCP_NODELAY`; see ``SocketOption/noDelay(_:)``.
        case noDelay
        /// `TCP_MAXSEG`; see ``SocketOption/maxSegment(_:)``.
        case maxSegment
        /// `TCP_KEEPIDLE`; see ``SocketOption/keepAliveIdle(_:)``.
        case keepAliveIdle
        /// `TCP_KEEPINTVL`; see ``SocketOption/keepAliveInterval(_:)``.
        case keepAliveInterval
        /// `TCP_KEEPCNT`; see ``SocketOption/keepAliveCount(_:)``.
        case keepAliveCount
        /// `TCP_NOTSENT_LOWAT`; see ``SocketOption/notSentLowWatermark(_:)``.
        case notSentLowWatermark
        /// `TCP_CORK`; see ``SocketOption/cork(_:)``.
        case cork
        #if os(Linux)
        /// `TCP_USER_TIMEOUT`; see ``SocketOption/userTimeout(_:)``.
        case userTimeout
        /// `TCP_FASTOPEN`; see ``SocketOption/fastOpen(_:)``.
        case fastOpen
        /// `TCP_DEFER_ACCEPT`; see ``SocketOption/deferAccept(_:)``.
        case deferAccept
        /// `TCP_QUICKACK`; see ``SocketOption/quickAck(_:)``.
        case quickAck
        /// `TCP_CONGESTION`; see ``SocketOption/congestionControl(_:)``.
        case congestionControl
        /// `TCP_WINDOW_CLAMP`; see ``SocketOption/windowClamp(_:)``.
        case windowClamp
        #endif
        /// `IP_TTL`; see ``SocketOption/timeToLive(_:)``.
        case timeToLive
        /// `IP_TOS`; see ``SocketOption/typeOfService(_:)``.
        case typeOfService
        /// `IP_MULTICAST_TTL`; see ``SocketOption/ipv4MulticastTimeToLive(_:)``.
        case ipv4MulticastTimeToLive
        /// `IP_MULTICAST_LOOP`; see ``SocketOption/ipv4MulticastLoop(_:)``.
        case ipv4MulticastLoop
        /// `IP_MULTICAST_IF`; see ``SocketOption/ipv4MulticastInterface(_:)``.
        case ipv4MulticastInterface
        #if os(Linux)
        /// `IP_FREEBIND`; see ``SocketOption/ipv4FreeBind(_:)``.
        case ipv4FreeBind
        /// `IP_TRANSPARENT`; see ``SocketOption/transparent(_:)``.
        case transparent
        /// `IP_BIND_ADDRESS_NO_PORT`; see ``SocketOption/bindAddressNoPort(_:)``.
        case bindAddressNoPort
        #endif
        /// `IPV6_V6ONLY`; see ``SocketOption/ipv6Only(_:)``.
        case ipv6Only
        /// `IPV6_UNICAST_HOPS`; see ``SocketOption/ipv6UnicastHops(_:)``.
        case ipv6UnicastHops
        /// `IPV6_TCLASS`; see ``SocketOption/ipv6TrafficClass(_:)``.
        case ipv6TrafficClass
        /// `IPV6_MULTICAST_HOPS`; see ``SocketOption/ipv6MulticastHops(_:)``.
        case ipv6MulticastHops
        /// `IPV6_MULTICAST_LOOP`; see ``SocketOption/ipv6MulticastLoop(_:)``.
        case ipv6MulticastLoop
        /// `IPV6_MULTICAST_IF`; see ``SocketOption/ipv6MulticastInterface(_:)``.
        case ipv6MulticastInterface
        #if os(Linux)
        /// `IPV6_FREEBIND`; see ``SocketOption/ipv6FreeBind(_:)``.
        case ipv6FreeBind
        #endif
    }

    /// Which option this is and its value without its case. Swift cannot list the cases of an enum
    /// with associated values, so this switch is where each case meets its row: one line per option.
    /// Inlined, so that where only the name is used (`name`, on the path of every set and of every
    /// listener's setup) the switch becomes a look-up of the case, without building the value.
    @inline(__always)
    var entry: (name: Name, value: OptionCodec.SwiftValue) {
        switch self {
        case .reuseAddress(let value): (.reuseAddress, .bool(value))
        case .reusePort(let value): (.reusePort, .bool(value))
        case .keepAlive(let value): (.keepAlive, .bool(value))
        case .broadcast(let value): (.broadcast, .bool(value))
        case .outOfBandInline(let value): (.outOfBandInline, .bool(value))
        case .receiveBufferSize(let value): (.receiveBufferSize, .int(value))
        case .sendBufferSize(let value): (.sendBufferSize, .int(value))
        case .receiveLowWatermark(let value): (.receiveLowWatermark, .int(value))
        #if canImport(Darwin)
        case .sendLowWatermark(let value): (.sendLowWatermark, .int(value))
        #endif
        case .linger(let value): (.linger, .duration(value))
        case .receiveTimeout(let value): (.receiveTimeout, .duration(value))
        case .sendTimeout(let value): (.sendTimeout, .duration(value))
        case .timestamps(let value): (.timestamps, .bool(value))
        #if os(Linux)
        case .bindToDevice(let value): (.bindToDevice, .text(value))
        case .mark(let value): (.mark, .int(Int(value)))
        case .priority(let value): (.priority, .int(value))
        case .busyPoll(let value): (.busyPoll, .duration(value))
        case .incomingCPU(let value): (.incomingCPU, .int(value))
        case .zeroCopy(let value): (.zeroCopy, .bool(value))
        case .passCredentials(let value): (.passCredentials, .bool(value))
        #endif
        case .noDelay(let value): (.noDelay, .bool(value))
        case .maxSegment(let value): (.maxSegment, .int(value))
        case .keepAliveIdle(let value): (.keepAliveIdle, .duration(value))
        case .keepAliveInterval(let value): (.keepAliveInterval, .duration(value))
        case .keepAliveCount(let value): (.keepAliveCount, .int(value))
        case .notSentLowWatermark(let value): (.notSentLowWatermark, .int(value))
        case .cork(let value): (.cork, .bool(value))
        #if os(Linux)
        case .userTimeout(let value): (.userTimeout, .duration(value))
        case .fastOpen(let value): (.fastOpen, .int(value))
        case .deferAccept(let value): (.deferAccept, .duration(value))
        case .quickAck(let value): (.quickAck, .bool(value))
        case .congestionControl(let value): (.congestionControl, .text(value))
        case .windowClamp(let value): (.windowClamp, .int(value))
        #endif
        case .timeToLive(let value): (.timeToLive, .int(value))
        case .typeOfService(let value): (.typeOfService, .int(value))
        case .ipv4MulticastTimeToLive(let value): (.ipv4MulticastTimeToLive, .int(value))
        case .ipv4MulticastLoop(let value): (.ipv4MulticastLoop, .bool(value))
        case .ipv4MulticastInterface(let value): (.ipv4MulticastInterface, .ipv4(value))
        #if os(Linux)
        case .ipv4FreeBind(let value): (.ipv4FreeBind, .bool(value))
        case .transparent(let value): (.transparent, .bool(value))
        case .bindAddressNoPort(let value): (.bindAddressNoPort, .bool(value))
        #endif
        case .ipv6Only(let value): (.ipv6Only, .bool(value))
        case .ipv6UnicastHops(let value): (.ipv6UnicastHops, .int(value))
        case .ipv6TrafficClass(let value): (.ipv6TrafficClass, .int(value))
        case .ipv6MulticastHops(let value): (.ipv6MulticastHops, .int(value))
        case .ipv6MulticastLoop(let value): (.ipv6MulticastLoop, .bool(value))
        case .ipv6MulticastInterface(let value): (.ipv6MulticastInterface, .int(value))
        #if os(Linux)
        case .ipv6FreeBind(let value): (.ipv6FreeBind, .bool(value))
        #endif
        }
    }
}

private let positiveInt = 1...Int(CInt.max)
private let keepAliveSeconds = Int64(1)...Int64(32767)

extension SocketOption.Name {
    /// The row of the catalogue that describes this option.
    // swift-format-ignore
    var row: OptionRow<SocketOption> {
        switch self {
        case .reuseAddress:
            OptionRow(level: .socket, rawName: SO_REUSEADDR, cName: "SO_REUSEADDR", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .anySocket,
                meaning: "Bind a port that an earlier listener's connections still hold in TIME_WAIT",
                make: { .reuseAddress($0.bool) })
        case .reusePort:
            OptionRow(level: .socket, rawName: SO_REUSEPORT, cName: "SO_REUSEPORT", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ip,
                meaning: "Let several sockets of one user share a port; the kernel balances between them",
                notes: "Every socket of the group must set it. Unix-domain sockets refuse it (EOPNOTSUPP).",
                make: { .reusePort($0.bool) })
        case .keepAlive:
            OptionRow(level: .socket, rawName: SO_KEEPALIVE, cName: "SO_KEEPALIVE", codec: .bool,
                inherited: true, sockets: .anySocket, meaning: "Send keepalive probes on idle connections",
                make: { .keepAlive($0.bool) })
        case .broadcast:
            OptionRow(level: .socket, rawName: SO_BROADCAST, cName: "SO_BROADCAST", codec: .bool,
                inherited: true, sockets: .anySocket, meaning: "Allow datagrams to broadcast addresses",
                make: { .broadcast($0.bool) })
        case .outOfBandInline:
            OptionRow(level: .socket, rawName: SO_OOBINLINE, cName: "SO_OOBINLINE", codec: .bool,
                inherited: true, sockets: .anySocket, meaning: "Deliver urgent data in the normal data stream",
                make: { .outOfBandInline($0.bool) })
        case .receiveBufferSize:
            OptionRow(level: .socket, rawName: SO_RCVBUF, cName: "SO_RCVBUF", codec: .int(positiveInt, unit: " bytes"),
                inherited: true, sockets: .anySocket, meaning: "Receive buffer size",
                notes: "Linux keeps twice the value, at least 2304, at most twice net.core.rmem_max.",
                valueNote: "the kernel would raise 0 to its minimum and take a negative size as its maximum, without a word",
                make: { .receiveBufferSize($0.int) })
        case .sendBufferSize:
            OptionRow(level: .socket, rawName: SO_SNDBUF, cName: "SO_SNDBUF", codec: .int(positiveInt, unit: " bytes"),
                inherited: true, sockets: .anySocket, meaning: "Send buffer size",
                notes: "Linux keeps twice the value, at least 4608, at most twice net.core.wmem_max.",
                valueNote: "the kernel would raise 0 to its minimum and take a negative size as its maximum, without a word",
                make: { .sendBufferSize($0.int) })
        case .receiveLowWatermark:
            OptionRow(level: .socket, rawName: SO_RCVLOWAT, cName: "SO_RCVLOWAT",
                codec: .int(positiveInt, unit: " bytes"), inherited: true, sockets: .anySocket,
                meaning: "Bytes that must be waiting before a read returns",
                valueNote: "Linux would take 0 as 1 and a negative value as its maximum",
                make: { .receiveLowWatermark($0.int) })
        #if canImport(Darwin)
        case .sendLowWatermark:
            OptionRow(level: .socket, rawName: SO_SNDLOWAT, cName: "SO_SNDLOWAT",
                codec: .int(positiveInt, unit: " bytes"), inherited: true, sockets: .anySocket,
                meaning: "Free send-buffer space needed before a write is accepted",
                notes: "Darwin only: Linux cannot change it.",
                make: { .sendLowWatermark($0.int) })
        #endif
        case .linger:
            #if canImport(Darwin)
            OptionRow(level: .socket, rawName: SO_LINGER_SEC, cName: "SO_LINGER_SEC", codec: .linger,
                inherited: true, sockets: .anySocket, meaning: "How long close waits to send unsent data",
                notes: "Darwin's SO_LINGER counts clock ticks; SO_LINGER_SEC counts seconds.",
                make: { .linger($0.duration) })
            #else
            OptionRow(level: .socket, rawName: SO_LINGER, cName: "SO_LINGER", codec: .linger,
                inherited: true, sockets: .anySocket, meaning: "How long close waits to send unsent data",
                notes: "Off reads back as nil, although Linux keeps the old time. .zero resets the connection on close.",
                make: { .linger($0.duration) })
            #endif
        case .receiveTimeout:
            OptionRow(level: .socket, rawName: SO_RCVTIMEO, cName: "SO_RCVTIMEO", codec: .timeout,
                inherited: true, sockets: .anySocket, meaning: "How long a blocking receive or accept waits",
                notes: "Linux rounds it up to its clock tick (4 ms at HZ=250).",
                make: { .receiveTimeout($0.duration) })
        case .sendTimeout:
            OptionRow(level: .socket, rawName: SO_SNDTIMEO, cName: "SO_SNDTIMEO", codec: .timeout,
                inherited: true, sockets: .anySocket, meaning: "How long a blocking send waits",
                notes: "Linux rounds it up to its clock tick.",
                make: { .sendTimeout($0.duration) })
        case .timestamps:
            OptionRow(level: .socket, rawName: SO_TIMESTAMP, cName: "SO_TIMESTAMP", codec: .bool,
                inherited: true, sockets: .anySocket, meaning: "Attach the receive time to each message",
                make: { .timestamps($0.bool) })
        #if os(Linux)
        case .bindToDevice:
            OptionRow(level: .socket, rawName: SO_BINDTODEVICE, cName: "SO_BINDTODEVICE", codec: .text(interfaceName: true),
                scope: .beforeBind, inherited: true, sockets: .anySocket,
                meaning: "Send and receive through one network interface only",
                notes: "Linux only. Changing a binding already made needs CAP_NET_RAW (Linux 5.7+; before, any setting did): a first setting does not.",
                make: { .bindToDevice($0.text) })
        case .mark:
            OptionRow(level: .socket, rawName: SO_MARK, cName: "SO_MARK", codec: .unsigned32,
                inherited: true, sockets: .anySocket, meaning: "A mark for policy routing and packet filters",
                notes: "Linux only. Needs CAP_NET_ADMIN.",
                make: { .mark(UInt32(clamping: $0.int)) })
        case .priority:
            OptionRow(level: .socket, rawName: SO_PRIORITY, cName: "SO_PRIORITY", codec: .int(0...Int(CInt.max), unit: ""),
                inherited: false, sockets: .anySocket, meaning: "Queueing priority of the socket's packets",
                notes: "Linux only. Values above 6 need CAP_NET_ADMIN. Accepted connections start at 0.",
                make: { .priority($0.int) })
        case .busyPoll:
            OptionRow(level: .socket, rawName: SO_BUSY_POLL, cName: "SO_BUSY_POLL",
                codec: .duration(.microseconds, 1...Int64(CInt.max), offIsZero: true),
                inherited: true, sockets: .anySocket, meaning: "Busy-poll the device queue before sleeping in a receive",
                notes: "Linux only. Above net.core.busy_poll needs CAP_NET_ADMIN.",
                make: { .busyPoll($0.duration) })
        case .incomingCPU:
            OptionRow(level: .socket, rawName: SO_INCOMING_CPU, cName: "SO_INCOMING_CPU", codec: .int(0...Int(CInt.max), unit: ""),
                inherited: false, sockets: .anySocket, meaning: "The CPU whose receive queue the socket prefers",
                notes: "Linux only. -1 (the default) reads back until a CPU is set or traffic arrives.",
                make: { .incomingCPU($0.int) })
        case .zeroCopy:
            OptionRow(level: .socket, rawName: SO_ZEROCOPY, cName: "SO_ZEROCOPY", codec: .bool,
                inherited: true, sockets: .ip, meaning: "Allow send with MSG_ZEROCOPY",
                notes: "Linux only.",
                make: { .zeroCopy($0.bool) })
        case .passCredentials:
            OptionRow(level: .socket, rawName: SO_PASSCRED, cName: "SO_PASSCRED", codec: .bool,
                inherited: true, sockets: .unix, meaning: "Receive the sender's pid, uid and gid with each message",
                notes: "Linux only. IP sockets refuse it (EOPNOTSUPP).",
                make: { .passCredentials($0.bool) })
        #endif
        case .noDelay:
            OptionRow(level: .tcp, rawName: TCP_NODELAY, cName: "TCP_NODELAY", codec: .bool,
                inherited: true, sockets: .tcp, meaning: "Send small segments at once (Nagle's algorithm off)",
                make: { .noDelay($0.bool) })
        case .maxSegment:
            OptionRow(level: .tcp, rawName: TCP_MAXSEG, cName: "TCP_MAXSEG", codec: .int(88...32767, unit: " bytes"),
                inherited: false, sockets: .tcp, meaning: "The largest segment the socket sends",
                notes: "Set before listen or connect. A connection reads back the negotiated size instead.",
                make: { .maxSegment($0.int) })
        case .keepAliveIdle:
            #if canImport(Darwin)
            OptionRow(level: .tcp, rawName: TCP_KEEPALIVE, cName: "TCP_KEEPALIVE",
                codec: .duration(.seconds, keepAliveSeconds, offIsZero: false), inherited: true, sockets: .tcp,
                meaning: "Idle time before the first keepalive probe", notes: "Darwin spells it TCP_KEEPALIVE.",
                make: { .keepAliveIdle($0.duration ?? .zero) })
            #else
            OptionRow(level: .tcp, rawName: TCP_KEEPIDLE, cName: "TCP_KEEPIDLE",
                codec: .duration(.seconds, keepAliveSeconds, offIsZero: false), inherited: true, sockets: .tcp,
                meaning: "Idle time before the first keepalive probe", notes: "Darwin spells it TCP_KEEPALIVE.",
                make: { .keepAliveIdle($0.duration ?? .zero) })
            #endif
        case .keepAliveInterval:
            OptionRow(level: .tcp, rawName: TCP_KEEPINTVL, cName: "TCP_KEEPINTVL",
                codec: .duration(.seconds, keepAliveSeconds, offIsZero: false), inherited: true, sockets: .tcp,
                meaning: "Time between keepalive probes",
                make: { .keepAliveInterval($0.duration ?? .zero) })
        case .keepAliveCount:
            OptionRow(level: .tcp, rawName: TCP_KEEPCNT, cName: "TCP_KEEPCNT", codec: .int(1...127, unit: ""),
                inherited: true, sockets: .tcp, meaning: "Unanswered keepalive probes before the connection is dropped",
                make: { .keepAliveCount($0.int) })
        case .notSentLowWatermark:
            OptionRow(level: .tcp, rawName: CInt(TCP_NOTSENT_LOWAT), cName: "TCP_NOTSENT_LOWAT",
                codec: .int(positiveInt, unit: " bytes"), inherited: true, sockets: .tcp,
                meaning: "Unsent bytes allowed before the socket stops reporting itself writable",
                make: { .notSentLowWatermark($0.int) })
        case .cork:
            #if canImport(Darwin)
            OptionRow(level: .tcp, rawName: TCP_NOPUSH, cName: "TCP_NOPUSH", codec: .bool, inherited: true,
                sockets: .tcp, meaning: "Hold back partial segments until uncorked", notes: "Linux spells it TCP_CORK.",
                make: { .cork($0.bool) })
            #else
            OptionRow(level: .tcp, rawName: TCP_CORK, cName: "TCP_CORK", codec: .bool, inherited: true,
                sockets: .tcp, meaning: "Hold back partial segments until uncorked", notes: "Darwin spells it TCP_NOPUSH.",
                make: { .cork($0.bool) })
            #endif
        #if os(Linux)
        case .userTimeout:
            OptionRow(level: .tcp, rawName: TCP_USER_TIMEOUT, cName: "TCP_USER_TIMEOUT",
                codec: .duration(.milliseconds, 1...Int64(CInt.max), offIsZero: true), inherited: true, sockets: .tcp,
                meaning: "How long sent data may stay unacknowledged before the connection is dropped",
                notes: "Linux only.",
                make: { .userTimeout($0.duration) })
        case .fastOpen:
            OptionRow(level: .tcp, rawName: TCP_FASTOPEN, cName: "TCP_FASTOPEN", codec: .int(0...Int(CInt.max), unit: ""),
                scope: .listener, inherited: false, sockets: .tcp,
                meaning: "Accept TCP Fast Open, with this many pending requests at most",
                notes: "Linux only. The kernel caps the queue at net.core.somaxconn.",
                make: { .fastOpen($0.int) })
        case .deferAccept:
            OptionRow(level: .tcp, rawName: TCP_DEFER_ACCEPT, cName: "TCP_DEFER_ACCEPT",
                codec: .duration(.seconds, 1...29887, offIsZero: true), scope: .listener, inherited: false,
                sockets: .tcp, meaning: "Wake the listener only when a new connection has data",
                notes: "Linux only. Rounded up to 1, 3, 7, 15, 31, 63, 127 s, then steps of 120 s.",
                valueNote: "Linux counts it in at most 255 SYN-ACK retransmissions, 29887 s, and keeps that for anything longer",
                make: { .deferAccept($0.duration) })
        case .quickAck:
            OptionRow(level: .tcp, rawName: TCP_QUICKACK, cName: "TCP_QUICKACK", codec: .bool,
                inherited: false, sockets: .tcp, meaning: "Acknowledge at once instead of delaying",
                notes: "Linux only. Not permanent: the kernel may leave quick-ack mode by itself.",
                make: { .quickAck($0.bool) })
        case .congestionControl:
            OptionRow(level: .tcp, rawName: TCP_CONGESTION, cName: "TCP_CONGESTION", codec: .text(interfaceName: false),
                inherited: true, sockets: .tcp, meaning: "The congestion control algorithm, by name",
                notes: "Linux only. The algorithm must be loaded; ENOENT otherwise.",
                make: { .congestionControl($0.text ?? "") })
        case .windowClamp:
            OptionRow(level: .tcp, rawName: TCP_WINDOW_CLAMP, cName: "TCP_WINDOW_CLAMP",
                codec: .int(positiveInt, unit: " bytes"), inherited: true, sockets: .tcp,
                meaning: "The largest window the socket advertises",
                notes: "Linux only. Raised to at least 1152 (half the smallest receive buffer).",
                make: { .windowClamp($0.int) })
        #endif
        case .timeToLive:
            OptionRow(level: .ipv4, rawName: IP_TTL, cName: "IP_TTL", codec: .int(1...255, unit: ""),
                inherited: true, sockets: .ip, meaning: "Time-to-live of outgoing IPv4 packets",
                valueNote: "Linux would take -1 as \"the default\"",
                make: { .timeToLive($0.int) })
        case .typeOfService:
            OptionRow(level: .ipv4, rawName: IP_TOS, cName: "IP_TOS", codec: .int(0...255, unit: ""),
                inherited: true, sockets: .ip, meaning: "DSCP and ECN byte of outgoing IPv4 packets",
                notes: "On TCP sockets Linux keeps the two ECN bits to itself.",
                make: { .typeOfService($0.int) })
        case .ipv4MulticastTimeToLive:
            OptionRow(level: .ipv4, rawName: IP_MULTICAST_TTL, cName: "IP_MULTICAST_TTL", codec: .int(0...255, unit: ""),
                inherited: false, sockets: .ipDatagram, meaning: "Time-to-live of outgoing IPv4 multicast",
                make: { .ipv4MulticastTimeToLive($0.int) })
        case .ipv4MulticastLoop:
            OptionRow(level: .ipv4, rawName: IP_MULTICAST_LOOP, cName: "IP_MULTICAST_LOOP", codec: .bool,
                inherited: true, sockets: .ip, meaning: "Deliver this host's IPv4 multicast to its own sockets",
                make: { .ipv4MulticastLoop($0.bool) })
        case .ipv4MulticastInterface:
            OptionRow(level: .ipv4, rawName: IP_MULTICAST_IF, cName: "IP_MULTICAST_IF", codec: .ipv4Address,
                inherited: false, sockets: .ipDatagram, meaning: "The local address that sends IPv4 multicast",
                notes: "An address that is not local fails with EADDRNOTAVAIL.",
                make: { .ipv4MulticastInterface($0.ipv4) })
        #if os(Linux)
        case .ipv4FreeBind:
            OptionRow(level: .ipv4, rawName: IP_FREEBIND, cName: "IP_FREEBIND", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ip, meaning: "Bind an IPv4 address that is not configured (yet)",
                notes: "Linux only.",
                make: { .ipv4FreeBind($0.bool) })
        case .transparent:
            OptionRow(level: .ipv4, rawName: IP_TRANSPARENT, cName: "IP_TRANSPARENT", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ip, meaning: "Bind and send from non-local addresses (transparent proxy)",
                notes: "Linux only. Needs CAP_NET_ADMIN.",
                make: { .transparent($0.bool) })
        case .bindAddressNoPort:
            OptionRow(level: .ipv4, rawName: IP_BIND_ADDRESS_NO_PORT, cName: "IP_BIND_ADDRESS_NO_PORT", codec: .bool,
                scope: .beforeBind, inherited: true, sockets: .ip,
                meaning: "Let bind with port 0 leave the port to connect", notes: "Linux only. For clients.",
                make: { .bindAddressNoPort($0.bool) })
        #endif
        case .ipv6Only:
            OptionRow(level: .ipv6, rawName: IPV6_V6ONLY, cName: "IPV6_V6ONLY", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ipv6, meaning: "Take IPv6 only, not IPv4-mapped traffic",
                notes: "Binding a specific IPv6 address (not ::) turns it on. EINVAL after bind.",
                make: { .ipv6Only($0.bool) })
        case .ipv6UnicastHops:
            OptionRow(level: .ipv6, rawName: IPV6_UNICAST_HOPS, cName: "IPV6_UNICAST_HOPS", codec: .int(0...255, unit: ""),
                inherited: true, sockets: .ipv6, meaning: "Hop limit of outgoing IPv6 unicast packets",
                valueNote: "Linux would take -1 as \"the route's default\"",
                make: { .ipv6UnicastHops($0.int) })
        case .ipv6TrafficClass:
            OptionRow(level: .ipv6, rawName: IPV6_TCLASS, cName: "IPV6_TCLASS", codec: .int(0...255, unit: ""),
                inherited: true, sockets: .ipv6, meaning: "DSCP and ECN byte of outgoing IPv6 packets",
                notes: "On TCP sockets Linux keeps the two ECN bits to itself.",
                make: { .ipv6TrafficClass($0.int) })
        case .ipv6MulticastHops:
            OptionRow(level: .ipv6, rawName: IPV6_MULTICAST_HOPS, cName: "IPV6_MULTICAST_HOPS",
                codec: .int(0...255, unit: ""), inherited: false, sockets: .ipv6Datagram,
                meaning: "Hop limit of outgoing IPv6 multicast",
                make: { .ipv6MulticastHops($0.int) })
        case .ipv6MulticastLoop:
            OptionRow(level: .ipv6, rawName: IPV6_MULTICAST_LOOP, cName: "IPV6_MULTICAST_LOOP", codec: .bool,
                inherited: true, sockets: .ipv6, meaning: "Deliver this host's IPv6 multicast to its own sockets",
                make: { .ipv6MulticastLoop($0.bool) })
        case .ipv6MulticastInterface:
            OptionRow(level: .ipv6, rawName: IPV6_MULTICAST_IF, cName: "IPV6_MULTICAST_IF",
                codec: .int(0...Int(CInt.max), unit: ""), inherited: false, sockets: .ipv6Datagram,
                meaning: "The interface, by index, that sends IPv6 multicast",
                notes: "0 lets the routing table choose; an unknown index fails with ENODEV.",
                make: { .ipv6MulticastInterface($0.int) })
        #if os(Linux)
        case .ipv6FreeBind:
            OptionRow(level: .ipv6, rawName: IPV6_FREEBIND, cName: "IPV6_FREEBIND", codec: .bool, scope: .beforeBind,
                inherited: true, sockets: .ipv6, meaning: "Bind an IPv6 address that is not configured (yet)",
                notes: "Linux only (4.15 and later).",
                make: { .ipv6FreeBind($0.bool) })
        #endif
        }
    }
}

// Each key is @inlinable, like the Key initializers it calls: the caller's code then sees that the
// key's closures capture nothing, and neither builds the key through a call nor releases its
// closures afterwards (a sixth of a typed read's cost; Documentation/Performance.md). A new key
// without it still works, only slower.
extension SocketOption.Key {
    /// The key of ``SocketOption/reuseAddress(_:)``.
    @inlinable
    public static var reuseAddress: SocketOption.Key<Bool> { .init(.reuseAddress) }
    /// The key of ``SocketOption/reusePort(_:)``.
    @inlinable
    public static var reusePort: SocketOption.Key<Bool> { .init(.reusePort) }
    /// The key of ``SocketOption/keepAlive(_:)``.
    @inlinable
    public static var keepAlive: SocketOption.Key<Bool> { .init(.keepAlive) }
    /// The key of ``SocketOption/broadcast(_:)``.
    @inlinable
    public static var broadcast: SocketOption.Key<Bool> { .init(.broadcast) }
    /// The key of ``SocketOption/outOfBandInline(_:)``.
    @inlinable
    public static var outOfBandInline: SocketOption.Key<Bool> { .init(.outOfBandInline) }
    /// The key of ``SocketOption/receiveBufferSize(_:)``.
    @inlinable
    public static var receiveBufferSize: SocketOption.Key<Int> { .init(.receiveBufferSize) }
    /// The key of ``SocketOption/sendBufferSize(_:)``.
    @inlinable
    public static var sendBufferSize: SocketOption.Key<Int> { .init(.sendBufferSize) }
    /// The key of ``SocketOption/receiveLowWatermark(_:)``.
    @inlinable
    public static var receiveLowWatermark: SocketOption.Key<Int> { .init(.receiveLowWatermark) }
    #if canImport(Darwin)
    /// The key of ``SocketOption/sendLowWatermark(_:)``.
    @inlinable
    public static var sendLowWatermark: SocketOption.Key<Int> { .init(.sendLowWatermark) }
    #endif
    /// The key of ``SocketOption/linger(_:)``.
    @inlinable
    public static var linger: SocketOption.Key<Duration?> { .init(.linger) }
    /// The key of ``SocketOption/receiveTimeout(_:)``.
    @inlinable
    public static var receiveTimeout: SocketOption.Key<Duration?> { .init(.receiveTimeout) }
    /// The key of ``SocketOption/sendTimeout(_:)``.
    @inlinable
    public static var sendTimeout: SocketOption.Key<Duration?> { .init(.sendTimeout) }
    /// The key of ``SocketOption/timestamps(_:)``.
    @inlinable
    public static var timestamps: SocketOption.Key<Bool> { .init(.timestamps) }
    #if os(Linux)
    /// The key of ``SocketOption/bindToDevice(_:)``.
    @inlinable
    public static var bindToDevice: SocketOption.Key<String?> { .init(.bindToDevice) }
    /// The key of ``SocketOption/mark(_:)``.
    @inlinable
    public static var mark: SocketOption.Key<UInt32> { .init(.mark) }
    /// The key of ``SocketOption/priority(_:)``.
    @inlinable
    public static var priority: SocketOption.Key<Int> { .init(.priority) }
    /// The key of ``SocketOption/busyPoll(_:)``.
    @inlinable
    public static var busyPoll: SocketOption.Key<Duration?> { .init(.busyPoll) }
    /// The key of ``SocketOption/incomingCPU(_:)``.
    @inlinable
    public static var incomingCPU: SocketOption.Key<Int> { .init(.incomingCPU) }
    /// The key of ``SocketOption/zeroCopy(_:)``.
    @inlinable
    public static var zeroCopy: SocketOption.Key<Bool> { .init(.zeroCopy) }
    /// The key of ``SocketOption/passCredentials(_:)``.
    @inlinable
    public static var passCredentials: SocketOption.Key<Bool> { .init(.passCredentials) }
    #endif
    /// The key of ``SocketOption/noDelay(_:)``.
    @inlinable
    public static var noDelay: SocketOption.Key<Bool> { .init(.noDelay) }
    /// The key of ``SocketOption/maxSegment(_:)``.
    @inlinable
    public static var maxSegment: SocketOption.Key<Int> { .init(.maxSegment) }
    /// The key of ``SocketOption/keepAliveIdle(_:)``.
    @inlinable
    public static var keepAliveIdle: SocketOption.Key<Duration> { .init(.keepAliveIdle) }
    /// The key of ``SocketOption/keepAliveInterval(_:)``.
    @inlinable
    public static var keepAliveInterval: SocketOption.Key<Duration> { .init(.keepAliveInterval) }
    /// The key of ``SocketOption/keepAliveCount(_:)``.
    @inlinable
    public static var keepAliveCount: SocketOption.Key<Int> { .init(.keepAliveCount) }
    /// The key of ``SocketOption/notSentLowWatermark(_:)``.
    @inlinable
    public static var notSentLowWatermark: SocketOption.Key<Int> { .init(.notSentLowWatermark) }
    /// The key of ``SocketOption/cork(_:)``.
    @inlinable
    public static var cork: SocketOption.Key<Bool> { .init(.cork) }
    #if os(Linux)
    /// The key of ``SocketOption/userTimeout(_:)``.
    @inlinable
    public static var userTimeout: SocketOption.Key<Duration?> { .init(.userTimeout) }
    /// The key of ``SocketOption/fastOpen(_:)``.
    @inlinable
    public static var fastOpen: SocketOption.Key<Int> { .init(.fastOpen) }
    /// The key of ``SocketOption/deferAccept(_:)``.
    @inlinable
    public static var deferAccept: SocketOption.Key<Duration?> { .init(.deferAccept) }
    /// The key of ``SocketOption/quickAck(_:)``.
    @inlinable
    public static var quickAck: SocketOption.Key<Bool> { .init(.quickAck) }
    /// The key of ``SocketOption/congestionControl(_:)``.
    @inlinable
    public static var congestionControl: SocketOption.Key<String> { .init(.congestionControl) }
    /// The key of ``SocketOption/windowClamp(_:)``.
    @inlinable
    public static var windowClamp: SocketOption.Key<Int> { .init(.windowClamp) }
    #endif
    /// The key of ``SocketOption/timeToLive(_:)``.
    @inlinable
    public static var timeToLive: SocketOption.Key<Int> { .init(.timeToLive) }
    /// The key of ``SocketOption/typeOfService(_:)``.
    @inlinable
    public static var typeOfService: SocketOption.Key<Int> { .init(.typeOfService) }
    /// The key of ``SocketOption/ipv4MulticastTimeToLive(_:)``.
    @inlinable
    public static var ipv4MulticastTimeToLive: SocketOption.Key<Int> { .init(.ipv4MulticastTimeToLive) }
    /// The key of ``SocketOption/ipv4MulticastLoop(_:)``.
    @inlinable
    public static var ipv4MulticastLoop: SocketOption.Key<Bool> { .init(.ipv4MulticastLoop) }
    /// The key of ``SocketOption/ipv4MulticastInterface(_:)``.
    @inlinable
    public static var ipv4MulticastInterface: SocketOption.Key<IPv4Address> { .init(.ipv4MulticastInterface) }
    #if os(Linux)
    /// The key of ``SocketOption/ipv4FreeBind(_:)``.
    @inlinable
    public static var ipv4FreeBind: SocketOption.Key<Bool> { .init(.ipv4FreeBind) }
    /// The key of ``SocketOption/transparent(_:)``.
    @inlinable
    public static var transparent: SocketOption.Key<Bool> { .init(.transparent) }
    /// The key of ``SocketOption/bindAddressNoPort(_:)``.
    @inlinable
    public static var bindAddressNoPort: SocketOption.Key<Bool> { .init(.bindAddressNoPort) }
    #endif
    /// The key of ``SocketOption/ipv6Only(_:)``.
    @inlinable
    public static var ipv6Only: SocketOption.Key<Bool> { .init(.ipv6Only) }
    /// The key of ``SocketOption/ipv6UnicastHops(_:)``.
    @inlinable
    public static var ipv6UnicastHops: SocketOption.Key<Int> { .init(.ipv6UnicastHops) }
    /// The key of ``SocketOption/ipv6TrafficClass(_:)``.
    @inlinable
    public static var ipv6TrafficClass: SocketOption.Key<Int> { .init(.ipv6TrafficClass) }
    /// The key of ``SocketOption/ipv6MulticastHops(_:)``.
    @inlinable
    public static var ipv6MulticastHops: SocketOption.Key<Int> { .init(.ipv6MulticastHops) }
    /// The key of ``SocketOption/ipv6MulticastLoop(_:)``.
    @inlinable
    public static var ipv6MulticastLoop: SocketOption.Key<Bool> { .init(.ipv6MulticastLoop) }
    /// The key of ``SocketOption/ipv6MulticastInterface(_:)``.
    @inlinable
    public static var ipv6MulticastInterface: SocketOption.Key<Int> { .init(.ipv6MulticastInterface) }
    #if os(Linux)
    /// The key of ``SocketOption/ipv6FreeBind(_:)``.
    @inlinable
    public static var ipv6FreeBind: SocketOption.Key<Bool> { .init(.ipv6FreeBind) }
    #endif
}

extension ReadOnlySocketOption {
    /// The name of a read-only option.
    public enum Name: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
        /// `SO_TYPE`; see ``ReadOnlySocketOption/type(_:)``.
        case type
        /// `SO_ACCEPTCONN`; see ``ReadOnlySocketOption/acceptingConnections(_:)``.
        case acceptingConnections
        /// `SO_ERROR`; see ``ReadOnlySocketOption/pendingError(_:)``.
        case pendingError
        #if os(Linux)
        /// `SO_DOMAIN`; see ``ReadOnlySocketOption/domain(_:)``.
        case domain
        /// `SO_PROTOCOL`; see ``ReadOnlySocketOption/transportProtocol(_:)``.
        case transportProtocol
        #endif
    }

    /// Which option this is and its value without its case: one line per option, as for
    /// ``SocketOption``.
    var entry: (name: Name, value: OptionCodec.SwiftValue) {
        switch self {
        case .type(let type): (.type, .socketType(type))
        case .acceptingConnections(let on): (.acceptingConnections, .bool(on))
        case .pendingError(let errno): (.pendingError, .errno(errno))
        #if os(Linux)
        case .domain(let family): (.domain, .family(family))
        case .transportProtocol(let number): (.transportProtocol, .int(Int(number)))
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
                meaning: "The socket type: stream, datagram, ...", make: { .type($0.socketType) })
        case .acceptingConnections:
            OptionRow(level: .socket, rawName: SO_ACCEPTCONN, cName: "SO_ACCEPTCONN", codec: .bool, sockets: .anySocket,
                meaning: "Whether the socket is listening", make: { .acceptingConnections($0.bool) })
        case .pendingError:
            OptionRow(level: .socket, rawName: SO_ERROR, cName: "SO_ERROR", codec: .pendingError, sockets: .anySocket,
                meaning: "The error waiting on the socket; reading it clears it", make: { .pendingError($0.errno) })
        #if os(Linux)
        case .domain:
            OptionRow(level: .socket, rawName: SO_DOMAIN, cName: "SO_DOMAIN", codec: .family, sockets: .anySocket,
                meaning: "The address family", make: { .domain($0.family) })
        case .transportProtocol:
            OptionRow(level: .socket, rawName: SO_PROTOCOL, cName: "SO_PROTOCOL", codec: .protocolNumber,
                sockets: .anySocket, meaning: "The transport protocol number (6 TCP, 17 UDP)",
                make: { .transportProtocol(Int32(clamping: $0.int)) })
        #endif
        }
    }
}

extension ReadOnlySocketOption.Key {
    /// The key of ``ReadOnlySocketOption/type(_:)``.
    public static var type: ReadOnlySocketOption.Key<SocketKind.SocketType> { .init(.type) }
    /// The key of ``ReadOnlySocketOption/acceptingConnections(_:)``.
    public static var acceptingConnections: ReadOnlySocketOption.Key<Bool> { .init(.acceptingConnections) }
    /// The key of ``ReadOnlySocketOption/pendingError(_:)``.
    public static var pendingError: ReadOnlySocketOption.Key<Errno?> { .init(.pendingError) }
    #if os(Linux)
    /// The key of ``ReadOnlySocketOption/domain(_:)``.
    public static var domain: ReadOnlySocketOption.Key<SocketFamily> { .init(.domain) }
    /// The key of ``ReadOnlySocketOption/transportProtocol(_:)``.
    public static var transportProtocol: ReadOnlySocketOption.Key<Int32> { .init(.transportProtocol) }
    #endif
}
