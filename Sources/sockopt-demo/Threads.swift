// sockopt-demo: plain threads for the handover load (pthreads: the demo has no Foundation).

#if os(Linux)
import Glibc

/// Starts a thread that runs `body`; join it with `pthread_join`. Returns nil when the system has
/// no thread to give (`pthread_create` failed), with the error in `errno`.
func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread,
        nil,
        { argument in
            Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().body()
            return nil
        },
        box
    )
    guard result == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        errno = result
        return nil
    }
    return thread
}

private final class ThreadBody: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

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
