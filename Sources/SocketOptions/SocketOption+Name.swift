// SocketOptions: option names, and what each option is, as data.

extension SocketOption {
    /// The protocol level an option belongs to.
    public enum Level: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// The socket itself. The corresponding C constant is `SOL_SOCKET`.
        case socket
        /// TCP. The corresponding C constant is `IPPROTO_TCP`.
        case tcp
        /// IPv4. The corresponding C constant is `IPPROTO_IP`.
        case ipv4
        /// IPv6. The corresponding C constant is `IPPROTO_IPV6`.
        case ipv6

        /// The C name of the level, such as `"SOL_SOCKET"`.
        public var cName: String {
            switch self {
            case .socket: "SOL_SOCKET"
            case .tcp: "IPPROTO_TCP"
            case .ipv4: "IPPROTO_IP"
            case .ipv6: "IPPROTO_IPV6"
            }
        }

        public var description: String { cName }
    }

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

        /// The option's Swift name, such as `"reuseAddress"`.
        public var description: String { rawValue }

        /// What the option does, in one line.
        public var meaning: String { "\(spec.meaning)" }

        /// The protocol level the option is set at.
        public var level: Level { spec.level }

        /// The C name of the option on this platform, such as `"SO_REUSEADDR"`.
        public var cName: String { "\(spec.cName)" }

        /// The Swift type of the option's value, such as `"Int (bytes)"` or `"Duration?"`.
        public var valueType: String { spec.kind.typeDescription }

        /// The values the package lets through, such as `"1...127"` or `"nil (off), 0...2147483647 s"`.
        public var validValues: String { spec.kind.validValues }

        /// Whether the option only has its effect when set before bind. ``ListeningSocket`` takes
        /// these only in its initializer, so there is no way to set them too late.
        public var mustPrecedeBind: Bool { spec.scope == .beforeBind }

        /// Whether the option only means something on a listening socket (Fast Open, deferred
        /// accept). A ``Connection`` refuses these.
        public var isForListenersOnly: Bool { spec.scope == .listener }

        /// Whether a connection accepted from a listener starts with the listener's value (Linux).
        public var isInheritedByAcceptedConnections: Bool { spec.inherited }

        /// The kinds of socket that have this option, such as `"TCP"`, `"IPv6"` or `"datagram"`.
        public var appliesTo: String { spec.appliesTo.description }

        /// What differs between platforms, or what the kernel does with the value, when anything.
        public var platformNotes: String { "\(spec.notes)" }

        /// Whether the option's value is on or off.
        var isBoolean: Bool {
            if case .bool = spec.kind { return true }
            return false
        }
    }

    /// Which option this is, without its value.
    public var name: Name {
        switch self {
        case .reuseAddress: .reuseAddress
        case .reusePort: .reusePort
        case .keepAlive: .keepAlive
        case .broadcast: .broadcast
        case .outOfBandInline: .outOfBandInline
        case .receiveBufferSize: .receiveBufferSize
        case .sendBufferSize: .sendBufferSize
        case .receiveLowWatermark: .receiveLowWatermark
        #if canImport(Darwin)
        case .sendLowWatermark: .sendLowWatermark
        #endif
        case .linger: .linger
        case .receiveTimeout: .receiveTimeout
        case .sendTimeout: .sendTimeout
        case .timestamps: .timestamps
        #if os(Linux)
        case .bindToDevice: .bindToDevice
        case .mark: .mark
        case .priority: .priority
        case .busyPoll: .busyPoll
        case .incomingCPU: .incomingCPU
        case .zeroCopy: .zeroCopy
        case .passCredentials: .passCredentials
        #endif
        case .noDelay: .noDelay
        case .maxSegment: .maxSegment
        case .keepAliveIdle: .keepAliveIdle
        case .keepAliveInterval: .keepAliveInterval
        case .keepAliveCount: .keepAliveCount
        case .notSentLowWatermark: .notSentLowWatermark
        case .cork: .cork
        #if os(Linux)
        case .userTimeout: .userTimeout
        case .fastOpen: .fastOpen
        case .deferAccept: .deferAccept
        case .quickAck: .quickAck
        case .congestionControl: .congestionControl
        case .windowClamp: .windowClamp
        #endif
        case .timeToLive: .timeToLive
        case .typeOfService: .typeOfService
        case .ipv4MulticastTimeToLive: .ipv4MulticastTimeToLive
        case .ipv4MulticastLoop: .ipv4MulticastLoop
        case .ipv4MulticastInterface: .ipv4MulticastInterface
        #if os(Linux)
        case .ipv4FreeBind: .ipv4FreeBind
        case .transparent: .transparent
        case .bindAddressNoPort: .bindAddressNoPort
        #endif
        case .ipv6Only: .ipv6Only
        case .ipv6UnicastHops: .ipv6UnicastHops
        case .ipv6TrafficClass: .ipv6TrafficClass
        case .ipv6MulticastHops: .ipv6MulticastHops
        case .ipv6MulticastLoop: .ipv6MulticastLoop
        case .ipv6MulticastInterface: .ipv6MulticastInterface
        #if os(Linux)
        case .ipv6FreeBind: .ipv6FreeBind
        #endif
        }
    }
}

extension SocketOption: CustomStringConvertible {
    /// The option and its value as a person reads them: `"reuseAddress(on)"`,
    /// `"receiveBufferSize(131072 bytes)"`, `"receiveTimeout(off)"`.
    public var description: String { "\(name)(\(valueDescription))" }

    /// The value alone, as a person reads it: `"on"`, `"131072 bytes"`, `"4 ms"`, `"off"`.
    public var valueDescription: String {
        // 0 cannot be set (1... bytes): read back, it is the kernel's "no value of its own".
        if case .notSentLowWatermark(0) = self { return "0 (none: net.ipv4.tcp_notsent_lowat applies)" }
        return name.spec.kind.describe(payload)
    }

    /// A duration in the largest unit that shows it exactly: `"5 s"`, `"4 ms"`, `"250 µs"`; a
    /// fraction finer than microseconds, or a count too large for Int64, as Duration prints itself.
    static func describe(_ duration: Duration) -> String {
        let units: [(attoseconds: Int64, symbol: String)] = [
            (1_000_000_000_000_000_000, "s"), (1_000_000_000_000_000, "ms"), (1_000_000_000_000, "µs"),
        ]
        for unit in units {
            guard let (count, exact) = duration.count(ofAttoseconds: unit.attoseconds) else { break }
            if exact { return "\(count) \(unit.symbol)" }
        }
        return "\(duration)"
    }
}
