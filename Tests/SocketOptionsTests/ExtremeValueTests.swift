// SocketOptions tests: the largest, smallest and oddest values the API, option text and the kernel
// can hand the library are taken exactly or refused with a typed error, and never trap.

import Glibc
import Testing

@testable import SocketOptions

@Suite("Extreme values: refused or exact, never a trap")
struct ExtremeValueTests {
    /// Past Int64 units, where a count of units overflows, and past Int64 seconds, where
    /// Duration.components itself traps.
    static let refused: [(SocketOption, String)] = [
        (.userTimeout(.milliseconds(Int64.max) + .milliseconds(1)), "1...2147483647 milliseconds"),
        (.busyPoll(.microseconds(Int64.max) + .microseconds(1)), "1...2147483647 microseconds"),
        (.deferAccept(.seconds(Int64.max) * 4), "1...29887 seconds"),
        (.deferAccept(.seconds(29888)), "29887 s, and keeps that for anything longer"),
        (.keepAliveIdle(.seconds(Int64.max) * -4), "1...32767"),
        (.linger(.seconds(Int64.max) * 4), "0...2147483647"),
        (.receiveTimeout(.seconds(Int64.max) * 4), "at most 9223372036854773 seconds"),
        (.sendTimeout(.seconds(Int64.max) + .milliseconds(500)), "at most"),
        (.sendTimeout(.seconds(Int64.max) * -4), "negative"),
    ]

    @Test("A Duration past Int64 units or seconds is .invalidValue naming the range, before any call")
    func hugeDurationsRefused() {
        for (option, word) in Self.refused {
            let (_, calls) = recording {
                #expect {
                    _ = try ListeningSocket(address: anyLoopbackPort, options: [option])
                } throws: { error in
                    guard case .invalidValue(let refused, let reason) = error as? SocketError else { return false }
                    return refused == option && reason.contains(word)
                }
            }
            #expect(calls.isEmpty, "\(option): \(calls)")
        }
    }

    @Test("Durations print exactly where Int64 holds the count, and without a trap anywhere")
    func durationsPrint() {
        let longWithFraction = Duration.seconds(10_000_000_000_000) + .milliseconds(500)
        #expect(SocketOption.receiveTimeout(longWithFraction).valueDescription == "10000000000000500 ms")
        #expect(SocketOption.receiveTimeout(.seconds(Int64.max)).valueDescription == "9223372036854775807 s")
        #expect(SocketOption.receiveTimeout(.milliseconds(-1500)).valueDescription == "-1500 ms")
        // Past Int64 seconds Duration prints itself, in seconds with an exponent.
        let huge = SocketOption.receiveTimeout(.seconds(Int64.max) * 4).description
        #expect(huge.hasPrefix("receiveTimeout(3.6893488147419103e+19"))
        let fractionOfHuge = SocketOption.sendTimeout(.seconds(Int64.max) + .nanoseconds(1)).valueDescription
        #expect(fractionOfHuge.hasSuffix("seconds"))
        #expect(JSON.seconds(longWithFraction) == "10000000000000.5")
        #expect(JSON.seconds(.milliseconds(-250)) == "-0.25")
        #expect(JSON.seconds(.milliseconds(-1500)) == "-1.5")
        #expect(JSON.seconds(.seconds(Int64.max) * 4) == "3.6893488147419103e+19")
    }

    @Test("SO_MARK text outside 0...4294967295 is refused, not wrapped; the bounds parse exactly")
    func markTextRange() throws {
        #expect(try SocketOption(parsing: "mark=4294967295") == .mark(UInt32.max))
        #expect(try SocketOption(parsing: "mark=0") == .mark(0))
        for text in ["mark=4294967296", "mark=-1", "SO_MARK=\(Int.max)", "mark=\(Int.min)"] {
            #expect {
                _ = try SocketOption(parsing: text)
            } throws: { error in
                guard case .invalidOptionText(text, let reason) = error as? SocketError else { return false }
                return reason.contains("0...4294967295")
            }
        }
    }

    @Test("Every int option's text at Int.min, Int.max and past its C int is refused, never wrapped")
    func intTextRange() {
        for name in SocketOption.Name.allCases {
            switch name.row.codec {
            case .int, .unsigned32: break
            default: continue
            }
            for value in [Int.min, Int(Int32.min) - 1, Int(UInt32.max) + 1, Int.max] {
                let text = "\(name)=\(value)"
                #expect(throws: SocketError.self, "\(text)") { _ = try SocketOption(parsing: text) }
            }
        }
    }

    @Test("Duration text at the edges of Int64 is refused or taken, never a trap")
    func durationTextEdges() {
        for name in SocketOption.Name.allCases {
            switch name.row.codec {
            case .duration, .timeout, .linger: break
            default: continue
            }
            for value in ["\(Int64.max)s", "\(Int64.min)s", "\(Int64.max)ms", "\(Int64.max)us", "\(Int64.max)"] {
                let text = "\(name)=\(value)"
                // Taken or refused with a typed error; either way the value prints.
                if let option = try? SocketOption(parsing: text) { _ = option.description }
            }
        }
    }
}

