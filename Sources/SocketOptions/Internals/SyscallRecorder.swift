// SocketOptions: a recorder for the system calls, for tests of order and of failure paths.
//
// Compiled only where SOCKETOPTIONS_SYSCALL_RECORDING is defined (debug builds on Linux). A test
// installs a recorder for its own task with `SyscallRecorder.$current.withValue(recorder) { ... }`;
// every `system_*` call made from that task is then recorded, after it ran against the real kernel,
// unless the recorder was told to make it fail, in which case it returns -1 with the chosen errno
// and the kernel never sees it. A test can also run its own code just before or just after a chosen
// call (`inject`), for instance to act as a racing server while the library waits between two
// calls, or to hold the calling thread at that point until another thread lets it go, for a
// bounded time (`pause`). Being task-local, it does not disturb tests running in parallel.

#if SOCKETOPTIONS_SYSCALL_RECORDING
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

final class SyscallRecorder: Sendable {
    /// Which call; the cases are in Syscalls.swift, where the wrappers name them.
    typealias Kind = SyscallKind

    /// Whether an injected action runs before the real call or after it.
    enum Moment: Sendable, Hashable {
        case before, after
    }

    struct Call: Sendable, Hashable, CustomStringConvertible {
        var kind: Kind
        /// The descriptor the call acted on; for `socket` and `accept`, the one it returned.
        var descriptor: CInt
        /// For setsockopt and getsockopt, the option, when it is one the package names.
        var option: SocketOption.Name?
        /// For the calls that take a directory descriptor and a name (`openat`, `fstatat`, ...):
        /// the name; for linkat the new name, for renameat the old one.
        var name: String? = nil
        var result: Int
        var errno: Errno?

        var description: String {
            let option = option.map { "(\($0))" } ?? ""
            return "\(kind.rawValue)\(option)"
        }
    }

    private struct Injection: Sendable {
        var kind: Kind
        var moment: Moment
        var skip: Int
        var action: @Sendable () -> Void
    }

    private struct Failure: Sendable {
        var kind: Kind
        var option: SocketOption.Name?
        var skip: Int
        var errno: Errno
    }

    private struct State: Sendable {
        var calls: [Call] = []
        var failures: [Failure] = []
        var injections: [Injection] = []
        var readbacks: [SocketOption.Name: CInt] = [:]
        var addressFamilies: [Kind: CInt] = [:]
        var lookupFailures: [LookupFailure] = []
    }

    private struct LookupFailure: Sendable {
        var code: CInt
        var skip: Int
    }

    @TaskLocal static var current: SyscallRecorder?

    private let state = Mutex(State())

    init() {}

    /// Every call recorded so far, in order.
    var calls: [Call] { state.withLock { $0.calls } }

    /// Makes a later call of `kind` (on `option`, if given) fail with `errno` without reaching the
    /// kernel: the first matching call after `skip` others have gone through.
    func fail(_ kind: Kind, option: SocketOption.Name? = nil, with errno: Errno, after skip: Int = 0) {
        state.withLock { $0.failures.append(Failure(kind: kind, option: option, skip: skip, errno: errno)) }
    }

    /// Makes a later getaddrinfo return `code`, any EAI_* value, without running: the first one
    /// after `skip` others have gone through. It is recorded with `code` as its result. (EAI_SYSTEM
    /// with a chosen errno is ``fail(_:option:with:after:)`` on `.getaddrinfo`.)
    func failLookup(with code: CInt, after skip: Int = 0) {
        state.withLock { $0.lookupFailures.append(LookupFailure(code: code, skip: skip)) }
    }

    /// The code to end this getaddrinfo with, if a ``failLookup(with:after:)`` is due; the call is
    /// then recorded here, as one that never reached the C library.
    func injectedLookupFailure() -> CInt? {
        state.withLock { state in
            guard let index = state.lookupFailures.indices.first else { return nil }
            if state.lookupFailures[index].skip > 0 {
                state.lookupFailures[index].skip -= 1
                return nil
            }
            let code = state.lookupFailures.remove(at: index).code
            state.calls.append(Call(kind: .getaddrinfo, descriptor: -1, option: nil, result: Int(code), errno: nil))
            return code
        }
    }

    /// Runs `action` once, on the calling thread, just before (or after) the first call of `kind`
    /// after `skip` others: the library is then stopped between two of its calls for as long as the
    /// action takes, which is how a test reproduces a race deterministically. The action runs with
    /// this recorder still installed, so the calls it makes are recorded too (and can meet other
    /// injections).
    func inject(_ kind: Kind, _ moment: Moment, after skip: Int = 0, _ action: @escaping @Sendable () -> Void) {
        state.withLock {
            $0.injections.append(Injection(kind: kind, moment: moment, skip: skip, action: action))
        }
    }

    /// Holds the thread that makes the first call of `kind` (after `skip` others) just before or
    /// after it, until ``Pause/resume()`` or until `limit` has passed: a paused start can never
    /// wait without a bound, even if the test that paused it fails.
    func pause(_ kind: Kind, _ moment: Moment, after skip: Int = 0, limit: Duration = .seconds(10)) -> Pause {
        let pause = Pause()
        inject(kind, moment, after: skip) { pause.hold(limit: limit) }
        return pause
    }

    /// A point where a thread of the library waits for the test; see ``pause(_:_:after:limit:)``.
    final class Pause: Sendable {
        private let reached = Atomic<Bool>(false)
        private let resumed = Atomic<Bool>(false)

