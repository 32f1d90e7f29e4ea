// SocketOptions tests: a process a test starts, whose output it reads line by line within a bound,
// and which it always stops by its pid.

import Glibc

/// A child process with its standard output and error on a pipe. Every read waits at most the time
/// given; ``finish(within:)`` waits for the exit and kills the child (SIGKILL, by its pid) when the
/// time is up, and so does the deinitializer of a child not finished.
final class ChildProcess {
    let pid: pid_t
    /// Everything the child wrote so far.
    private(set) var output: [UInt8] = []
    private var pipeEnd: CInt
    private var consumed = 0
    private var exited = false

    /// Starts `arguments[0]` (an absolute path) with the rest as its arguments.
    init(_ arguments: [String]) throws {
        var ends: [CInt] = [-1, -1]
        // Glibc's module has no pipe2 (it needs _GNU_SOURCE): close-on-exec right after, so that
        // no other child inherits the pipe (the kernel suite runs one test at a time).
        guard pipe(&ends) == 0 else { throw ChildFailure("pipe: errno \(errno)") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copy: the child's 1 and 2 are the pipe, nothing else is.
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 2)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        close(ends[1])
        guard spawned == 0 else {
            close(ends[0])
            throw ChildFailure("posix_spawn \(arguments[0]): \(spawned)")
        }
        self.pid = pid
        self.pipeEnd = ends[0]
    }

    /// The next line the child writes (without its newline), or nil when none came within `bound`
    /// or the child closed its output first.
    func readLine(within bound: Duration) -> String? {
        let deadline = ContinuousClock.now + bound
        while true {
            if let end = output[consumed...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { consumed = end + 1 }
                return String(decoding: output[consumed..<end], as: UTF8.self)
            }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero, readSome(waiting: left) else { return nil }
        }
    }

    /// Waits at most `bound` for the child to exit (killing it then), reads the rest of its output,
    /// and closes the pipe. The exit status (nil when it was killed or died of a signal), and the
    /// lines not read yet.
    func finish(within bound: Duration) -> (status: CInt?, rest: [String]) {
        let deadline = ContinuousClock.now + bound
        var status: CInt = 0
        var killed = false
        while waitpid(pid, &status, WNOHANG) == 0 {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                killed = true
                break
            }
            _ = readSome(waiting: .milliseconds(5))
        }
        exited = true
        while readSome(waiting: .zero) {}
        close(pipeEnd)
        pipeEnd = -1
        let rest = String(decoding: output[consumed...], as: UTF8.self).split(separator: "\n").map(String.init)
        consumed = output.count
        // WIFEXITED and WEXITSTATUS are macros that Swift does not import.
        return (killed || status & 0x7F != 0 ? nil : (status >> 8) & 0xFF, rest)
    }

    /// Everything the child wrote, for a failure message.
    var transcript: String { String(decoding: output, as: UTF8.self) }

    /// Reads what is there within `wait`; false at the end of the output or when nothing came.
    private func readSome(waiting wait: Duration) -> Bool {
        guard pipeEnd >= 0 else { return false }
        var entry = pollfd(fd: pipeEnd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(
            clamping: wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000
        )
        guard poll(&entry, 1, milliseconds) == 1 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(pipeEnd, &buffer, buffer.count)
        guard count > 0 else { return false }
        output += buffer[..<count]
        return true
    }

    deinit {
        if !exited {
            kill(pid, SIGKILL)
            var status: CInt = 0
            _ = waitpid(pid, &status, 0)
        }
        if pipeEnd >= 0 { close(pipeEnd) }
    }
}

struct ChildFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The arguments that run `script` in python3 as `user` (through setpriv, with no capability and
/// no supplementary group), or as this process's user when `user` is nil.
func python(_ script: String, as user: UInt32?, _ arguments: [String]) -> [String] {
    let run = ["/usr/bin/python3", "-c", script] + arguments
    guard let user else { return run }
    return ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--inh-caps=-all"] + run
}
