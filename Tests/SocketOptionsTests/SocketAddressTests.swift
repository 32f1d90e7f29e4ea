// SocketOptions tests: address text is parsed strictly with inet_pton.

import Testing

@testable import SocketOptions

extension KernelTests {
    // Under KernelTests: if_nametoindex, which zones use, opens a socket for a moment, and the
    // descriptor-leak test would see it if it ran alongside.
    @Suite("SocketAddress")
    struct SocketAddressTests {
        @Test(
            "Standard IPv4 and IPv6 text parses, and prints back the same way",
            arguments: [
                ("127.0.0.1:8080", "127.0.0.1", 8080, SocketAddress.Family.ipv4),
                ("0.0.0.0:0", "0.0.0.0", 0, .ipv4),
                ("255.255.255.255:65535", "255.255.255.255", 65535, .ipv4),
                ("[::1]:8080", "::1", 8080, .ipv6),
                ("[::]:443", "::", 443, .ipv6),
                ("[2001:db8::1]:80", "2001:db8::1", 80, .ipv6),
            ]
        )
        func parses(text: String, host: String, port: Int, family: SocketAddress.Family) throws {
            let address = try SocketAddress(text)
            #expect(address.host == host)
            #expect(Int(address.port) == port)
            #expect(address.family == family)
            #expect(address.description == text)
            #expect(try SocketAddress(host: host, port: UInt16(port)) == address)
        }

        @Test("IPv6 text is printed in its canonical form")
        func ipv6Canonical() throws {
            #expect(try SocketAddress("[0:0:0:0:0:0:0:1]:9").description == "[::1]:9")
            #expect(try SocketAddress("[2001:DB8:0::1]:9").host == "2001:db8::1")
        }

        @Test(
            "Text inet_aton would take, or that is not an address, is .invalidAddress with the reason",
            arguments: [
                ("127.1:80", "standard form"),
                ("0x7f.0.0.1:80", "standard form"),
                ("017.0.0.1:80", "standard form"),
                ("1.2.3.4 :80", "standard form"),
                ("256.0.0.1:80", "standard form"),
                ("localhost:80", "standard form"),
                ("127.0.0.1:65536", "outside 0...65535"),
                ("127.0.0.1:99999999999999999999", "outside 0...65535"),
                ("127.0.0.1:", "no port"),
                ("127.0.0.1", "no port"),
                ("127.0.0.1:+80", "not a decimal number"),
                ("127.0.0.1: 80", "not a decimal number"),
                ("127.0.0.1:８０", "not a decimal number"),
                ("::1:80", "brackets"),
                ("[::1]", "no port"),
                ("[::1]80", "no port"),
                ("[127.0.0.1]:80", "not an IPv6 address"),
                ("[::g]:80", "not an IPv6 address"),
                ("", "empty"),
                ("127.0.0.1\u{0}:80", "NUL"),
            ]
        )
        func rejects(text: String, reasonMentions word: String) {
            #expect(throws: SocketError.invalidAddress(text)) { try SocketAddress(text) }
            let message = SocketError.invalidAddress(text).description
            #expect(message.contains(word), "\(message)")
            #expect(message.contains("\"127.0.0.1:8080\""))
        }

        @Test("init(host:port:) refuses a host that is not an IP address")
        func hostMustBeIP() throws {
            #expect(throws: SocketError.invalidAddress("example.com:80")) {
                try SocketAddress(host: "example.com", port: 80)
            }
            #expect(throws: SocketError.invalidAddress("[::1%nosuch0]:80")) {
                try SocketAddress(host: "::1%nosuch0", port: 80)
            }
            #expect(throws: SocketError.invalidAddress("/tmp/x.sock:80")) {
                try SocketAddress(host: "/tmp/x.sock", port: 80)
            }
            #expect(try SocketAddress(host: "::1%lo", port: 80) == SocketAddress("[::1%lo]:80"))
        }

        @Test("The named addresses are what they say")
        func namedAddresses() {
            #expect(SocketAddress.ipv4Any(port: 1).description == "0.0.0.0:1")
            #expect(SocketAddress.ipv4Loopback(port: 2).description == "127.0.0.1:2")
            #expect(SocketAddress.ipv6Loopback(port: 3).description == "[::1]:3")
            #expect(SocketAddress.ipv4Loopback(port: 2).withPort(9).port == 9)
        }
    }
}
