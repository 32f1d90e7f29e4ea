// sockopt-demo: sleeping within a bound, for the handover load's threads (PlainThreads starts them).

#if os(Linux)
import Glibc

/// Sleeps for `duration` (nothing for zero or less), again after a signal, within the bound.
func sleep(for duration: Duration) {
    let clock = ContinuousClock()
    sleep(until: clock.now + duration)
}

/// Sleeps until `deadline` on the monotonic clock.
func sleep(until deadline: ContinuousClock.Instant) {
    let clock = ContinuousClock()
    while true {
        let left = clock.now.duration(to: deadline)
        guard left > .zero else { return }
        let (seconds, attoseconds) = left.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        _ = nanosleep(&request, nil)
    }
}
#endif
