// sockopt-demo handover: its arguments, checked before anything runs.

#if os(Linux)
import SocketOptions

/// What is wrong with the arguments, in words.
struct HandoverUsageError: Error {
    var text: String
}

/// `--connections M --clients C --rate R --finish MS`, each at most once, each a decimal number in
/// its range; a run that would last more than 10 minutes per way is refused too.
func parseHandoverArguments(_ arguments: [String]) -> Result<HandoverSettings, HandoverUsageError> {
    var settings = HandoverSettings()
    let ranges: [String: ClosedRange<Int>] = [
        "--connections": 3...1_000_000, "--clients": 1...1_000, "--rate": 1...100_000, "--finish": 0...10_000,
    ]
    var seen: Set<String> = []
    var index = 0
    while index < arguments.count {
        let flag = arguments[index]
        guard let range = ranges[flag] else {
            return .failure(HandoverUsageError(text: "unexpected argument \"\(PrintableText.escaped(flag))\""))
        }
        guard seen.insert(flag).inserted else { return .failure(HandoverUsageError(text: "\(flag) given twice")) }
        guard index + 1 < arguments.count else {
            return .failure(
                HandoverUsageError(text: "\(flag) needs a number in \(range.lowerBound)...\(range.upperBound)")
            )
        }
        let text = arguments[index + 1]
        // Decimal digits only: no sign, no spaces, no 0x; Int(text) alone would take "+5".
        guard !text.isEmpty, text.utf8.count <= 9, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let value = Int(text), range.contains(value)
        else {
            return .failure(
                HandoverUsageError(
                    text: "\(flag) takes a whole number in \(range.lowerBound)...\(range.upperBound), "
                        + "not \"\(PrintableText.escaped(text))\""
                )
            )
        }
        switch flag {
        case "--connections": settings.plan.connections = value
        case "--clients": settings.plan.clients = value
        case "--rate": settings.plan.rate = value
        default: settings.finish = .milliseconds(value)
        }
        index += 2
    }
    guard settings.plan.connections / settings.plan.rate <= 600 else {
        return .failure(
            HandoverUsageError(
                text: "\(settings.plan.connections) connections at \(settings.plan.rate)/s would take more than "
                    + "10 minutes per way: fewer connections or a higher rate"
            )
        )
    }
    return .success(settings)
}
#endif
