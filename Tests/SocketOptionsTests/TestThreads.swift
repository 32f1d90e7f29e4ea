// SocketOptions tests: plain threads, with pthreads alone (the library has no Foundation, and the
// patterns of ThreadsAndTasks.md must not lean on it either).

import Glibc
import SocketOptions

/// Starts a thread that runs `body`; join it with `pthread_join` (or `pthread_detach` it).
func startThread(_ body: @escaping @Sendable () -> Void) throws -> pthread_t {
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
        throw SocketError.invalidArgument("pthread_create failed: \(Errno(rawValue: result))")
    }
    return thread
}

private final class ThreadBody: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
