// SocketOptions: how many connections each listener of a SO_REUSEPORT group took, and how evenly.

/// How many connections each listener of a `SO_REUSEPORT` group accepted, by index, and a fairness
/// figure: the busiest listener's count divided by the quietest one's.
///
/// ```swift
/// var histogram = try ListenerHistogram(listeners: 4)
/// try histogram.record(listener: index)   // once per accepted connection
/// print(histogram)
/// // listener 0    512  ########################################  25.6%
/// // ...
/// // 2000 connections over 4 listeners; fairness (max/min) 1.06
/// ```
///
/// A fairness of 1.0 is an even spread; 2.0 means the busiest listener took twice what the quietest
/// did. When a listener took nothing the ratio has no value: ``fairness`` is nil and the description
/// names the idle listeners. It does no I/O: the counts are what the caller recorded.
public struct ListenerHistogram: Hashable, Sendable, CustomStringConvertible {
    /// The connections each listener accepted, at its index in the group.
    public private(set) var counts: [Int]

    /// The connections recorded in all.
    public private(set) var total: Int

    /// A histogram of `listeners` listeners, each with no connection yet.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for a count outside 1...65535 (a group holds
    ///   at most 65,535 sockets).
    public init(listeners: Int) throws(SocketError) {
        guard listeners >= 1, listeners <= ReusePortGroup<Int>.maximumMembers else {
            throw .invalidArgument(
                "a histogram of a SO_REUSEPORT group has 1...\(ReusePortGroup<Int>.maximumMembers) listeners, "
                    + "not \(listeners)"
            )
        }
        counts = Array(repeating: 0, count: listeners)
        total = 0
    }

    /// A histogram of counts already made, one per listener in index order.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for 0 or more than 65,535 counts, a negative
    ///   count, or counts whose sum exceeds `Int.max`.
    public init(counts: [Int]) throws(SocketError) {
        try self.init(listeners: counts.count)
        var sum = 0
        for (index, count) in counts.enumerated() {
            guard count >= 0 else { throw .invalidArgument("listener \(index) has a negative count, \(count)") }
            let (next, overflow) = sum.addingReportingOverflow(count)
            guard !overflow else { throw .invalidArgument("the counts add up to more than \(Int.max)") }
            sum = next
        }
        self.counts = counts
        total = sum
    }

    /// Counts one connection for the listener at `index`.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for an index outside the histogram, or a total
    ///   that would pass `Int.max`; the histogram is then unchanged.
    public mutating func record(listener index: Int) throws(SocketError) {
        guard counts.indices.contains(index) else {
            throw .invalidArgument(
                "listener \(index) is not in this histogram of \(counts.count) (0...\(counts.count - 1))"
            )
        }
        guard total < Int.max else { throw .invalidArgument("the histogram holds \(Int.max) connections already") }
        counts[index] += 1
        total += 1
    }

    /// The most connections any listener accepted.
    public var busiest: Int { counts.max() ?? 0 }

    /// The fewest connections any listener accepted.
    public var quietest: Int { counts.min() ?? 0 }

    /// The indices of the listeners that accepted nothing.
    public var idleListeners: [Int] { counts.indices.filter { counts[$0] == 0 } }

    /// ``busiest`` divided by ``quietest``: 1.0 is even. Nil when a listener accepted nothing (the
    /// ratio has no value; see ``idleListeners``).
    public var fairness: Double? {
        let quietest = quietest
        return quietest == 0 ? nil : Double(busiest) / Double(quietest)
    }

    /// One line per listener with its count, a bar scaled to the busiest and its share, then the
    /// total and the fairness, or which listeners were idle.
    public var description: String {
        let width = 40
        let busiest = busiest
        let indexWidth = String(counts.count - 1).count
        let countWidth = String(busiest).count
        var lines: [String] = []
        for (index, count) in counts.enumerated() {
            // Rounded to the nearest column, the busiest at full width; in Double, so that counts
            // given to init(counts:) near Int.max cannot overflow.
            let filled = busiest == 0 ? 0 : Int((Double(count) / Double(busiest) * Double(width)).rounded())
            let share = total == 0 ? "" : "  " + Self.percent(count, of: total)
            lines.append(
                "listener " + Self.padLeft(String(index), indexWidth) + "  " + Self.padLeft(String(count), countWidth)
                    + "  " + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                    + share
            )
        }
        let listeners = "\(counts.count) listener\(counts.count == 1 ? "" : "s")"
        let summary: String
        if total == 0 {
            summary = "no connections over \(listeners)"
        } else if let fairness {
            summary =
                "\(total) connection\(total == 1 ? "" : "s") over \(listeners); fairness (max/min) "
                + Self.twoDecimals(fairness)
        } else {
            let idle = idleListeners
            let names = idle.count == 1 ? "listener \(idle[0]) took" : "listeners \(Self.list(idle)) took"
            summary =
                "\(total) connection\(total == 1 ? "" : "s") over \(listeners); fairness (max/min) has no value: "
                + "\(names) none"
        }
        return (lines + [summary]).joined(separator: "\n")
    }

    private static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// `"25.6%"`, rounded to a tenth, from integers only.
    private static func percent(_ count: Int, of total: Int) -> String {
        let tenths = Int((Double(count) / Double(total) * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// `"1.06"`; a ratio too large for an Int prints as its integer part's magnitude.
    private static func twoDecimals(_ value: Double) -> String {
        let hundredths = (value * 100).rounded()
        guard hundredths < Double(Int.max) else { return "\(value)" }
        let whole = Int(hundredths)
        let fraction = whole % 100
        return "\(whole / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// `"1, 3 and 4"`, at most 8 named.
    private static func list(_ indices: [Int]) -> String {
        let shown = indices.prefix(8).map(String.init)
        let rest = indices.count - shown.count
        if rest > 0 { return shown.joined(separator: ", ") + " and \(rest) more" }
        return shown.dropLast().joined(separator: ", ") + " and " + shown[shown.count - 1]
    }
}
