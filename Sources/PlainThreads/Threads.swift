// PlainThreads: a thread started with pthreads alone, for the demo's load and for the tests, which
// both run plain threads without Foundation (as the library itself has none). In no product; the
// article ThreadsAndTasks.md quotes `startThread` from here (a test checks the quote).

#if os(Linux)
import Glibc

/// pthread_create failed: the system had no thread to give.
public struct ThreadStartFailure: Error, CustomStringConvertible {
    /// The error number pthread_create returned (`EAGAIN` when out of threads).
    public let errorNumber: CInt

    public var description: String { "pthread_create failed with error \(errorNumber)" }
}

/// Starts a thread that runs `body`; join it with `pthread_join` (or `pthread_detach` it).
public func startThread(_ body: @escaping @Sendable () -> Void) throws(ThreadStartFailure) -> pthread_t {
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
        throw ThreadStartFailure(errorNumber: result)
    }
    return thread
}

private final class ThreadBody: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
#endif
