// SocketOptions tests: address text is parsed strictly with inet_pton.

import Glibc
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
                ("127.0.0.1:8080", "127.0.0.1", 8080, SocketFamily.ipv4),
                ("0.0.0.0:0", "0.0.0.0", 0, .ipv4),
                ("255.255.255.255:65535", "255.255.255.255", 65535, .ipv4),
                ("[::1]:8080", "::1", 8080, .ipv6),
                ("[::]:443", "::", 443, .ipv6),
                ("[2001:db8::1]:80", "2001:db8::1", 80, .ipv6),
            ]
        )
        func parses(text: String, host: String, port: Int, family: SocketFamily) throws {
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
                // One rule for leading zeros: none, whatever the length ("0" alone is port 0).
                ("127.0.0.1:000080", "leading zero; write it as 80"),
                ("127.0.0.1:00080", "leading zero; write it as 80"),
                ("127.0.0.1:080", "leading zero; write it as 80"),
                ("127.0.0.1:00", "leading zero; write it as 0"),
                ("[::1]]:80", "brackets do not pair up"),
                ("[[::1]]:80", "brackets do not pair up"),
                ("[::1:80", "brackets do not pair up"),
                ("::1]:80", "brackets do not pair up"),
                ("127.0.0.1]:80", "brackets do not pair up"),
                // A zone is an interface that exists, by name or by number.
                ("[fe80::1%4000000000]:0", "no network interface \"4000000000\""),
                ("[fe80::1%0]:0", "no network interface \"0\""),
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

        @Test("A relative path that starts with @ stays a path, and prints as text that reads back as it")
        func atPathIsNotAbstract() throws {
            let path = try SocketAddress.unix(path: "@foo")
            #expect(path.unixPath == "./@foo")
            #expect(path.description == "unix:./@foo")
            #expect(try SocketAddress(path.description) == path)
            #expect(try SocketAddress(path.description) != SocketAddress.abstractUnix(name: "foo"))
            #expect(try SocketAddress("unix:@foo") == SocketAddress.abstractUnix(name: "foo"))
        }

        @Test("Every address prints as text that parses back to it (20,000 generated addresses and texts)")
        func printingAndParsingRoundTrip() throws {
            var random = SplitMix64(seed: 0x5eed_7)
            let loopbackIndex = if_nametoindex("lo")
            // Control characters, C1, a bidi override and a backslash too: a peer's path may hold them.
            let pathCharacters = Array("abc/._-@:[]%é日 09\u{1B}\u{7}\n\t\u{7F}\u{9B}\u{202E}\\")
            func text(_ length: Int, from characters: [Character]) -> String {
                String((0..<length).map { _ in characters[Int(random.next() % UInt64(characters.count))] })
            }
            var failures: [String] = []
            for round in 0..<10_000 {
                let port = UInt16(truncatingIfNeeded: random.next())
                let address: SocketAddress
                switch round % 5 {
                case 0: address = SocketAddress(ip: .ipv4(UInt32(truncatingIfNeeded: random.next())), port: port)
                case 1: address = SocketAddress(ip: .ipv6(random.next(), random.next(), scope: 0), port: port)
                case 2:
                    // Link-local with the loopback's zone, and IPv4-mapped.
                    let linkLocal = UInt64(0xfe80).bigEndian
                    address = SocketAddress(ip: .ipv6(linkLocal, random.next(), scope: loopbackIndex), port: port)
                case 3: address = try .unix(path: text(1 + Int(random.next() % 40), from: pathCharacters))
                default: address = try .abstractUnix(name: text(1 + Int(random.next() % 40), from: pathCharacters))
                }
                let parsed = try? SocketAddress(address.description)
                if parsed != address {
                    failures.append("\(address.description) read back as \(String(describing: parsed))")
                }
            }
            // Text: whatever parses prints in a form that parses to the same address.
            let textCharacters = Array("0123456789.:[]%@/unixlof:abcdef\\x{}")
            for _ in 0..<10_000 {
                let candidate = text(Int(random.next() % 24), from: textCharacters)
                guard let address = try? SocketAddress(candidate) else { continue }
                if (try? SocketAddress(address.description)) != address {
                    failures.append("\(candidate) → \(address.description) does not read back")
                }
            }
            #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
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
