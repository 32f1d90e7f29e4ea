// SocketOptions tests: what an error or a report says is what happened, and saying it costs
// nothing: no I/O behind a description, no message that grows with a caller's input, advice for
// the errnos the escape hatch meets, and a readback that compares only what the kernel returned.

import Glibc
import Testing

@testable import SocketOptions

/// The C bytes of a value, for the raw setter.
private func bytes<Value>(of value: Value) -> [UInt8] {
    withUnsafeBytes(of: value) { Array($0) }
}

extension KernelTests {
    @Suite("Errors and reports say what happened")
    struct ErrorReportTests {
        @Test("Describing an address error with an unknown zone makes no system call, and names the zone")
        func invalidAddressDescriptionDoesNoIO() throws {
            let text = "[fe80::1%nosuch0]:80"
            // Parsing looks the zone up (that is when it is refused) ...
            let (parsed, parseCalls) = recording { try? SocketAddress(text) }
            #expect(parsed == nil)
            #expect(parseCalls.contains { $0.kind == .ifNameToIndex })
            // ... describing the error does not.
            let error = SocketError.invalidAddress(text)
            let (message, calls) = recording { error.description }
            #expect(calls.isEmpty, "\(calls)")
            #expect(message.contains("no network interface \"nosuch0\""), "\(message)")
            let (numeric, numericCalls) = recording { SocketError.invalidAddress("[fe80::1%4000000000]:0").description }
            #expect(numericCalls.isEmpty, "\(numericCalls)")
            #expect(numeric.contains("no network interface \"4000000000\""), "\(numeric)")
        }

        @Test("A raw SO_RCVTIMEO whose tv_usec is 1000000 fails with EDOM, whose advice names tv_usec")
        func rawTimeoutOutOfDomain() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let value = bytes(of: timeval(tv_sec: 1, tv_usec: 1_000_000))
            let error = try #require(throws: SocketError.self) {
                try listener.setRawOption(level: SOL_SOCKET, name: SO_RCVTIMEO, bytes: value)
            }
            #expect(error == .system(.setRawOption(level: SOL_SOCKET, name: SO_RCVTIMEO), .outOfDomain))
            #expect(error.errno?.name == "EDOM")
            let message = error.description
            #expect(message.contains("tv_usec") && message.contains("999999"), "\(message)")
            #expect(!message.contains("See the"), "\(message)")
            // The typed option never gets there: it carries whole seconds itself.
            #expect(try listener.value(.receiveTimeout) == nil)
        }

        @Test("EINVAL from a raw set of the wrong size says the size may be wrong")
        func rawSetOfWrongSize() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            // A C int given to SO_RCVTIMEO, which takes a 16-byte timeval; no bytes for SO_LINGER.
            let intToTimeval = try #require(throws: SocketError.self) {
                try listener.setRawOption(level: SOL_SOCKET, name: SO_RCVTIMEO, value: 5)
            }
            let emptyLinger = try #require(throws: SocketError.self) {
                try listener.setRawOption(level: SOL_SOCKET, name: SO_LINGER, bytes: [])
            }
            for error in [intToTimeval, emptyLinger] {
                #expect(error.errno == .invalidArgument)
                #expect(error.description.contains("size"), "\(error)")
            }
            // A typed set's EINVAL is about the range, not a size the package chose itself.
            let typed = SocketError.system(.setOption(.keepAliveIdle), .invalidArgument).description
            #expect(!typed.contains("size"), "\(typed)")
        }

        @Test("A raw SO_LINGER of 16 bytes reads back its 8 and is not reported adjusted; a real change still is")
        func rawReadbackComparesReturnedBytes() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let linger = bytes(of: Glibc.linger(l_onoff: 1, l_linger: 5))
            let applied = try listener.setRawOption(
                level: SOL_SOCKET,
                name: SO_LINGER,
                bytes: linger + [UInt8](repeating: 0, count: 8)
            )
            #expect(applied.effective == linger)
            #expect(!applied.wasAdjusted)
            #expect(applied.description.hasSuffix("kept as requested"), "\(applied)")
            // SO_RCVBUF as 4 raw bytes: the kernel doubles it, and the report says so.
            let buffer = try listener.setRawOption(level: SOL_SOCKET, name: SO_RCVBUF, bytes: bytes(of: CInt(4096)))
            #expect(buffer.effective == bytes(of: keptReceiveBuffer(4096)))
            #expect(buffer.wasAdjusted)
        }

        @Test("A negative linger set raw (unbounded) reads typed as Int32.max seconds, which the typed setter takes")
        func unboundedLingerReadsAsLongestTypedValue() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let connection = try Connection(connectingTo: listener.localAddress)
            let value = bytes(of: Glibc.linger(l_onoff: 1, l_linger: -1))
            let applied = try connection.setRawOption(level: SOL_SOCKET, name: SO_LINGER, bytes: value)
            // The kernel keeps MAX_SCHEDULE_TIMEOUT and reports (int)(LONG_MAX / HZ).
            let kept = try #require(applied.effective).withUnsafeBytes { $0.loadUnaligned(as: Glibc.linger.self) }
            let unbounded = [100, 250, 300, 1000].map { Int32(truncatingIfNeeded: Int64.max / $0) }
            #expect(kept.l_onoff == 1 && unbounded.contains(kept.l_linger), "l_linger \(kept.l_linger)")
            let read = try connection.value(.linger)
            if kept.l_linger < 0 {
                #expect(read == .seconds(Int32.max))
            } else {
                #expect(read == .seconds(kept.l_linger))
            }
            // What was read can be set again, and reads back the same.
            let again = try connection.set(.linger, read)
            #expect(again.effective == read && again.option.effective == .linger(read))
        }

        @Test("A 200 KB input makes a message of a few hundred bytes that gives the input's length")
        func hugeInputMakesShortMessage() throws {
            let huge = String(repeating: "a", count: 200_000)  // large enough: quotes stop at 256 bytes
            var messages: [String] = []
            for text in [huge + ":80", "[" + huge + "]:80", huge] {
                let error = try #require(throws: SocketError.self) { _ = try SocketAddress(text) }
                messages.append(error.description)
            }
            let resolveError = try #require(throws: SocketError.self) { _ = try SocketAddress.resolving(huge + ":80") }
            messages.append(resolveError.description)
            let hostError = try #require(throws: SocketError.self) {
                _ = try SocketAddress.resolve(host: huge, port: 80)
            }
            messages.append(hostError.description)
            let optionError = try #require(throws: SocketError.self) { _ = try SocketOption(parsing: huge + "=1") }
            messages.append(optionError.description)
            let valueError = try #require(throws: SocketError.self) {
                _ = try SocketOption(parsing: "receive-buffer-size=" + huge)
            }
            messages.append(valueError.description)
            for message in messages {
                #expect(message.utf8.count < 2_000, "\(message.utf8.count) bytes: \(message.prefix(300))")
                #expect(message.contains("bytes)"), "\(message.prefix(600))")
            }
            // Escaped text is cut too: control characters are four bytes each when escaped.
            let controls = String(repeating: "\u{1b}", count: 100_000)
            let escaped = SocketError.invalidAddress(controls).description
            #expect(escaped.utf8.count < 4_000 && escaped.contains("(100000 bytes)"), "\(escaped.prefix(300))")
            #expect(!escaped.contains("\u{1b}"))
            // A short text is quoted whole, with no length after it.
            let short = SocketError.invalidAddress("example.com:80").description
            #expect(short.contains("\"example.com:80\"") && !short.contains("bytes)"), "\(short)")
        }
    }
}
