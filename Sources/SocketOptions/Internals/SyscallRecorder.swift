// SocketOptions: a recorder for the system calls, for tests of order and of failure paths.
//
// Compiled only where SOCKETOPTIONS_SYSCALL_RECORDING is defined (debug builds on Linux). A test
// installs a recorder for its own task with `SyscallRecorder.$current.withValue(recorder) { ... }`;
// every `system_*` call made from that task is then recorded, after it ran against the real kernel,
// unless the recorder was told to make it fail, in which case it returns -1 with the chosen errno
// and the kernel never sees it. Being task-local, it does not disturb tests running in parallel.

#if SOCKETOPTIONS_SYSCALL_RECORDING
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

final class SyscallRecorder: Sendable {
    enum Kind: String, Sendable, Hashable {
        case socket, setsockopt, getsockopt, bind, listen, connect, getsockname, getpeername
        case accept, poll, send, recv, sendto, recvfrom, close, chmod, unlink
        case fcntl, getrlimit
    }

    struct Call: Sendable, Hashable, CustomStringConvertible {
        var kind: Kind
        /// The descriptor the call acted on; for `socket` and `accept`, the one it returned.
        var descriptor: CInt
        /// For setsockopt and getsockopt, the option, when it is one the package names.
        var option: SocketOption.Name?
        var result: Int
        var errno: Errno?

        var description: String {
            let option = option.map { "(\($0))" } ?? ""
            return "\(kind.rawValue)\(option)"
        }
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
        var readbacks: [SocketOption.Name: CInt] = [:]
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

    /// Makes every getsockopt of an int-valued `option` read back `value`, as a kernel that ignored
    /// the option (or a BSD that reads back the flag bit) would answer.
    func readBack(_ option: SocketOption.Name, as value: CInt) {
        state.withLock { $0.readbacks[option] = value }
    }

    /// Applies a `readBack(_:as:)` override to the buffer a real getsockopt just filled.
    func overrideReadback(level: CInt, name: CInt, into value: UnsafeMutableRawPointer) {
        guard let option = SocketOption.Name(level: level, name: name),
            let forced = state.withLock({ $0.readbacks[option] })
        else { return }
        value.storeBytes(of: forced, as: CInt.self)
    }

    func perform<Result: FixedWidthInteger>(
        _ kind: Kind,
        descriptor: CInt,
        level: CInt = 0,
        name: CInt = 0,
        _ call: () -> Result
    ) -> Result {
        let option = (kind == .setsockopt || kind == .getsockopt) ? SocketOption.Name(level: level, name: name) : nil
        let injected: Errno? = state.withLock { state in
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
        if let injected {
            state.withLock {
                $0.calls.append(Call(kind: kind, descriptor: descriptor, option: option, result: -1, errno: injected))
            }
            errno = injected.rawValue
            return -1
        }
        let result = call()
        let callErrno: Errno? = result == -1 ? currentErrno() : nil
        let recordedDescriptor = (kind == .socket || kind == .accept) ? CInt(truncatingIfNeeded: result) : descriptor
        state.withLock {
            $0.calls.append(
                Call(kind: kind, descriptor: recordedDescriptor, option: option, result: Int(result), errno: callErrno)
            )
        }
        // Recording may itself have touched errno; give the caller the call's own.
        if let callErrno { errno = callErrno.rawValue }
        return result
    }
}
#endif
