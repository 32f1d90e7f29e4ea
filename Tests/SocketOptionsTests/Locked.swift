// SocketOptions tests: a value behind a lock that ThreadSanitizer understands, for the tests' own
// bookkeeping across threads.

import Glibc

/// A value behind a pthread mutex.
///
/// Why not `Synchronization.Mutex`: on Linux a contended `Mutex` hands the lock to its waiter inside
/// the kernel (a priority-inheritance futex), with no user-space atomic on the way, so
/// ThreadSanitizer sees no happens-before edge and reports the accesses the `Mutex` orders as a
/// race. swiftc 6.3.1 shows it on a ten-line program (four threads appending to a
/// `Mutex<[Int]>`); it came up at random in CI, whenever two client threads of a load test failed
/// at the same instant. ThreadSanitizer intercepts `pthread_mutex_lock` and `pthread_mutex_unlock`
/// and so checks every use of this lock. The article's own snippets keep `Mutex`, which is what a
/// server should use; see `.ci/tsan-suppressions`.
final class Locked<Value: ~Copyable>: @unchecked Sendable {
    // A pthread_mutex_t must not move once initialised, so it lives in its own allocation.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        self.value = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    func withLock<Result: ~Copyable, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
