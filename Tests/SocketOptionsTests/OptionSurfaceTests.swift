// SocketOptions tests: the one option surface on every socket: typed reads on a borrowed
// descriptor, setting options on a bound datagram socket, releasing a connection's descriptor,
// and errors that carry an errno only when a call returned one.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("One option surface for every socket")
    struct OptionSurfaceTests {
        @Test("Typed reads on a borrowed descriptor agree with a bare getsockopt, and leave it open")
        func typedReadsOnABorrowedDescriptor() throws {
            let fd = rawSocket(AF_INET6, CInt(SOCK_DGRAM.rawValue))
            defer { close(fd) }
            let socket = BorrowedSocket(borrowing: fd)
            #expect(try socket.value(.type) == .datagram)
            #expect(try socket.value(.domain) == .ipv6)
            #expect(try socket.value(.transportProtocol) == 17)
            #expect(try socket.value(.receiveBufferSize) == Int(rawIntOption(fd, SOL_SOCKET, SO_RCVBUF)))
            #expect(try socket.value(.ipv6Only) == (rawIntOption(fd, CInt(IPPROTO_IPV6), IPV6_V6ONLY) != 0))
            try socket.set(.ipv6MulticastHops, 7)
            #expect(rawIntOption(fd, CInt(IPPROTO_IPV6), IPV6_MULTICAST_HOPS) == 7)
            #expect(try socket.value(.ipv6MulticastHops) == 7)
            #expect(fcntl(fd, F_GETFD) != -1)
        }

        @Test("A bound datagram socket sets multicast TTL, loop and interface, read back with getsockopt")
        func datagramSetsMulticastOptionsAfterBind() throws {
            let socket = try DatagramSocket(address: anyLoopbackPort)
            let fd = socket.rawDescriptor
            let ttl = try socket.set(.ipv4MulticastTimeToLive, 4)
            #expect(ttl.effective == 4 && ttl.option.effective == .ipv4MulticastTimeToLive(4))
            #expect(rawIntOption(fd, CInt(IPPROTO_IP), IP_MULTICAST_TTL) == 4)
            // IP_MULTICAST_LOOP is on by default (ip(7)).
            #expect(try socket.value(.ipv4MulticastLoop))
            try socket.set(.ipv4MulticastLoop, false)
            #expect(rawIntOption(fd, CInt(IPPROTO_IP), IP_MULTICAST_LOOP) == 0)
            try socket.set(.ipv4MulticastInterface, .loopback)
            #expect(try socket.value(.ipv4MulticastInterface) == .loopback)
        }

        @Test("A bound datagram socket refuses, before any call, options past bind and options UDP lacks")
        func datagramRefusesBeforeAnyCall() throws {
            let socket = try DatagramSocket(address: anyLoopbackPort)
            let (_, calls) = recording {
                #expect {
                    try socket.set(.reusePort, true)
                } throws: { error in
                    guard case .optionNotApplicable(.reusePort, let reason) = error as? SocketError else {
                        return false
                    }
                    return reason.contains("before bind")
                }
                #expect(throws: SocketError.optionNotSupported(.noDelay, socket: TestSocketKind.udp4.kind, errno: nil))
                {
                    try socket.set(.noDelay, true)
                }
            }
            #expect(calls.isEmpty)
        }

        @Test("A connection's released descriptor stays open and is the caller's to close")
        func connectionReleasesItsDescriptor() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let connection = try Connection(connectingTo: listener.localAddress)
            let expected = connection.rawDescriptor
            let fd = connection.releaseDescriptor()
            #expect(fd == expected)
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
            #expect(rawIntOption(fd, SOL_SOCKET, SO_TYPE) == CInt(SOCK_STREAM.rawValue))
            #expect(close(fd) == 0)
        }

        @Test(
            "A listener's socketKind is the family and type the kernel reports (SO_DOMAIN, SO_TYPE), read without a call"
        )
        func listenerKnowsItsKind() throws {
            let ipv4 = try ListeningSocket(address: anyLoopbackPort)
            let ipv6 = try ListeningSocket(address: try SocketAddress("[::1]:0"))
            // The kernel's answer: AF_INET and AF_INET6, SOCK_STREAM for both.
            #expect(rawIntOption(ipv4.rawDescriptor, SOL_SOCKET, SO_DOMAIN) == AF_INET)
            #expect(rawIntOption(ipv6.rawDescriptor, SOL_SOCKET, SO_DOMAIN) == AF_INET6)
            #expect(rawIntOption(ipv4.rawDescriptor, SOL_SOCKET, SO_TYPE) == CInt(SOCK_STREAM.rawValue))
            #expect(rawIntOption(ipv6.rawDescriptor, SOL_SOCKET, SO_TYPE) == CInt(SOCK_STREAM.rawValue))
            #expect(ipv4.socketKind == SocketKind(family: .ipv4, type: .stream))
            #expect(ipv6.socketKind.family == .ipv6 && ipv6.socketKind.type == .stream)
            #if SOCKETOPTIONS_SYSCALL_RECORDING
            let (kind, calls) = recording { ipv6.socketKind }
            #expect(kind == SocketKind(family: .ipv6, type: .stream))
            #expect(calls.isEmpty)
            #endif
        }

        #if SOCKETOPTIONS_SYSCALL_RECORDING
        @Test("EINVAL from a set is decided with one read of the socket's kind: the value, or an option the kind lacks")
        func invalidArgumentReadsTheKindOnce() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let connection = try Connection(connectingTo: listener.localAddress)
            let borrowed = BorrowedSocket(borrowing: connection.rawDescriptor)
            // A TCP socket has SO_RCVBUF: EINVAL refuses the value.
            let (_, kept) = recording(.failing(.setsockopt, with: .invalidArgument)) {
                #expect(throws: SocketError.self) { try borrowed.setOption(.receiveBufferSize(4096)) }
            }
            // A TCP socket lacks IP_MULTICAST_TTL (a UDP option): EINVAL says so, with the kind.
            let (_, lacked) = recording(.failing(.setsockopt, with: .invalidArgument)) {
                #expect(
                    throws: SocketError.optionNotSupported(
                        .ipv4MulticastTimeToLive,
                        socket: SocketKind(family: .ipv4, type: .stream),
                        errno: .invalidArgument
                    )
                ) {
                    try borrowed.setOption(.ipv4MulticastTimeToLive(4))
                }
            }
            // SO_TYPE and SO_DOMAIN, once each, after the failed set.
            for calls in [kept, lacked] {
                #expect(calls.map(\.kind) == [.setsockopt, .getsockopt, .getsockopt], "\(calls)")
            }
            let refusal = recording(.failing(.setsockopt, with: .invalidArgument)) {
                Result { () throws(SocketError) in try borrowed.setOption(.receiveBufferSize(4096)) }
            }.0
            guard case .failure(.invalidValue(.receiveBufferSize(4096), _)) = refusal else {
                Issue.record("EINVAL on a kind that has the option refuses the value: \(refusal)")
                return
            }
        }
        #endif

        @Test("optionNotSupported carries no errno when the package refused it before any call")
        func noInventedErrno() throws {
            let refused = #expect(throws: SocketError.self) {
                _ = try ListeningSocket(address: anyLoopbackPort, options: [.ipv4MulticastTimeToLive(5)])
            }
            #expect(
                refused == .optionNotSupported(.ipv4MulticastTimeToLive, socket: TestSocketKind.tcp4.kind, errno: nil)
            )
            #expect(refused?.errno == nil)
            // The kernel's own answer is kept: IPV6_V6ONLY on an IPv4 socket is ENOPROTOOPT (ip(7)).
            let fd = rawSocket()
            defer { close(fd) }
            let answered = #expect(throws: SocketError.self) {
                try BorrowedSocket(borrowing: fd).set(.ipv6Only, true)
            }
            #expect(answered?.errno == .protocolNotAvailable)
        }
    }
}
