// SocketOptions tests: one family type for addresses and sockets, checked against what the kernel
// reports for a socket's domain (SO_DOMAIN).

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("SocketFamily")
    struct SocketFamilyTests {
        @Test(
            "A listener's family read from the kernel is its address's family, one type for both",
            arguments: [SocketFamily.ipv4, .ipv6, .unix]
        )
        func listenerFamilyIsAddressFamily(family: SocketFamily) throws {
            let address =
                switch family {
                case .ipv4: SocketAddress.ipv4Loopback(port: 0)
                case .ipv6: SocketAddress.ipv6Loopback(port: 0)
                default: try SocketAddress.abstractUnix(name: "socketoptions-family-\(getpid())")
                }
            #expect(address.family == family)
            let listener = try ListeningSocket(address: address)
            #expect(try listener.option(.domain) == .domain(family))
            #expect(try listener.snapshot().kind?.family == family)
            try listener.close()
        }

        @Test("The C constants are Linux's: AF_UNIX 1, AF_INET 2, AF_INET6 10, and any other family is kept by number")
        func constants() {
            // <bits/socket.h>: AF_UNIX 1, AF_INET 2, AF_INET6 10, AF_NETLINK 16.
            #expect(SocketFamily.unix.raw == 1 && SocketFamily.ipv4.raw == 2 && SocketFamily.ipv6.raw == 10)
            for family in [SocketFamily.ipv4, .ipv6, .unix, .other(16)] {
                #expect(SocketFamily(raw: family.raw) == family)
            }
            #expect(SocketFamily(raw: 16) == .other(16))
        }

        @Test("A known family written as .other(n) is that family: equal, hashed alike, described alike")
        func otherNeverHoldsAKnownFamily() {
            // <bits/socket.h>: AF_UNIX 1, AF_INET 2, AF_INET6 10, AF_NETLINK 16.
            #expect(SocketFamily.other(2) == .ipv4 && SocketFamily.other(10) == .ipv6 && SocketFamily.other(1) == .unix)
            #expect(SocketFamily.other(2) != .ipv6 && SocketFamily.other(16) != .ipv4)
            #expect(Set<SocketFamily>([.other(2), .ipv4, .other(10), .ipv6]).count == 2)
            #expect(SocketFamily.other(2).description == "IPv4")
            // The kernel's numbers never make .other for a known family.
            for number: Int32 in [1, 2, 10] {
                if case .other = SocketFamily(raw: number) { Issue.record("family \(number) read as .other") }
            }
            #expect(SocketFamily.other(16) == .other(16) && SocketFamily.other(16) != .other(17))
        }

        @Test("A socket of a family the package does not make reads back as .other with its number")
        func otherFamilyFromKernel() throws {
            // AF_NETLINK (16), NETLINK_ROUTE (0): needs no privilege.
            let fd = socket(AF_NETLINK, CInt(SOCK_RAW.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            try #require(fd >= 0, "socket(AF_NETLINK) failed: errno \(errno)")
            defer { close(fd) }
            #expect(try BorrowedSocket(borrowing: fd).value(.domain) == .other(16))
            #expect(SocketFamily.other(16).description == "family 16")
        }
    }
}
