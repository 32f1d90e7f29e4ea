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
/// many of them silently and keep something else.
public enum SocketOption: Hashable, Sendable {
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

    /// Sends small segments at once instead of waiting to coalesce them (turns Nagle's algorithm
    /// off). The corresponding C option is `TCP_NODELAY`.
    case noDelay(Bool)

    /// The receive buffer size in bytes, 1 or more. Linux keeps twice the value (the kernel's
    /// bookkeeping), at least its minimum and at most twice `net.core.rmem_max`; the value kept is
    /// reported in ``AppliedOption/effective``. The corresponding C option is `SO_RCVBUF`.
    case receiveBufferSize(Int)

    /// The send buffer size in bytes, 1 or more. Linux keeps twice the value, at least its
    /// minimum and at most twice `net.core.wmem_max`. The corresponding C option is `SO_SNDBUF`.
    case sendBufferSize(Int)

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

    /// On an IPv6 socket, accept IPv6 connections only; when off, `[::]:P` also takes IPv4 and
    /// then blocks `0.0.0.0:P`. IPv6 sockets only; must be set before bind. The corresponding C
    /// option is `IPV6_V6ONLY`.
    case ipv6Only(Bool)

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

    /// Which option this is, without its value.
    public var name: Name {
        switch self {
        case .reuseAddress: .reuseAddress
        case .reusePort: .reusePort
        case .keepAlive: .keepAlive
        case .noDelay: .noDelay
        case .receiveBufferSize: .receiveBufferSize
        case .sendBufferSize: .sendBufferSize
        case .linger: .linger
        case .receiveTimeout: .receiveTimeout
        case .sendTimeout: .sendTimeout
        case .ipv6Only: .ipv6Only
        case .keepAliveIdle: .keepAliveIdle
        case .keepAliveInterval: .keepAliveInterval
        case .keepAliveCount: .keepAliveCount
        }
    }
}

extension SocketOption {
    /// The protocol level an option belongs to.
    public enum Level: Hashable, Sendable, CustomStringConvertible {
        /// The socket itself. The corresponding C constant is `SOL_SOCKET`.
        case socket
        /// TCP. The corresponding C constant is `IPPROTO_TCP`.
        case tcp
        /// IPv6. The corresponding C constant is `IPPROTO_IPV6`.
        case ipv6

        /// The C name of the level, such as `"SOL_SOCKET"`.
        public var cName: String {
            switch self {
            case .socket: "SOL_SOCKET"
            case .tcp: "IPPROTO_TCP"
            case .ipv6: "IPPROTO_IPV6"
            }
        }

        public var description: String { cName }
    }

    /// The name of an option, without a value: the key to read an option back with
    /// ``ListeningSocket/option(_:)`` and to look up what the option is.
    public enum Name: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
        /// `SO_REUSEADDR`; see ``SocketOption/reuseAddress(_:)``.
        case reuseAddress
        /// `SO_REUSEPORT`; see ``SocketOption/reusePort(_:)``.
        case reusePort
        /// `SO_KEEPALIVE`; see ``SocketOption/keepAlive(_:)``.
        case keepAlive
        /// `TCP_NODELAY`; see ``SocketOption/noDelay(_:)``.
        case noDelay
        /// `SO_RCVBUF`; see ``SocketOption/receiveBufferSize(_:)``.
        case receiveBufferSize
        /// `SO_SNDBUF`; see ``SocketOption/sendBufferSize(_:)``.
        case sendBufferSize
        /// `SO_LINGER`; see ``SocketOption/linger(_:)``.
        case linger
        /// `SO_RCVTIMEO`; see ``SocketOption/receiveTimeout(_:)``.
        case receiveTimeout
        /// `SO_SNDTIMEO`; see ``SocketOption/sendTimeout(_:)``.
        case sendTimeout
        /// `IPV6_V6ONLY`; see ``SocketOption/ipv6Only(_:)``.
        case ipv6Only
        /// `TCP_KEEPIDLE`; see ``SocketOption/keepAliveIdle(_:)``.
        case keepAliveIdle
        /// `TCP_KEEPINTVL`; see ``SocketOption/keepAliveInterval(_:)``.
        case keepAliveInterval
        /// `TCP_KEEPCNT`; see ``SocketOption/keepAliveCount(_:)``.
        case keepAliveCount

        /// The protocol level the option is set at.
        public var level: Level {
            switch self {
            case .reuseAddress, .reusePort, .keepAlive, .receiveBufferSize, .sendBufferSize, .linger,
                .receiveTimeout, .sendTimeout:
                .socket
            case .noDelay, .keepAliveIdle, .keepAliveInterval, .keepAliveCount:
                .tcp
            case .ipv6Only:
                .ipv6
            }
        }

        /// The C name of the option on this platform, such as `"SO_REUSEADDR"`.
        public var cName: String { platformCName }

        /// Whether the option only has its effect when set before bind. ``ListeningSocket`` takes
        /// these only in its initializer, so there is no way to set them too late.
        public var mustPrecedeBind: Bool {
            switch self {
            case .reuseAddress, .reusePort, .ipv6Only: true
            default: false
            }
        }

        /// Whether the option's value is on or off.
        var isBoolean: Bool {
            switch self {
            case .reuseAddress, .reusePort, .keepAlive, .noDelay, .ipv6Only: true
            default: false
            }
        }

        /// The option's Swift name, such as `"reuseAddress"`.
        public var description: String { rawValue }
    }
}

extension SocketOption: CustomStringConvertible {
    /// The option and its value as a person reads them: `"reuseAddress(on)"`,
    /// `"receiveBufferSize(131072 bytes)"`, `"receiveTimeout(off)"`.
    public var description: String { "\(name)(\(valueDescription))" }

    /// The value alone, as a person reads it: `"on"`, `"131072 bytes"`, `"4 ms"`, `"off"`.
    public var valueDescription: String {
        switch self {
        case .reuseAddress(let on), .reusePort(let on), .keepAlive(let on), .noDelay(let on), .ipv6Only(let on):
            on ? "on" : "off"
        case .receiveBufferSize(let bytes), .sendBufferSize(let bytes):
            "\(bytes) bytes"
        case .keepAliveCount(let count):
            "\(count)"
        case .linger(let time), .receiveTimeout(let time), .sendTimeout(let time):
            time.map(Self.describe) ?? "off"
        case .keepAliveIdle(let time), .keepAliveInterval(let time):
            Self.describe(time)
        }
    }

    /// A duration in the largest unit that shows it exactly enough: `"5 s"`, `"4 ms"`, `"1.5 s"`.
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds) s" }
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        if microseconds % 1000 == 0 { return "\(microseconds / 1000) ms" }
        if attoseconds % 1_000_000_000_000 == 0 { return "\(microseconds) µs" }
        return "\(duration)"
    }
}