        /// Waits until the library's thread has come to the paused call, at most `limit`.
        /// Returns whether it came.
        func waitUntilReached(limit: Duration = .seconds(10)) -> Bool {
            Self.wait(limit: limit) { self.reached.load(ordering: .acquiring) }
        }

        /// Lets the paused thread go on.
        func resume() { resumed.store(true, ordering: .releasing) }

        fileprivate func hold(limit: Duration) {
            reached.store(true, ordering: .releasing)
            _ = Self.wait(limit: limit) { self.resumed.load(ordering: .acquiring) }
        }

        private static func wait(limit: Duration, until done: () -> Bool) -> Bool {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: limit)
            while !done() {
                if clock.now >= deadline { return false }
                var pause = timespec(tv_sec: 0, tv_nsec: 500_000)
                nanosleep(&pause, nil)
            }
            return true
        }
    }

    /// Removes and returns the action to run for this call at this moment, if any.
    private func injection(for kind: Kind, at moment: Moment) -> (@Sendable () -> Void)? {
        state.withLock { state in
            guard let index = state.injections.firstIndex(where: { $0.kind == kind && $0.moment == moment }) else {
                return nil
            }
            if state.injections[index].skip > 0 {
                state.injections[index].skip -= 1
                return nil
            }
            return state.injections.remove(at: index).action
        }
    }

    /// Makes every getsockopt of an int-valued `option` read back `value`, as a kernel that ignored
    /// the option (or a BSD that reads back the flag bit) would answer.
    func readBack(_ option: SocketOption.Name, as value: CInt) {
        state.withLock { $0.readbacks[option] = value }
    }

    /// Applies a `readBack(_:as:)` override to the buffer a real getsockopt just filled.
    private func overrideReadback(of option: SocketOption.Name, into value: UnsafeMutableRawPointer) {
        guard let forced = state.withLock({ $0.readbacks[option] }) else { return }
        value.storeBytes(of: forced, as: CInt.self)
    }

    /// Makes the next successful call of `kind` (`.getsockname` or `.accept`) hand back its address
    /// with `family` in its `sa_family` in place of the kernel's, the rest as the kernel wrote it:
    /// how a test meets an address of a family that no socket the package makes can have.
    func answerAddressFamily(_ kind: Kind, as family: CInt) {
        state.withLock { $0.addressFamilies[kind] = family }
    }

    /// Applies an `answerAddressFamily(_:as:)` due for this call to the address it just wrote.
    private func overrideAddressFamily(of kind: Kind, into address: UnsafeMutableRawPointer) {
        guard let family = state.withLock({ $0.addressFamilies.removeValue(forKey: kind) }) else { return }
        address.storeBytes(
            of: sa_family_t(truncatingIfNeeded: family),
            toByteOffset: MemoryLayout<sockaddr>.offset(of: \.sa_family)!,
            as: sa_family_t.self
        )
    }

    /// Removes and returns the errno to fail this call with, if a ``fail(_:option:with:after:)``
    /// matches it.
    private func injectedFailure(for kind: Kind, option: SocketOption.Name?) -> Errno? {
        state.withLock { state in
            guard
                let index = state.failures.firstIndex(where: {
                    $0.kind == kind && ($0.option == nil || $0.option == option)
                })
            else { return nil }
            if state.failures[index].skip > 0 {
                state.failures[index].skip -= 1
                return nil
            }
            return state.failures.remove(at: index).errno
        }
    }

    /// The recorder's side of `systemCall` (Syscalls.swift): runs the injected action due before the
    /// call, then either fails the call with an injected errno (returning `failure`, the kernel never
    /// sees it) or makes it, records it, and runs the action due after it. errno is left as the call
    /// (or the injected failure) set it.
    func perform<Result: Equatable>(
        _ kind: Kind,
        descriptor: CInt,
        option cOption: (level: CInt, name: CInt)?,
        file fileName: String?,
        optionValue: UnsafeMutableRawPointer?,
        failure: Result,
        _ call: () -> Result
    ) -> Result {
        injection(for: kind, at: .before)?()
        let option = cOption.flatMap { SocketOption.Name(level: $0.level, name: $0.name) }
        if let injected = injectedFailure(for: kind, option: option) {
            record(
                Call(kind: kind, descriptor: descriptor, option: option, name: fileName, result: -1, errno: injected)
            )
            injection(for: kind, at: .after)?()
            errno = injected.rawValue
            return failure
        }
        let result = call()
        let callErrno: Errno? = result == failure ? currentErrno() : nil
        if callErrno == nil, let option, let optionValue { overrideReadback(of: option, into: optionValue) }
        if callErrno == nil, let optionValue { overrideAddressFamily(of: kind, into: optionValue) }
        // A failure is recorded as -1, whatever the call returns for one (0, nil); a success as the
        // integer it returned, or 0 for a pointer.
        let recorded =
            callErrno != nil ? -1 : (result as? any BinaryInteger).map { Int(truncatingIfNeeded: $0) } ?? 0
        let recordedDescriptor = (kind == .socket || kind == .accept) ? CInt(truncatingIfNeeded: recorded) : descriptor
        record(
            Call(
                kind: kind,
                descriptor: recordedDescriptor,
                option: option,
                name: fileName,
                result: recorded,
                errno: callErrno
            )
        )
        injection(for: kind, at: .after)?()
        // Recording (and an injected action) may have touched errno; give the caller the call's own.
        if let callErrno { errno = callErrno.rawValue }
        return result
    }

    private func record(_ call: Call) {
        state.withLock { $0.calls.append(call) }
    }
}
#endif
