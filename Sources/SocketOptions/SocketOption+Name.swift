// SocketOptions: option levels and names, and what each option is, read from its row.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
        /// UDP. The corresponding C constant is `IPPROTO_UDP` (`SOL_UDP`).
        case udp

        /// The C name of the level, such as `"SOL_SOCKET"`.
        public var cName: String {
            switch self {
            case .socket: "SOL_SOCKET"
            case .tcp: "IPPROTO_TCP"
            case .ipv4: "IPPROTO_IP"
            case .ipv6: "IPPROTO_IPV6"
            case .udp: "IPPROTO_UDP"
            }
        }

        public var description: String { cName }

        /// The C level number.
        var cLevel: CInt {
            switch self {
            case .socket: SOL_SOCKET
            case .tcp: CInt(IPPROTO_TCP)
            case .ipv4: CInt(IPPROTO_IP)
            case .ipv6: CInt(IPPROTO_IPV6)
            case .udp: CInt(IPPROTO_UDP)
            }
        }
    }
}

extension SocketOption.Name {
    /// The option's Swift name, such as `"reuseAddress"`.
    public var description: String { rawValue }

    /// What the option does, in one line.
    public var meaning: String { "\(row.meaning)" }

    /// The protocol level the option is set at.
    public var level: SocketOption.Level { row.level }

    /// The C name of the option on this platform, such as `"SO_REUSEADDR"`.
    public var cName: String { "\(row.cName)" }

    /// The Swift type of the option's value, such as `"Int (bytes)"` or `"Duration?"`.
    public var valueType: String { row.codec.typeDescription }

    /// The values the package lets through, such as `"1...127"` or `"nil (off), 0...2147483647 s"`.
    public var validValues: String { row.codec.validValues }

    /// Whether the option only has its effect when set before bind. ``ListeningSocket`` takes
    /// these only in its initializer, so there is no way to set them too late.
    public var mustPrecedeBind: Bool { row.scope == .beforeBind }

    /// Whether the option only means something on a listening socket (Fast Open, deferred
    /// accept). A ``Connection`` refuses these.
    public var isForListenersOnly: Bool { row.scope == .listener }

    /// Whether a connection accepted from a listener starts with the listener's value (Linux).
    public var isInheritedByAcceptedConnections: Bool { row.inherited }

    /// The kinds of socket that have this option, such as `"TCP"`, `"IPv6"` or `"datagram"`.
    public var appliesTo: String { row.sockets.description }

    /// What differs between platforms, or what the kernel does with the value, when anything.
    public var platformNotes: String { "\(row.notes)" }

    /// Whether the kernel can report the option's value. An option it cannot report (a
    /// membership, a filter) is set without a readback; see ``AppliedOption/isReadBack``.
    public var canReadBack: Bool { row.canReadBack }
}

extension SocketOption {
    /// Which option this is, without its value.
    public var name: Name { entry.name }
}

extension SocketOption: CustomStringConvertible {
    /// The option and its value as a person reads them: `"reuseAddress(on)"`,
    /// `"receiveBufferSize(131072 bytes)"`, `"receiveTimeout(off)"`.
    public var description: String { "\(name)(\(valueDescription))" }

    /// The value alone, as a person reads it: `"on"`, `"131072 bytes"`, `"4 ms"`, `"off"`.
    public var valueDescription: String {
        let (name, value) = entry
        let row = name.row
        // A 0 that cannot be set but reads back (TCP_NOTSENT_LOWAT unset) says what it means.
        if case .int(0) = value, let zero = row.zeroMeaning { return "\(zero)" }
        return row.codec.describe(value)
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

extension SocketOption.Name {
    /// The option with this C level and number, if the package names it.
    init?(level: CInt, name: CInt) {
        guard let found = Self.allCases.first(where: { $0.row.rawLevel == level && $0.row.rawName == name }) else {
            return nil
        }
        self = found
    }
}
