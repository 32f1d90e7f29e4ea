// SocketOptions tests: option text that is refused is told what is wrong with it, not something else.

import Testing

@testable import SocketOptions

@Suite("Option text messages")
struct OptionTextMessageTests {
    private func message(_ text: String) -> String {
        do {
            _ = try SocketOption(parsing: text)
            return "parsed"
        } catch {
            return error.description
        }
    }

    @Test(
        "A duration with a fraction is told it has one, not that it is not a duration",
        arguments: [
            "defer-accept=29887.5s", "keep-alive-idle=1.5s", "receive-timeout=0.0000000000000000001s",
            "receive-timeout=1.9999999999999999999s",
        ]
    )
    func fractionalDuration(text: String) {
        let said = message(text)
        #expect(said.contains("has a fraction"), "\(said)")
        #expect(!said.contains("not a duration"), "\(said)")
    }

    @Test("A size of 0 is not called negative: the kernel raises 0 to its minimum")
    func zeroSize() {
        let zero = message("receive-buffer-size=0")
        #expect(zero.contains("1...2147483647"))
        #expect(zero.contains("0 to its minimum"), "\(zero)")
    }

    @Test("A whole number too large or too small for any Int is said to be so, not 'not a whole number'")
    func tooLarge() {
        for text in ["receive-buffer-size=99999999999999999999", "keep-alive-idle=99999999999999999999"] {
            let refused = message(text)
            #expect(refused.contains("too large") && !refused.contains("not a whole number"), "\(refused)")
        }
        let small = message("receive-buffer-size=-99999999999999999999")
        #expect(small.contains("too small"), "\(small)")
        let duration = message("receive-timeout=99999999999999999999s")
        #expect(duration.contains("too large") && !duration.contains("not a duration"), "\(duration)")
        #expect(message("receive-buffer-size=lots").contains("not a whole number"))
    }

    @Test("A timeout of 0 without a unit gets what zero means, as 0s does")
    func zeroTimeout() {
        #expect(message("receive-timeout=0") == message("receive-timeout=0s"))
        #expect(message("receive-timeout=0").contains("never time out"))
    }
}
