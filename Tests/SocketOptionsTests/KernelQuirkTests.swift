// SocketOptions tests: what the kernel does with the newer options beyond keeping the value: UDP
// segmentation offload and receive coalescing, the FIN_WAIT2 timeout's special values, the states in
// which Fast Open for clients may be set, the two timestamp options that exclude each other, and
// the interface binding seen by index and by name.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("What the kernel does with the newer options")
    struct KernelQuirkTests {
        /// Sends 2500 bytes in one call from a socket with UDP_SEGMENT 1000 and returns the sizes of
        /// the datagrams the receiver gets.
        private func segmentSizes(receiverCoalesces: Bool) throws -> [Int] {
            let receiver = try DatagramSocket(
                address: anyLoopbackPort,
                options: [.udpReceiveOffload(receiverCoalesces)]
            )
            let sender = try DatagramSocket(address: anyLoopbackPort, options: [.udpSegmentSize(1000)])
            try sender.send(Array(repeating: UInt8(7), count: 2500), to: receiver.localAddress)
            var sizes: [Int] = []
            while let datagram = try receiver.receive(upTo: 65536, timeout: .milliseconds(300)) {
                sizes.append(datagram.bytes.count)
            }
            try receiver.close()
            try sender.close()
            return sizes
        }

        @Test("UDP_SEGMENT cuts one send into datagrams of its size; UDP_GRO at the receiver gets them as one")
        func segmentationAndCoalescing() throws {
            #expect(try segmentSizes(receiverCoalesces: false) == [1000, 1000, 500])
            #expect(try segmentSizes(receiverCoalesces: true) == [2500])
        }

        @Test("A segment size the kernel cannot keep (65536 and up) is refused before any call")
        func segmentSizeRange() throws {
            let fd = TestSocketKind.udp4.makeSocket()
            defer { close(fd) }
            #expect(
                try BorrowedSocket(borrowing: fd).setOption(.udpSegmentSize(65535)).effective == .udpSegmentSize(65535)
            )
            let (_, calls) = recording {
                #expect(throws: SocketError.self) {
                    try BorrowedSocket(borrowing: fd).setOption(.udpSegmentSize(65536))
                }
                #expect(throws: SocketError.self) { try BorrowedSocket(borrowing: fd).setOption(.udpSegmentSize(0)) }
            }
            #expect(calls.isEmpty)
        }

        @Test("TCP_LINGER2: .zero is the kernel's -1 (no FIN_WAIT2 at all), nil its default, 120 s its longest")
        func finWait2Timeout() throws {
            let fd = TestSocketKind.tcp4.makeSocket()
            defer { close(fd) }
            let finTimeout = Int64(sysctl("net/ipv4/tcp_fin_timeout") ?? -1)
            #expect(
                try BorrowedSocket(borrowing: fd).setOption(.finWait2Timeout(.zero)).effective
                    == .finWait2Timeout(.zero)
            )
            #expect(rawIntOption(fd, CInt(IPPROTO_TCP), TCP_LINGER2) == -1)
            // 0 means "the system's value", and reads back as that value.
            #expect(
                try BorrowedSocket(borrowing: fd).setOption(.finWait2Timeout(nil)).effective
                    == .finWait2Timeout(.seconds(finTimeout))
            )
            #expect(
                try BorrowedSocket(borrowing: fd).setOption(.finWait2Timeout(.seconds(120))).effective
                    == .finWait2Timeout(.seconds(120))
            )
            // Linux would keep 120 for anything longer, without a word.
            let (_, calls) = recording {
                #expect(throws: SocketError.self) {
                    try BorrowedSocket(borrowing: fd).setOption(.finWait2Timeout(.seconds(121)))
                }
                #expect(throws: SocketError.self) {
                    try BorrowedSocket(borrowing: fd).setOption(.finWait2Timeout(.milliseconds(1500)))
                }
            }
            #expect(calls.isEmpty)
        }

        @Test("TCP_SYNCNT takes 1...127 (MAX_TCP_SYNCNT) and nothing else reaches the kernel")
        func synRetriesRange() throws {
            let fd = TestSocketKind.tcp4.makeSocket()
            defer { close(fd) }
            #expect(try BorrowedSocket(borrowing: fd).setOption(.synRetries(1)).effective == .synRetries(1))
            #expect(try BorrowedSocket(borrowing: fd).setOption(.synRetries(127)).effective == .synRetries(127))
            let (_, calls) = recording {
                for value in [0, 128, -1, Int.max, Int.min] {
                    #expect(throws: SocketError.self) {
                        try BorrowedSocket(borrowing: fd).setOption(.synRetries(value))
                    }
                }
            }
            #expect(calls.isEmpty)
        }

        @Test("TCP_FASTOPEN_CONNECT is taken before connect only: a listener's is EINVAL")
        func fastOpenConnectBeforeConnectOnly() throws {
            let fd = TestSocketKind.tcp4.makeSocket()
            defer { close(fd) }
            #expect(
                try BorrowedSocket(borrowing: fd).setOption(.fastOpenConnect(true)).effective == .fastOpenConnect(true)
            )
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let descriptor = listener.releaseDescriptor()
            defer { close(descriptor) }
            // EINVAL, which the package reports as a value the socket can no longer take.
            #expect {
                try BorrowedSocket(borrowing: descriptor).setOption(.fastOpenConnect(true))
            } throws: { error in
                guard case .invalidValue(.fastOpenConnect(true), let reason) = error as? SocketError else {
                    return false
                }
                return reason.contains("EINVAL")
            }
        }

        @Test("TCP_FASTOPEN_CONNECT is EOPNOTSUPP where net.ipv4.tcp_fastopen turns client Fast Open off")
        func fastOpenConnectNeedsTheSysctl() throws {
            let outcome = try inPrivateNetworkNamespace { () throws -> String in
                // Per namespace: the machine's own setting does not change.
                try runToEnd(["/usr/sbin/sysctl", "-qw", "net.ipv4.tcp_fastopen=0"])
                let fd = TestSocketKind.tcp4.makeSocket()
                defer { close(fd) }
                do {
                    try BorrowedSocket(borrowing: fd).setOption(.fastOpenConnect(true))
                    return "taken"
                } catch {
                    return "\((error as? SocketError) == .system(.setOption(.fastOpenConnect), .notSupported))"
                }
            }
            #expect(outcome == "true")
        }

        @Test("SO_TIMESTAMPNS and SO_TIMESTAMP exclude each other: the last one set wins, the other reads off")
        func timestampOptionsExcludeEachOther() throws {
            let fd = TestSocketKind.udp4.makeSocket()
            defer { close(fd) }
            try BorrowedSocket(borrowing: fd).setOption(.timestampsNanoseconds(true))
            #expect(try BorrowedSocket(borrowing: fd).option(.timestamps) == .timestamps(false))
            try BorrowedSocket(borrowing: fd).setOption(.timestamps(true))
            #expect(
                try BorrowedSocket(borrowing: fd).option(.timestampsNanoseconds) == .timestampsNanoseconds(false)
            )
            #expect(try BorrowedSocket(borrowing: fd).option(.timestamps) == .timestamps(true))
        }

        @Test("Binding to lo by index reads back as lo by name: one binding, two views")
        func interfaceIndexAndName() throws {
            let fd = TestSocketKind.tcp4.makeSocket()
            defer { close(fd) }
            let lo = Int(if_nametoindex("lo"))
            try BorrowedSocket(borrowing: fd).setOption(.bindToInterfaceIndex(lo))
            #expect(try BorrowedSocket(borrowing: fd).option(.bindToDevice) == .bindToDevice("lo"))
            try BorrowedSocket(borrowing: fd).setOption(.bindToDevice(nil))
            #expect(try BorrowedSocket(borrowing: fd).option(.bindToInterfaceIndex) == .bindToInterfaceIndex(nil))
        }

        @Test("IP_MTU_DISCOVER keeps each of the six modes")
        func pathMTUDiscoveryModes() throws {
            let fd = TestSocketKind.udp4.makeSocket()
            defer { close(fd) }
            for mode in PathMTUDiscovery.allCases {
                #expect(
                    try BorrowedSocket(borrowing: fd).setOption(.pathMTUDiscovery(mode)).effective
                        == .pathMTUDiscovery(mode)
                )
            }
            // The C numbers, from linux/in.h: a mode sent as the wrong number would read back as another.
            try BorrowedSocket(borrowing: fd).setOption(.pathMTUDiscovery(.always))
            #expect(rawIntOption(fd, CInt(IPPROTO_IP), IP_MTU_DISCOVER) == IP_PMTUDISC_DO)
        }
    }
}
