// SocketOptions tests: bad input is refused with a typed error before any system call.

import Testing

@testable import SocketOptions

@Suite("Validation before any system call")
struct ValidationTests {
    /// The option, and a word its error's reason must contain.
    static let badOptions: [(SocketOption, String)] = [
        (.receiveBufferSize(-1), "1..."),
        (.receiveBufferSize(0), "1..."),
        (.sendBufferSize(Int(Int32.max) + 1), "1..."),
        (.linger(.seconds(-1)), "0...2147483647"),
        (.linger(.milliseconds(500)), "whole seconds"),
        (.receiveTimeout(.zero), "nil"),
        (.sendTimeout(.seconds(-3)), "negative"),
        (.receiveTimeout(.nanoseconds(999)), "1 µs"),
        (.keepAliveIdle(.zero), "1...32767"),
        (.keepAliveIdle(.seconds(32768)), "1...32767"),
        (.keepAliveIdle(.milliseconds(1500)), "whole seconds"),
        (.keepAliveInterval(.seconds(-1)), "1...32767"),
        (.keepAliveCount(0), "1...127"),
        (.keepAliveCount(128), "1...127"),
        (.receiveLowWatermark(0), "1..."),
        (.maxSegment(87), "88...32767"),
        (.maxSegment(32768), "88...32767"),
        (.notSentLowWatermark(0), "1..."),
        (.priority(-1), "0..."),
        (.incomingCPU(-1), "0..."),
        (.busyPoll(.zero), "or nil for off"),
        (.busyPoll(.nanoseconds(1500)), "whole microseconds"),
        (.userTimeout(.microseconds(1500)), "whole milliseconds"),
        (.userTimeout(.zero), "or nil for off"),
        (.fastOpen(-1), "0..."),
        (.deferAccept(.milliseconds(500)), "whole seconds"),
        (.congestionControl(""), "1...15 bytes"),
        (.congestionControl("a-very-long-name"), "1...15 bytes"),
        (.congestionControl("re\u{0}no"), "NUL"),
        (.windowClamp(0), "1..."),
        (.bindToDevice("eth/0"), "not an interface name"),
        (.bindToDevice(".."), "not an interface name"),
        (.bindToDevice("sixteen-bytes-xx"), "1...15 bytes"),
        (.timeToLive(0), "1...255"),
        (.timeToLive(256), "1...255"),
        (.typeOfService(-1), "0...255"),
        (.typeOfService(256), "0...255"),
        (.ipv4MulticastTimeToLive(256), "0...255"),
        (.ipv6UnicastHops(-1), "0...255"),
        (.ipv6UnicastHops(256), "0...255"),
        (.ipv6TrafficClass(256), "0...255"),
        (.ipv6MulticastHops(-1), "0...255"),
        (.ipv6MulticastInterface(-1), "0..."),
    ]

    @Test(
        "An out-of-range option value throws .invalidValue naming the range, and no call is made",
        arguments: badOptions
    )
    func badValueIsRefused(option: SocketOption, reasonMentions word: String) throws {
        // On a socket that has the option: a socket that lacks it refuses it as such first.
        let sockets = option.name.row.sockets
        let (_, calls) = recording {
            #expect {
                if sockets.allows(SocketKind(family: .ipv4, type: .stream)) {
                    _ = try ListeningSocket(address: anyLoopbackPort, options: [.reuseAddress(true), option])
                } else if sockets.allows(SocketKind(family: .ipv6, type: .stream)) {
                    _ = try ListeningSocket(address: .ipv6Loopback(port: 0), options: [.reuseAddress(true), option])
                } else if sockets.allows(SocketKind(family: .ipv4, type: .datagram)) {
                    _ = try DatagramSocket(address: anyLoopbackPort, options: [option])
                } else {
                    _ = try DatagramSocket(address: .ipv6Loopback(port: 0), options: [option])
                }
            } throws: { error in
                guard case .invalidValue(let refused, let reason) = error as? SocketError else { return false }
                return refused == option && reason.contains(word)
            }
        }
        #expect(calls.isEmpty, "calls made: \(calls)")
    }

    @Test(
        "A negative or oversized backlog throws .invalidBacklog, and no call is made",
        arguments: [-1, Int(Int32.max) + 1]
    )
    func badBacklogIsRefused(backlog: Int) {
        let (_, calls) = recording {
            #expect(throws: SocketError.invalidBacklog(backlog)) {
                _ = try ListeningSocket(address: anyLoopbackPort, backlog: backlog)
            }
        }
        #expect(calls.isEmpty)
    }

    @Test("An option given twice is refused, and no call is made")
    func duplicateOptionIsRefused() {
        let (_, calls) = recording {
            #expect {
                _ = try ListeningSocket(address: anyLoopbackPort, options: [.reuseAddress(true), .reuseAddress(false)])
            } throws: { error in
                guard let error = error as? SocketError,
                    error == .optionGivenTwice(.reuseAddress, first: .reuseAddress(true), second: .reuseAddress(false))
                else { return false }
                return error.errno == nil && error.description.contains("SO_REUSEADDR")
                    && error.description.contains("given twice")
            }
        }
        #expect(calls.isEmpty)
    }

    @Test("A datagram socket refuses an option given twice the same way, and no call is made")
    func duplicateDatagramOptionIsRefused() {
        let (_, calls) = recording {
            #expect(
                throws: SocketError.optionGivenTwice(
                    .timeToLive,
                    first: .timeToLive(3),
                    second: .timeToLive(3)
                )
            ) {
                _ = try DatagramSocket(
                    address: anyLoopbackPort,
                    options: [.timeToLive(3), .broadcast(true), .timeToLive(3)]
                )
            }
        }
        #expect(calls.isEmpty)
    }

    @Test("ipv6Only on an IPv4 address is .optionNotSupported, and no call is made")
    func ipv6OnlyOnIPv4IsRefused() {
        let (_, calls) = recording {
            #expect(
                throws: SocketError.optionNotSupported(
                    .ipv6Only,
                    socket: SocketKind(family: .ipv4, type: .stream),
                    errno: nil
                )
            ) {
                _ = try ListeningSocket(address: anyLoopbackPort, options: [.ipv6Only(true)])
            }
        }
        #expect(calls.isEmpty)
    }

    @Test("Values at the edges of the ranges pass validation")
    func edgeValuesPass() throws {
        let good: [SocketOption] = [
            .receiveBufferSize(1), .sendBufferSize(Int(Int32.max)), .linger(.zero), .linger(.seconds(Int64(Int32.max))),
            .receiveTimeout(.microseconds(1)), .sendTimeout(nil), .keepAliveIdle(.seconds(1)),
            .keepAliveInterval(.seconds(32767)), .keepAliveCount(1), .keepAliveCount(127),
        ]
        for option in good {
            #expect(throws: Never.self) { _ = try CheckedOption(option).value }
        }
    }

    @Test("A sub-microsecond remainder is rounded up, never down to a shorter wait")
    func timeoutRoundsUp() throws {
        guard case .time(let time) = try CheckedOption(.receiveTimeout(.nanoseconds(1_000_001))).value else {
            Issue.record("a timeout encodes as a timeval")
            return
        }
        #expect(time.tv_sec == 0 && time.tv_usec == 1001)
        guard case .time(let carried) = try CheckedOption(.sendTimeout(.nanoseconds(1_999_999_999))).value else {
            Issue.record("a timeout encodes as a timeval")
            return
        }
        #expect(carried.tv_sec == 2 && carried.tv_usec == 0)
    }
}
