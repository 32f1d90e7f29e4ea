// SocketOptions tests: options from text, as a command line or a configuration file gives them.

import Testing

@testable import SocketOptions

@Suite("Options from text")
struct ParsingTests {
    @Test(
        "NAME=VALUE parses by Swift name, kebab case or C name, with units",
        arguments: [
            ("receive-buffer-size=1048576", SocketOption.receiveBufferSize(1_048_576)),
            ("receiveBufferSize=1048576", .receiveBufferSize(1_048_576)),
            ("SO_RCVBUF=1048576", .receiveBufferSize(1_048_576)),
            ("no-delay=on", .noDelay(true)),
            ("SO_KEEPALIVE=1", .keepAlive(true)),
            ("reuse-port=false", .reusePort(false)),
            ("receive-timeout=250ms", .receiveTimeout(.milliseconds(250))),
            ("send-timeout=off", .sendTimeout(nil)),
            ("linger=5", .linger(.seconds(5))),
            ("linger=none", .linger(nil)),
            ("keep-alive-idle=60", .keepAliveIdle(.seconds(60))),
            ("keep-alive-idle=2s", .keepAliveIdle(.seconds(2))),
            ("TCP_USER_TIMEOUT=1500", .userTimeout(.milliseconds(1500))),
            ("busy-poll=50us", .busyPoll(.microseconds(50))),
            ("congestion-control=reno", .congestionControl("reno")),
            ("bind-to-device=lo", .bindToDevice("lo")),
            ("bind-to-device=none", .bindToDevice(nil)),
            ("ipv4-multicast-interface=127.0.0.1", .ipv4MulticastInterface(.loopback)),
            ("mark=4294967295", .mark(UInt32.max)),
        ]
    )
    func parses(text: String, expected: SocketOption) throws {
        #expect(try SocketOption(parsing: text) == expected)
    }

    @Test(
        "Text that is not an option setting says why",
        arguments: [
            ("receive-buffer-size", "NAME=VALUE"),
            ("no-such-option=1", "no option"),
            ("no-delay=maybe", "not on or off"),
            ("receive-buffer-size=lots", "not a whole number"),
            ("receive-timeout=250", "not a duration"),
            ("receive-timeout=5 minutes", "not a duration"),
            ("ipv4-multicast-interface=127.1", "not an IPv4 address"),
        ]
    )
    func rejects(text: String, reasonMentions word: String) {
        #expect {
            _ = try SocketOption(parsing: text)
        } throws: { error in
            guard case .invalidOptionText(let refused, let reason) = error as? SocketError else { return false }
            return refused == text && reason.contains(word)
        }
    }

    @Test("A value that parses but is out of range is .invalidValue")
    func outOfRange() {
        #expect(throws: SocketError.self) { _ = try SocketOption(parsing: "keep-alive-count=500") }
        #expect {
            _ = try SocketOption(parsing: "keep-alive-count=500")
        } throws: { error in
            if case .invalidValue(.keepAliveCount(500), _) = error as? SocketError { return true }
            return false
        }
    }

    @Test("Every option's Swift name, kebab name and C name find it")
    func everyNameFindsItsOption() {
        for name in SocketOption.Name.allCases {
            let kebab = name.rawValue.reduce(into: "") { text, character in
                if character.isUppercase { text += "-" + character.lowercased() } else { text.append(character) }
            }
            #expect(SocketOption.Name(parsing: name.rawValue) == name)
            #expect(SocketOption.Name(parsing: kebab) == name, "\(kebab)")
            #expect(SocketOption.Name(parsing: name.cName) == name)
        }
        #expect(SocketOption.Name(parsing: "SO_NOSUCH") == nil)
    }
}
