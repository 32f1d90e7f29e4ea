// SocketOptions: Duration arithmetic that cannot trap.
//
// `Duration.components` traps when the whole seconds do not fit Int64 (a Duration holds 128 bits
// of attoseconds, about ±1.7e20 s), and the unit conversions below multiply: every place that
// takes a Duration apart goes through these, so that any value a caller can make is either
// handled exactly or refused.

extension Duration {
    /// The largest Duration whose whole seconds fit Int64: everything up to it can be taken apart.
    private static let largestDecomposable = Duration(
        secondsComponent: Int64.max,
        attosecondsComponent: 999_999_999_999_999_999
    )
    private static let smallestDecomposable = Duration(
        secondsComponent: -Int64.max,
        attosecondsComponent: -999_999_999_999_999_999
    )

    /// `components`, or nil where the whole seconds do not fit Int64 (where `components` traps).
    var checkedComponents: (seconds: Int64, attoseconds: Int64)? {
        guard self <= Self.largestDecomposable, self >= Self.smallestDecomposable else { return nil }
        return components
    }

    /// The duration as a whole count of `attosecondsPerUnit` (10^18 for seconds, 10^15 for
    /// milliseconds, ...), rounded toward zero, with whether the division was exact; nil when the
    /// count does not fit Int64.
    func count(ofAttoseconds attosecondsPerUnit: Int64) -> (count: Int64, exact: Bool)? {
        guard let (seconds, attoseconds) = checkedComponents else { return nil }
        let unitsPerSecond = 1_000_000_000_000_000_000 / attosecondsPerUnit
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: unitsPerSecond)
        if overflow { return nil }
        let (total, sumOverflow) = whole.addingReportingOverflow(attoseconds / attosecondsPerUnit)
        if sumOverflow { return nil }
        return (total, attoseconds % attosecondsPerUnit == 0)
    }
}
