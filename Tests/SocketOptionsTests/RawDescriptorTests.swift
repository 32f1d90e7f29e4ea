// SocketOptions tests: options on descriptors that the package does not own.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("Options on a descriptor from elsewhere")
    struct RawDescriptorTests {
        @Test("An option set on a raw socket reads back through getsockopt, and the socket stays open")
        func setAndReadOnRawSocket() throws {
            let fd = rawSocket()
            defer { close(fd) }
            let applied = try BorrowedSocket(borrowing: fd).setOption(.noDelay(true))
            #expect(applied.effective == .noDelay(true))
            #expect(rawIntOption(fd, CInt(IPPROTO_TCP), TCP_NODELAY) == 1)
            #expect(try BorrowedSocket(borrowing: fd).option(.noDelay) == .noDelay(true))
            #expect(fcntl(fd, F_GETFD) != -1)
        }

        @Test("The OR-ed one-liner sets only SO_REUSEPORT; the library sets both")
        func orEdOptionsRegression() throws {
            let fd = rawSocket()
            defer { close(fd) }
            var one: CInt = 1
            // The snippet people copy: 2 | 15 == 15 on Linux, so this is SO_REUSEPORT alone.
            #expect(
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR | SO_REUSEPORT, &one, socklen_t(MemoryLayout<CInt>.size)) == 0
            )
            #expect(rawIntOption(fd, SOL_SOCKET, SO_REUSEADDR) == 0)
            #expect(rawIntOption(fd, SOL_SOCKET, SO_REUSEPORT) == 1)
            #expect(try BorrowedSocket(borrowing: fd).option(.reuseAddress) == .reuseAddress(false))

            let listener = try ListeningSocket(
                address: anyLoopbackPort,
                options: [.reuseAddress(true), .reusePort(true)]
            )
            #expect(rawIntOption(listener.descriptor.rawValue, SOL_SOCKET, SO_REUSEADDR) == 1)
            #expect(rawIntOption(listener.descriptor.rawValue, SOL_SOCKET, SO_REUSEPORT) == 1)
        }

        @Test("fd -1 is EBADF and a pipe is ENOTSOCK, as typed errors")
        func notASocket() throws {
            #expect(throws: SocketError.system(.setOption(.noDelay), .badFileDescriptor)) {
                try BorrowedSocket(borrowing: -1).setOption(.noDelay(true))
            }
            #expect(throws: SocketError.system(.getOption(.reuseAddress), .badFileDescriptor)) {
                try BorrowedSocket(borrowing: -1).option(.reuseAddress)
            }
            var ends: [CInt] = [0, 0]
            #expect(pipe(&ends) == 0)
            defer { for end in ends { close(end) } }
            #expect(throws: SocketError.system(.setOption(.reuseAddress), .notSocket)) {
                try BorrowedSocket(borrowing: ends[0]).setOption(.reuseAddress(true))
            }
        }

        @Test("An option the socket's protocol lacks is .optionNotSupported, not a raw errno")
        func optionNotSupported() throws {
            let udp = rawSocket(AF_INET, CInt(SOCK_DGRAM.rawValue))
            defer { close(udp) }
            #expect(
                throws: SocketError.optionNotSupported(
                    .noDelay,
                    socket: SocketKind(family: .ipv4, type: .datagram),
                    errno: .protocolNotAvailable
                )
            ) {
                try BorrowedSocket(borrowing: udp).setOption(.noDelay(true))
            }
            let tcp4 = rawSocket(AF_INET)
            defer { close(tcp4) }
            #expect(
                throws: SocketError.optionNotSupported(
                    .ipv6Only,
                    socket: SocketKind(family: .ipv4, type: .stream),
                    errno: .protocolNotAvailable
                )
            ) {
                try BorrowedSocket(borrowing: tcp4).setOption(.ipv6Only(true))
            }
        }

        @Test("A value the kernel refuses (IPV6_V6ONLY after bind: EINVAL) is .invalidValue")
        func kernelRefusesValue() throws {
            let fd = rawSocket(AF_INET6)
            defer { close(fd) }
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
            #expect(bound == 0)
            #expect {
                try BorrowedSocket(borrowing: fd).setOption(.ipv6Only(true))
            } throws: { error in
                guard case .invalidValue(.ipv6Only(true), let reason) = error as? SocketError else { return false }
                return reason.contains("EINVAL")
            }
        }

        @Test("Invalid values are refused before the descriptor is touched")
        func invalidValueBeforeSyscall() throws {
            let (_, calls) = recording {
                #expect(throws: SocketError.self) { try BorrowedSocket(borrowing: 0).setOption(.receiveBufferSize(-1)) }
            }
            #expect(calls.isEmpty)
        }
    }
}