extension KernelTests {
    @Suite("Extreme values on real sockets")
    struct ExtremeValueKernelTests {
        @Test("A snapshot of a foreign socket with SO_RCVTIMEO {1e13 s, 500000 µs} prints it exactly")
        func foreignHugeTimeout() throws {
            let fd = rawSocket()
            defer { close(fd) }
            var time = timeval(tv_sec: 10_000_000_000_000, tv_usec: 500_000)
            #expect(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size)) == 0)
            let snapshot = try SocketSnapshot(descriptor: fd)
            // The kernel keeps ticks: 1e13 s and 125 ticks of 4 ms read back as the same {1e13, 500000}.
            #expect(snapshot[.receiveTimeout]?.valueDescription == "10000000000000500 ms")
            #expect(snapshot.table.contains("10000000000000500 ms"))
            #expect(snapshot.json.contains("\"value\": 10000000000000.5"))
        }

        @Test("accept(timeout:) and receive(timeout:) take any Duration, the largest included")
        func timedWaitsTakeAnyDuration() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            guard let accepted = try listener.accept(timeout: .seconds(Int64.max) * 4) else {
                Issue.record("the queued connection was not accepted")
                return
            }
            if let unexpected = try listener.accept(timeout: .seconds(Int64.max) * -4) {
                Issue.record("accepted \(unexpected.remoteAddress) that nobody made")
            }
            try client.send("x")
            #expect(try accepted.receive(upTo: 1, timeout: .seconds(Int64.max) * 4) == Array("x".utf8))
            #expect(try accepted.receive(upTo: 1, timeout: .seconds(Int64.max) * -4) == nil)

            let datagrams = try DatagramSocket(address: anyLoopbackPort)
            #expect(try datagrams.receive(timeout: .seconds(Int64.max) * -4) == nil)
            try datagrams.send([1], to: datagrams.localAddress)
            #expect(try datagrams.receive(timeout: .seconds(Int64.max) * 4)?.bytes == [1])
        }

        @Test("receive(upTo:) above maximumReceiveSize is .invalidArgument before any allocation or call")
        func receiveBounded() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let datagrams = try DatagramSocket(address: anyLoopbackPort)
            #expect(Connection.maximumReceiveSize == 1 << 24 && DatagramSocket.maximumReceiveSize == 1 << 24)
            for size in [Int.max, Connection.maximumReceiveSize + 1] {
                let (_, calls) = recording {
                    #expect {
                        _ = try client.receive(upTo: size)
                    } throws: { error in
                        guard case .invalidArgument(let reason) = error as? SocketError else { return false }
                        return reason.contains("\(Connection.maximumReceiveSize)")
                    }
                    #expect(throws: SocketError.self) { _ = try client.receive(upTo: size, timeout: .zero) }
                    #expect(throws: SocketError.self) { _ = try datagrams.receive(upTo: size) }
                    #expect(throws: SocketError.self) { _ = try datagrams.receive(upTo: size, timeout: .zero) }
                }
                #expect(calls.isEmpty)
            }
            _ = listener
        }
    }
}
