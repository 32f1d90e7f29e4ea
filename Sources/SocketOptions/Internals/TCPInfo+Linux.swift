// SocketOptions: reading struct tcp_info.

#if os(Linux)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension TCPInfo {
    static func read(from fd: CInt) throws(SocketError) -> TCPInfo {
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        let result = valueOrErrno { system_getsockopt(fd, CInt(IPPROTO_TCP), TCP_INFO, &info, &length) }
        if case .failure(let errno) = result { throw .system(.tcpInfo, errno) }
        return TCPInfo(
            state: State(raw: info.tcpi_state),
            roundTripTime: .microseconds(Int64(info.tcpi_rtt)),
            roundTripTimeVariance: .microseconds(Int64(info.tcpi_rttvar)),
            retransmits: Int(info.tcpi_retransmits),
            totalRetransmits: Int(info.tcpi_total_retrans),
            congestionWindow: Int(info.tcpi_snd_cwnd),
            slowStartThreshold: Int(info.tcpi_snd_ssthresh),
            sendMSS: Int(info.tcpi_snd_mss),
            receiveMSS: Int(info.tcpi_rcv_mss),
            unacknowledged: Int(info.tcpi_unacked),
            lost: Int(info.tcpi_lost),
            acceptQueueLimit: Int(info.tcpi_sacked)
        )
    }
}
#endif
