// SocketOptions: the kernel's view of a TCP connection (Linux TCP_INFO).

#if os(Linux)
/// What the kernel knows about a TCP socket: its state, round-trip time, retransmissions and
/// congestion window. Linux only. The corresponding C option is `TCP_INFO` and its structure
/// `struct tcp_info`.
public struct TCPInfo: Hashable, Sendable {
    /// The TCP state, as in RFC 793 (`tcpi_state`).
    public enum State: Hashable, Sendable, CustomStringConvertible {
        /// `TCP_ESTABLISHED`.
        case established
        /// `TCP_SYN_SENT`.
        case synSent
        /// `TCP_SYN_RECV`.
        case synReceived
        /// `TCP_FIN_WAIT1`.
        case finWait1
        /// `TCP_FIN_WAIT2`.
        case finWait2
        /// `TCP_TIME_WAIT`.
        case timeWait
        /// `TCP_CLOSE`.
        case closed
        /// `TCP_CLOSE_WAIT`: the peer has closed its end.
        case closeWait
        /// `TCP_LAST_ACK`.
        case lastAck
        /// `TCP_LISTEN`.
        case listen
        /// `TCP_CLOSING`.
        case closing
        /// A state number this package does not name.
        case other(UInt8)

        init(raw: UInt8) {
            let states: [State] = [
                .established, .synSent, .synReceived, .finWait1, .finWait2, .timeWait, .closed, .closeWait, .lastAck,
                .listen, .closing,
            ]
            self = raw >= 1 && Int(raw) <= states.count ? states[Int(raw) - 1] : .other(raw)
        }

        public var description: String {
            switch self {
            case .established: "ESTABLISHED"
            case .synSent: "SYN_SENT"
            case .synReceived: "SYN_RECV"
            case .finWait1: "FIN_WAIT1"
            case .finWait2: "FIN_WAIT2"
            case .timeWait: "TIME_WAIT"
            case .closed: "CLOSE"
            case .closeWait: "CLOSE_WAIT"
            case .lastAck: "LAST_ACK"
            case .listen: "LISTEN"
            case .closing: "CLOSING"
            case .other(let raw): "state \(raw)"
            }
        }
    }

    /// The connection's state (`tcpi_state`).
    public let state: State
    /// The smoothed round-trip time (`tcpi_rtt`, kept in microseconds).
    public let roundTripTime: Duration
    /// The round-trip time's variance (`tcpi_rttvar`).
    public let roundTripTimeVariance: Duration
    /// Retransmissions of the segment not yet acknowledged (`tcpi_retransmits`).
    public let retransmits: Int
    /// All retransmissions over the connection's life (`tcpi_total_retrans`).
    public let totalRetransmits: Int
    /// The congestion window, in segments (`tcpi_snd_cwnd`).
    public let congestionWindow: Int
    /// The slow-start threshold, in segments (`tcpi_snd_ssthresh`).
    public let slowStartThreshold: Int
    /// The largest segment sent (`tcpi_snd_mss`).
    public let sendMSS: Int
    /// The largest segment received (`tcpi_rcv_mss`).
    public let receiveMSS: Int
    /// Segments sent and not yet acknowledged (`tcpi_unacked`); for a listener, the connections
    /// waiting to be accepted.
    public let unacknowledged: Int
    /// Segments thought lost (`tcpi_lost`).
    public let lost: Int
    /// For a listener, the backlog the kernel kept after capping it at `net.core.somaxconn`
    /// (`tcpi_sacked`); for a connection, segments selectively acknowledged.
    public let acceptQueueLimit: Int
}
#endif
