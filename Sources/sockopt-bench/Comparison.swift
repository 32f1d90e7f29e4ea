// sockopt-bench: the library next to the bare calls, as ratios of medians over interleaved rounds.
//
// Each round times one batch of each side of each comparison, back to back, in alternating order
// (bare first on even rounds, library first on odd ones), so that whatever else the machine does
// (this one has two cores shared with builds) falls on both sides alike. The figure is the median
// of each side's nanoseconds per call over all rounds, and their ratio; the spread printed beside it
// is the 10th to 90th percentile of the per-round ratios, which says how far one round can be
// trusted. Nothing here fails on a ratio: a gate on timing on a shared machine would fail for the
// neighbours' builds, not for our code (see .ci/bench).

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One library operation and the bare calls that do the same job, with the goal for the
/// ratio of their medians.
enum Comparison: CaseIterable {
    case typedRead, typedSetWithReadback, setWithReadback, listenerSetup

    var title: String {
        switch self {
        case .typedRead: "typed read value(.receiveBufferSize) / getsockopt"
        case .typedSetWithReadback: "typed set + readback set(.receiveBufferSize, n) / same"
        case .setWithReadback: "set + readback setOption(.receiveBufferSize(n)) / same"
        case .listenerSetup: "ListeningSocket, 2 options / socket..close bare"
        }
    }

    var goal: Double {
        switch self {
        case .typedRead, .typedSetWithReadback, .setWithReadback: 1.05
        case .listenerSetup: 1.08
        }
    }

    /// Calls per timed batch: each batch takes some 50 to 100 microseconds, long next to the clock's
    /// own cost (tens of nanoseconds), and short next to a scheduler's time slice, so that most
    /// batches run without being preempted and a preempted one is an outlier the median drops.
    var batch: Int {
        switch self {
        case .typedRead: 200
        case .typedSetWithReadback, .setWithReadback: 100
        case .listenerSetup: 5
        }
    }

    func run(library: Bool, count: Int, on fd: CInt, listener: borrowing ListeningSocket) -> Int {
        switch (self, library) {
        case (.typedRead, false): bareGet(fd, count: count)
        case (.typedRead, true): libraryGet(listener, count: count)
        case (.typedSetWithReadback, false), (.setWithReadback, false): bareSet(fd, count: count)
        case (.typedSetWithReadback, true): libraryTypedSet(fd, count: count)
        case (.setWithReadback, true): librarySet(fd, count: count)
        case (.listenerSetup, false): bareSetup(count: count)
        case (.listenerSetup, true): librarySetup(count: count)
        }
    }
}

/// What one comparison measured: nanoseconds per call of each side, one entry per round.
struct Measurement {
    var bare: [Double] = []
    var library: [Double] = []

    var bareMedian: Double { median(bare) }
    var libraryMedian: Double { median(library) }
    var ratio: Double { libraryMedian / bareMedian }

    /// The 10th and 90th percentile of the ratios of single rounds.
    var roundRatioSpread: (low: Double, high: Double) {
        let ratios = zip(library, bare).map { $0 / $1 }.sorted()
        return (ratios[ratios.count / 10], ratios[ratios.count * 9 / 10])
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Nanoseconds per call of `count` calls made by `body`.
@inline(never)
func timePerCall(count: Int, sink: inout Int, _ body: () -> Int) -> Double {
    let start = ContinuousClock.now
    sink &+= body()
    let elapsed = ContinuousClock.now - start
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    return nanoseconds / Double(count)
}

/// Runs `rounds` interleaved rounds of every comparison on `fd` (owned by `listener`) and prints
/// the table.
func compare(rounds: Int, on fd: CInt, listener: borrowing ListeningSocket) -> Int {
    var sink = 0
    var results = Array(repeating: Measurement(), count: Comparison.allCases.count)
    // One round unrecorded: page faults, lazy symbol binding and cold caches land there.
    for comparison in Comparison.allCases {
        for library in [false, true] {
            sink &+= comparison.run(library: library, count: comparison.batch, on: fd, listener: listener)
        }
    }
    for round in 0..<rounds {
        for (index, comparison) in Comparison.allCases.enumerated() {
            for library in round % 2 == 0 ? [false, true] : [true, false] {
                let perCall = timePerCall(count: comparison.batch, sink: &sink) {
                    comparison.run(library: library, count: comparison.batch, on: fd, listener: listener)
                }
                if library { results[index].library.append(perCall) } else { results[index].bare.append(perCall) }
            }
        }
    }
    print("library next to the bare calls: medians of \(rounds) interleaved rounds, ns per call")
    let width = (Comparison.allCases.map(\.title.count).max() ?? 0) + 1
    print(
        "comparison".padding(width) + "bare".leftPadding(9) + "library".leftPadding(9) + "ratio".leftPadding(7)
            + "  p10-p90 of rounds  goal"
    )
    for (index, comparison) in Comparison.allCases.enumerated() {
        let result = results[index]
        let spread = result.roundRatioSpread
        let verdict = result.ratio <= comparison.goal ? "met" : "missed"
        print(
            comparison.title.padding(width) + fixed(result.bareMedian, 1).leftPadding(9)
                + fixed(result.libraryMedian, 1).leftPadding(9) + fixed(result.ratio, 3).leftPadding(7)
                + "  \(fixed(spread.low, 2))-\(fixed(spread.high, 2))".padding(20)
                + "<= \(fixed(comparison.goal, 2)) \(verdict)"
        )
    }
    return sink
}

/// `value` with `digits` decimals, without Foundation.
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    let whole = scaled / Int(scale)
    guard digits > 0 else { return "\(whole)" }
    let fraction = String(abs(scaled) % Int(scale))
    return "\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
