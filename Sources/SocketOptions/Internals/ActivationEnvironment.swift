// SocketOptions: the process environment that socket activation reads, read once per process and
// kept behind a lock, with which inherited descriptor has been claimed by whom.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum ActivationEnvironment {
    static func current() -> (pid: String?, fds: String?, names: String?, ownPID: Int32) {
        func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        return (variable("LISTEN_PID"), variable("LISTEN_FDS"), variable("LISTEN_FDNAMES"), system_getpid())
    }

    static func unset() {
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
    }

    /// Whether `fd` is open (F_GETFD succeeds).
    static func isOpen(_ fd: CInt) -> Bool { system_fcntl(fd, F_GETFD) >= 0 }

    /// Makes `fd` close-on-exec, when it is open.
    static func makeCloseOnExec(_ fd: CInt) {
        let flags = system_fcntl(fd, F_GETFD)
        if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = system_fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// The highest descriptor number this process may open plus one (RLIMIT_NOFILE's soft limit),
    /// capped at Int32.max; when it cannot be read, 1048576, Linux's default ceiling for any
    /// process (fs.nr_open), so that the count stays bounded all the same.
    static func descriptorLimit() -> Int {
        guard let limit = system_getrlimitOpenFiles() else { return 1 << 20 }
        return Int(clamping: min(UInt64(limit.rlim_cur), UInt64(Int32.max)))
    }
}

/// What the process was passed, read on the first call of any activation API, and which of the
/// descriptors have been handed out since: each exactly once, so that no two owners close one.
struct ActivationState {
    /// nil until the environment is read; then the descriptors or the error it had.
    var outcome: Result<[SocketActivation.Descriptor], SocketError>?
    var claimed: Set<Int32> = []
    /// Where the launcher's descriptors start: 3 by the protocol; a test moves it.
    var firstDescriptor = SocketActivation.firstDescriptor
}

/// A lock around the process-wide state. pthread_mutex, not Synchronization.Mutex, which needs
/// macOS 15.
final class ActivationRegistry: @unchecked Sendable {
    static let shared = ActivationRegistry()

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var state = ActivationState()

    private init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    func withLock<Result, Failure: Error>(
        _ body: (inout ActivationState) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}
