// SocketOptions: each option's C level and number, the one table that knows them.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SocketOption.Name {
    var rawLevel: CInt {
        switch level {
        case .socket: SOL_SOCKET
        case .tcp: CInt(IPPROTO_TCP)
        case .ipv6: CInt(IPPROTO_IPV6)
        }
    }

    var rawName: CInt {
        switch self {
        case .reuseAddress: SO_REUSEADDR
        case .reusePort: SO_REUSEPORT
        case .keepAlive: SO_KEEPALIVE
        case .noDelay: TCP_NODELAY
        case .receiveBufferSize: SO_RCVBUF
        case .sendBufferSize: SO_SNDBUF
        #if canImport(Darwin)
        case .linger: SO_LINGER_SEC
        case .keepAliveIdle: TCP_KEEPALIVE
        #else
        case .linger: SO_LINGER
        case .keepAliveIdle: TCP_KEEPIDLE
        #endif
        case .receiveTimeout: SO_RCVTIMEO
        case .sendTimeout: SO_SNDTIMEO
        case .ipv6Only: IPV6_V6ONLY
        case .keepAliveInterval: TCP_KEEPINTVL
        case .keepAliveCount: TCP_KEEPCNT
        }
    }

    var platformCName: String {
        switch self {
        case .reuseAddress: "SO_REUSEADDR"
        case .reusePort: "SO_REUSEPORT"
        case .keepAlive: "SO_KEEPALIVE"
        case .noDelay: "TCP_NODELAY"
        case .receiveBufferSize: "SO_RCVBUF"
        case .sendBufferSize: "SO_SNDBUF"
        #if canImport(Darwin)
        case .linger: "SO_LINGER_SEC"
        case .keepAliveIdle: "TCP_KEEPALIVE"
        #else
        case .linger: "SO_LINGER"
        case .keepAliveIdle: "TCP_KEEPIDLE"
        #endif
        case .receiveTimeout: "SO_RCVTIMEO"
        case .sendTimeout: "SO_SNDTIMEO"
        case .ipv6Only: "IPV6_V6ONLY"
        case .keepAliveInterval: "TCP_KEEPINTVL"
        case .keepAliveCount: "TCP_KEEPCNT"
        }
    }

    /// The option with this C level and number, if the package names it.
    init?(level: CInt, name: CInt) {
        guard let found = Self.allCases.first(where: { $0.rawLevel == level && $0.rawName == name }) else { return nil }
        self = found
    }
}
