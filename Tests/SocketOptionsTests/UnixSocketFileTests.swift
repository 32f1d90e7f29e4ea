// SocketOptions tests: Unix-domain socket files under attack and under races: a stranger who can
// write the directory, two instances started at once, a server that recovers the path while we
// do, a live server whose accept queue is full. Each race is made deterministic with an action
// injected through the syscall recorder, then stressed.

import Foundation
import Glibc
import Synchronization
import Testing

@testable import SocketOptions

/// A Unix socket made with the C library, bound to `path`, listening when `backlog` is given: a
/// server that is not ours.
private func rawUnixServer(_ path: String, backlog: CInt?, type: CInt = CInt(SOCK_STREAM.rawValue)) -> CInt {
    let fd = rawSocket(AF_UNIX, type)
    let bound = (try? SocketAddress.unix(path: path))?.withSockAddr { bind(fd, $0, $1) }
    precondition(bound == 0, "bind(\(path)) failed: errno \(errno)")
    if let backlog { precondition(listen(fd, backlog) == 0) }
    return fd
}

/// A socket file that a dead server left: bound, then closed.
private func makeStaleFile(_ path: String) {
    close(rawUnixServer(path, backlog: nil))
}

/// A non-blocking connect to `path`: 0 when it connected, else the errno.
private func connectWithoutWaiting(_ path: String) -> (fd: CInt, errno: CInt) {
    let fd = rawSocket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue))
    let result = (try? SocketAddress.unix(path: path))?.withSockAddr { connect(fd, $0, $1) }
    return (fd, result == 0 ? 0 : errno)
}

/// How many connections a raw listener can accept right now, without waiting.
private func acceptAllQueued(_ listener: CInt) -> Int {
    _ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK)
    var count = 0
    while true {
        let accepted = accept(listener, nil, nil)
        if accepted < 0 { return count }
        close(accepted)
        count += 1
    }
}

private func identity(_ path: String) -> FileIdentity? {
    var status = stat()
    return lstat(path, &status) == 0 ? FileIdentity(status) : nil
}

/// Names in `directory` other than . and ..
private func entries(_ directory: String) -> [String] {
    guard let listing = opendir(directory) else { return [] }
    defer { closedir(listing) }
    var names: [String] = []
    while let entry = readdir(listing) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

private func privateDirectories(_ directory: String) -> [String] {
    entries(directory).filter { $0.contains(".sockopt-") }
}

/// Runs `body` on another thread and waits at most `limit` for it: a call that hangs makes the
/// test fail instead of hanging the suite. Returns whether it finished in time.
private func finishes(within limit: DispatchTimeInterval, _ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        body()
        done.signal()
    }
    return done.wait(timeout: .now() + limit) == .success
}

/// A value shared between a test and an injected action or another thread.
private final class Shared<Value: Sendable>: Sendable {
    private let value: Locked<Value>
    init(_ value: Value) { self.value = Locked(value) }
    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
    func get() -> Value { value.withLock { $0 } }
    func update(_ body: (inout Value) -> Void) { value.withLock { body(&$0) } }
}

/// A counter that threads share.
private final class Counter: Sendable {
    private let atomic = Atomic<Int>(0)
    var value: Int { atomic.load(ordering: .acquiring) }
    func increment() { atomic.add(1, ordering: .acquiringAndReleasing) }
}

/// The outcome of a start, without the listener (which is ~Copyable).
private enum Outcome: Sendable, Equatable {
    case listening
    case failed(SocketError)
}

private func start(_ address: SocketAddress, mode: UInt32? = nil) -> Outcome {
    do {
        let listener = try ListeningSocket(address: address, unixFileMode: mode)
        try listener.close()
        return .listening
    } catch {
        return .failed(error)
    }
}

/// One line from a pipe, read with read(2) (Foundation's availableData may wait for the end of
/// the stream on Linux); empty at the end of the stream.
private func readLine(from fd: CInt) -> String {
    var line: [UInt8] = []
    var byte: UInt8 = 0
    while read(fd, &byte, 1) == 1 {
        line.append(byte)
        if byte == UInt8(ascii: "\n") { break }
    }
    return String(decoding: line, as: UTF8.self)
}

/// Removes a directory and the files in it, in process (spawning rm would open descriptors that a
/// leak check would see).
private func removeFlatDirectory(_ path: String) {
    for name in entries(path) { unlink(path + "/" + name) }
    rmdir(path)
}

/// A recursive delete for directories a test let an attacker play in.
private func removeTree(_ path: String) {
    let remover = Process()
    remover.executableURL = URL(fileURLWithPath: "/bin/rm")
    remover.arguments = ["-rf", path]
    try? remover.run()
    remover.waitUntilExit()
}

private func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/socketoptions-XXXXXX".utf8CString)
    let made = try #require(mkdtemp(&template))
    return String(cString: made)
}

@Suite("Unix socket file mode, validated")
struct UnixFileModeValidationTests {
    @Test(
        "setuid, setgid and sticky bits are refused before any system call",
        arguments: [UInt32(0o4660), 0o2770, 0o1777, 0o7777, 0o1000]
    )
    func specialBitsRefused(mode: UInt32) throws {
        let address = try SocketAddress.unix(path: "/tmp/never-bound-\(getpid()).sock")
        let (_, calls) = recording {
            #expect(throws: SocketError.invalidFileMode(mode)) {
                _ = try ListeningSocket(address: address, unixFileMode: mode)
            }
        }
        #expect(calls.isEmpty)
        #expect(SocketError.invalidFileMode(mode).description.contains("0o0...0o777"))
    }
}

extension KernelTests {
    @Suite("Unix socket files: attacks and races")
    struct UnixSocketFileTests {
        @Test("A start binds privately, sets the mode, listens, then links the file to its path; close undoes it")
        func recordedOrder() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let recorder = SyscallRecorder()
                let (calls, _) = try recording(recorder) {
                    let listener = try ListeningSocket(address: try .unix(path: path), options: [], unixFileMode: 0o640)
                    let started = recorder.calls
                    #expect(listener.localAddress == (try .unix(path: path)))
                    #expect(fileMode(path) == UInt32(S_IFSOCK) | 0o640)
                    #expect(fileExists(path + ".lock"))
                    #expect(privateDirectories(directory).isEmpty)
                    try listener.close()
                    return started
                }
                #expect(
                    calls.map(\.description) == [
                        "socket",
                        "setsockopt(reuseAddress)", "getsockopt(reuseAddress)",  // the default, read back
                        "openat",  // the directory, once
                        "openat", "fstat", "flock", "fstatat",  // the lock, and that its name is still it
                        "mkdirat", "openat", "fstat", "fstatat",  // the private directory, reached through /proc
                        "bind", "fstatat", "fchmodat", "listen",
                        "linkat",  // the file appears at its path, listening, with its mode
                        "unlinkat", "fstatat", "unlinkat", "close",  // the private name and directory go
                    ]
                )
                #expect(calls.first { $0.kind == .linkat }?.name == "app.sock")
                #expect(!calls.contains { $0.kind == .connect })
                let all = recorder.calls
                #expect(
                    all[calls.count...].map(\.description) == [
                        "close", "fstatat", "unlinkat", "fstatat", "unlinkat", "close", "close",
                    ]
                )
                #expect(entries(directory).isEmpty, "the socket file and the lock file are gone")
            }
        }

        @Test("A stranger swapping the socket file for a symlink never gets a mode applied to its target")
        func attackerCannotRedirectTheMode() throws {
            let directory = try makeTemporaryDirectory()
            let secretDirectory = try makeTemporaryDirectory()
            defer {
                removeTree(directory)
                removeTree(secretDirectory)
            }
            // The directory is writable by nobody (uid 65534), not sticky: the attacker can rename
            // and replace any name in it, and protected_symlinks does not apply.
            #expect(chmod(directory, 0o777) == 0)
            let secret = secretDirectory + "/secret"
            fclose(fopen(secret, "w"))
            #expect(chmod(secret, 0o600) == 0)
            let path = directory + "/app.sock"

            let script = """
                import os, signal, stat, sys
                d, name, target, target_dir = sys.argv[1:5]
                path = os.path.join(d, name)
                swaps = directory_swaps = tries = 0
                def stop(*_):
                    try:
                        os.write(1, b"%d %d %d\\n" % (tries, swaps, directory_swaps))
                    finally:
                        os._exit(0)
                signal.signal(signal.SIGTERM, stop)
                # The test process may block SIGTERM, and a child inherits the mask.
                signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
                print("ready", flush=True)
                parent = os.getppid()
                n = 0
                while True:
                    n += 1
                    if n % 1024 == 0 and os.getppid() != parent:
                        os._exit(0)  # the test is gone: never outlive it
                    tmp = os.path.join(d, "evil-%d" % n)
                    try:
                        if stat.S_ISSOCK(os.lstat(path).st_mode):
                            tries += 1
                            os.symlink(target, tmp)
                            os.rename(tmp, path)
                            swaps += 1
                    except OSError:
                        try: os.unlink(tmp)
                        except OSError: pass
                    if n % 16: continue
                    try:
                        for entry in os.listdir(d):
                            if ".sockopt-" in entry and not entry.startswith("moved"):
                                p = os.path.join(d, entry)
                                if stat.S_ISDIR(os.lstat(p).st_mode):
                                    tries += 1
                                    os.rename(p, os.path.join(d, "moved-%d" % n))
                                    os.symlink(target_dir, p)
                                    directory_swaps += 1
                    except OSError:
                        pass
                """
            let attacker = Process()
            attacker.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            attacker.arguments = [
                "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, directory,
                "app.sock", secret, secretDirectory,
            ]
            let output = Pipe()
            attacker.standardOutput = output
            try attacker.run()
            let ready = readLine(from: output.fileHandleForReading.fileDescriptor)
            #expect(ready.hasPrefix("ready"))

            var started = 0
            var checked = 0
            var refused = 0
            var reasons: [String: Int] = [:]
            for _ in 0..<300 {
                do {
                    let listener = try ListeningSocket(address: try .unix(path: path), unixFileMode: 0o666)
                    started += 1
                    // Still our socket file (not yet swapped): it has exactly the mode asked for.
                    if let found = identity(path), found.isSocket {
                        checked += 1
                        #expect(found.permissions == 0o666)
                    }
                    try listener.close()
                } catch {
                    refused += 1
                    reasons[error.description.prefix(60).description, default: 0] += 1
                }
                // The attacker's symlink at the path would refuse every later start: clear it, as an
                // operator would.
                if let found = identity(path), !found.isSocket { unlink(path) }
                #expect(identity(secret)?.permissions == 0o600)
            }
            kill(attacker.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(5)
            while attacker.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
            if attacker.isRunning { kill(attacker.processIdentifier, SIGKILL) }
            attacker.waitUntilExit()
            let figures = readLine(from: output.fileHandleForReading.fileDescriptor)
            print(
                "attacker (tries, file swaps, directory swaps): \(figures)starts: \(started), checked: \(checked), refused: \(refused) \(reasons)"
            )

            #expect(identity(secret)?.permissions == 0o600, "the target's mode never changed")
            #expect(entries(secretDirectory) == ["secret"], "nothing was made in the target's directory")
            #expect(started > 0)
            let swaps = figures.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            #expect(swaps > 0, "the attacker did swap files (\(figures))")
        }

        @Test("Two starts on one path, the second while the first is between bind and listen: one listens")
        func secondStartBetweenBindAndListen() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                let second = Shared<Outcome?>(nil)
                let recorder = SyscallRecorder()
                recorder.inject(.listen, .before) { second.set(start(address)) }
                try SyscallRecorder.$current.withValue(recorder) {
                    let first = try ListeningSocket(address: address)
                    #expect(second.get() == .failed(.addressInUse(address, errno: .wouldBlock)))
                    // The first is the one at the path.
                    let client = try Connection(connectingTo: address)
                    #expect(try first.accept(timeout: .seconds(2)) != nil)
                    _ = client
                }
            }
        }

        @Test("A start paused between bind and listen while another thread starts: the other fails at once")
        func pausedStartAgainstAnotherThread() throws {
            try withTemporaryDirectory { directory in
                let address = try SocketAddress.unix(path: directory + "/app.sock")
                let recorder = SyscallRecorder()
                let pause = recorder.pause(.listen, .before)
                let first = Shared<Outcome?>(nil)
                let done = DispatchSemaphore(value: 0)
                Thread.detachNewThread {
                    SyscallRecorder.$current.withValue(recorder) {
                        do {
                            let listener = try ListeningSocket(address: address)
                            first.set(.listening)
                            done.signal()
                            // Serve one client, so the test can see which socket holds the path.
                            _ = try? listener.accept(timeout: .seconds(5))
                        } catch {
                            first.set(.failed(error as? SocketError ?? .invalidArgument("\(error)")))
                            done.signal()
                        }
                    }
                }
                #expect(pause.waitUntilReached())
                // The first start is bound, not listening, and holds the lock.
                #expect(start(address) == .failed(.addressInUse(address, errno: .wouldBlock)))
                #expect(!fileExists(directory + "/app.sock"), "nothing is at the path before it listens")
                pause.resume()
                #expect(done.wait(timeout: .now() + 10) == .success)
                #expect(first.get() == .listening)
                let client = try Connection(connectingTo: address)
                _ = client
            }
        }

        @Test("A pause that nobody resumes ends at its limit: a start never waits without a bound")
        func pauseIsBounded() throws {
            try withTemporaryDirectory { directory in
                let address = try SocketAddress.unix(path: directory + "/app.sock")
                let recorder = SyscallRecorder()
                _ = recorder.pause(.linkat, .before, limit: .milliseconds(100))
                let outcome = recording(recorder) { start(address) }.0
                #expect(outcome == .listening)
            }
        }

        @Test("200 rounds of two simultaneous starts on one path: exactly one listens each time")
        func simultaneousStartsStress() throws {
            try withTemporaryDirectory { directory in
                let address = try SocketAddress.unix(path: directory + "/app.sock")
                var doubleSuccesses = 0
                var bothFailed = 0
                for round in 0..<200 {
                    let arrived = Counter()
                    let tried = Counter()
                    let successes = Counter()
                    let inTime = finishes(within: .seconds(10)) {
                        DispatchQueue.concurrentPerform(iterations: 2) { index in
                            arrived.increment()
                            while arrived.value < 2 {}
                            // One of the two starts a little later, by a different amount each round,
                            // so that the rounds sweep the whole of the other's start.
                            if index == 1 {
                                for _ in 0..<(round % 100) * 120 { _ = arrived.value }
                            }
                            do {
                                let listener = try ListeningSocket(address: address)
                                successes.increment()
                                // Both stay up until both have tried.
                                tried.increment()
                                while tried.value < 2 {}
                                _ = listener
                            } catch {
                                tried.increment()
                                while tried.value < 2 {}
                            }
                        }
                    }
                    #expect(inTime)
                    if successes.value == 2 { doubleSuccesses += 1 }
                    if successes.value == 0 { bothFailed += 1 }
                }
                print("simultaneous starts: 200 rounds, \(doubleSuccesses) double successes, \(bothFailed) with none")
                #expect(doubleSuccesses == 0)
                #expect(bothFailed == 0)
                #expect(entries(directory).isEmpty)
            }
        }

        @Test("A server that recovers the stale file and listens between our check and our move keeps its socket")
        func racingServerKeepsItsSocket() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                makeStaleFile(path)
                let racer = Shared<CInt>(-1)
                let recorder = SyscallRecorder()
                // The connect that finds the file stale is the last step of the check: the racing
                // server takes the path just after it.
                recorder.inject(.connect, .after) {
                    unlink(path)
                    racer.set(rawUnixServer(path, backlog: 8))
                }
                let (outcome, _) = recording(recorder) { start(address) }
                let server = racer.get()
                #expect(server >= 0)
                defer { close(server) }
                #expect(outcome == .failed(.addressInUse(address, errno: .fileExists)))
                let client = connectWithoutWaiting(path)
                defer { close(client.fd) }
                #expect(client.errno == 0, "the racing server's file is still at the path")
                #expect(acceptAllQueued(server) == 1, "and the connection reached that server")
                #expect(privateDirectories(directory).isEmpty)
            }
        }

        @Test("sock_diag names the socket bound to a file, on ext4 and tmpfs alike, and nothing for a stale file")
        func socketTableFindsTheBoundSocket() throws {
            // /tmp is ext4 here (device 254:0, whose kernel and stat encodings differ); /dev/shm is tmpfs.
            for base in ["/tmp", "/dev/shm"] {
                let path = "\(base)/socketoptions-diag-\(getpid()).sock"
                unlink(path)
                defer { unlink(path) }
                let server = rawUnixServer(path, backlog: nil)
                let file = try #require(identity(path))
                var link = [CChar](repeating: 0, count: 64)
                let count = readlink("/proc/self/fd/\(server)", &link, link.count - 1)
                let target = String(decoding: link.prefix(max(count, 0)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                let inode = try #require(UInt64(target.dropFirst("socket:[".count).dropLast()))
                #expect(try UnixSocketTable.sockets(boundTo: file).get() == [inode], "\(base)")
                close(server)
                #expect(try UnixSocketTable.sockets(boundTo: file).get() == [], "\(base)")
            }
        }

        @Test("A server that has bound and not yet listened is live: its file is never removed")
        func boundNotListeningIsLive() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                let server = rawUnixServer(path, backlog: nil)
                defer { close(server) }
                let before = try #require(identity(path))
                #expect(UnixPathState.probe(path) == .live)
                #expect(throws: SocketError.addressInUse(address, errno: .fileExists)) {
                    _ = try ListeningSocket(address: address)
                }
                #expect(throws: SocketError.addressInUse(address, errno: .addressInUse)) {
                    _ = try DatagramSocket(address: address)
                }
                #expect(identity(path).map { $0.isSameFile(as: before) } == true)
                // It can still start listening and serve.
                #expect(listen(server, 4) == 0)
                let client = connectWithoutWaiting(path)
                defer { close(client.fd) }
                #expect(client.errno == 0)
            }
        }

        @Test("A live server with a full accept queue: every start, the probe and the demo say in use, promptly")
        func fullAcceptQueueNeverHangs() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/full.sock"
                let address = try SocketAddress.unix(path: path)
                let holder = rawUnixServer(path, backlog: 0)
                var clients: [CInt] = []
                while true {
                    let client = connectWithoutWaiting(path)
                    if client.errno != 0 {
                        close(client.fd)
                        break
                    }
                    clients.append(client.fd)
                }
                defer { for fd in clients { close(fd) } }
                #expect(!clients.isEmpty)
                let results = Shared<[String]>([])
                let inTime = finishes(within: .seconds(10)) {
                    let listening = start(address)
                    var datagram = "bound"
                    do { _ = try DatagramSocket(address: address) } catch let error as SocketError {
                        datagram = "\(error == .addressInUse(address, errno: .addressInUse))"
                    } catch {}
                    let probe = UnixPathState.probe(path)
                    let diagnosis = AddressInUseDiagnosis(address: address).findings
                    results.set([
                        "\(listening == .failed(.addressInUse(address, errno: .fileExists)))", datagram,
                        "\(probe == .live)",
                        "\(diagnosis.count == 1 && diagnosis.first.map { if case .liveUnixServer = $0 { true } else { false } } == true)",
                    ])
                }
                if !inTime {
                    // A start blocked in connect: closing the holder lets it go.
                    close(holder)
                    Issue.record("a start or the probe hung on a full accept queue")
                    return
                }
                #expect(results.get() == ["true", "true", "true", "true"])

                let demo = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                    .appendingPathComponent("sockopt-demo")
                let inspect = Process()
                inspect.executableURL = demo
                inspect.arguments = ["inspect", "unix:" + path]
                let errors = Pipe()
                inspect.standardError = errors
                inspect.standardOutput = FileHandle.nullDevice
                try inspect.run()
                let deadline = ContinuousClock.now + .seconds(10)
                while inspect.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
                let hung = inspect.isRunning
                if hung { kill(inspect.processIdentifier, SIGKILL) }
                inspect.waitUntilExit()
                #expect(!hung, "sockopt-demo inspect returned")
                #expect(inspect.terminationStatus == 1)
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                // The start found the live server's file at the path when it linked its own there.
                let words = message.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                #expect(words.contains("in use") && words.contains("(linkat: EEXIST)"), "\(message)")

                // The holder sees only the connections the test made: no probe connected to it.
                #expect(acceptAllQueued(holder) == clients.count)
                close(holder)
            }
        }

        @Test("A stale file is recovered, also where sock_diag cannot be asked")
        func staleRecoveredWithAndWithoutSockDiag() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                makeStaleFile(path)
                #expect(UnixPathState.probe(path) == .stale)
                let listener = try ListeningSocket(address: address)
                let first = try Connection(connectingTo: address)
                #expect(try listener.accept(timeout: .seconds(2)) != nil)
                _ = first
                try listener.close()

                // Without sock_diag (netlink refused, as in a sandbox): the non-blocking connect decides.
                makeStaleFile(path)
                let recorder = SyscallRecorder()
                recorder.fail(.socket, with: Errno(rawValue: EPROTONOSUPPORT), after: 1)
                let (calls, _) = try recording(recorder) {
                    let recovered = try ListeningSocket(address: address)
                    let client = try Connection(connectingTo: address)
                    #expect(try recovered.accept(timeout: .seconds(2)) != nil)
                    _ = client
                    return recorder.calls
                }
                #expect(calls.contains { $0.kind == .socket && $0.errno == Errno(rawValue: EPROTONOSUPPORT) })
                #expect(calls.contains { $0.kind == .renameat })
            }
        }

        @Test("A Unix datagram socket recovers a stale file and never takes a bound one")
        func datagramPaths() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/dgram.sock"
                let address = try SocketAddress.unix(path: path)
                makeStaleFile(path)
                let socket = try DatagramSocket(address: address)
                #expect(socket.localAddress == address)
                #expect(identity(path)?.isSocket == true)
                let holder = rawUnixServer(directory + "/held.sock", backlog: nil, type: CInt(SOCK_DGRAM.rawValue))
                defer { close(holder) }
                #expect(
                    throws: SocketError.addressInUse(try .unix(path: directory + "/held.sock"), errno: .addressInUse)
                ) {
                    _ = try DatagramSocket(address: try .unix(path: directory + "/held.sock"))
                }
                try socket.close()
                #expect(!fileExists(path))
            }
        }

        @Test("Unix datagram sockets bound to paths: the bound name is the path, and an answer to the sender arrives")
        func datagramAnswerReachesSender() throws {
            try withTemporaryDirectory { directory in
                let pathA = directory + "/a.sock"
                let pathB = directory + "/b.sock"
                let a = try DatagramSocket(address: try .unix(path: pathA))
                let b = try DatagramSocket(address: try .unix(path: pathB))
                // The kernel's word on B's bound name, not our bookkeeping.
                var storage = sockaddr_un()
                var length = socklen_t(MemoryLayout<sockaddr_un>.size)
                let named = withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        getsockname(b.descriptor.rawValue, $0, &length)
                    }
                }
                #expect(named == 0)
                let boundPath = withUnsafeBytes(of: storage.sun_path) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                #expect(boundPath == pathB)
                #expect(b.localAddress == (try .unix(path: pathB)))

                try a.send(Array("ping".utf8), to: try .unix(path: pathB))
                let request = try #require(try b.receive(timeout: .seconds(5)))
                #expect(request.sender == (try .unix(path: pathA)))
                try b.send(Array("pong".utf8), to: request.sender)
                let answer = try #require(try a.receive(timeout: .seconds(5)))
                #expect(answer.bytes == Array("pong".utf8))
                #expect(answer.sender == (try .unix(path: pathB)))
                try a.close()
                try b.close()
                #expect(!fileExists(pathA))
                #expect(!fileExists(pathB))
            }
        }

        @Test("A stale socket file of another user is never removed: .addressInUse, and the diagnosis says whose it is")
        func staleFileOfAnotherUserIsLeftAlone() throws {
            try withTemporaryDirectory { directory in
                // A /tmp-like directory: sticky and writable by all.
                #expect(chmod(directory, 0o1777) == 0)
                let path = directory + "/other.sock"
                let address = try SocketAddress.unix(path: path)
                // uid 65534 binds a socket file and exits: a stale file of another user.
                let child = Process()
                child.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                child.arguments = [
                    "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
                    "import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).bind(sys.argv[1])", path,
                ]
                try child.run()
                #expect(finishes(within: .seconds(10)) { child.waitUntilExit() })
                let before = try #require(identity(path))
                #expect(before.isSocket && before.owner == 65534)
                #expect(UnixPathState.probe(path) == .stale)

                #expect(throws: SocketError.addressInUse(address, errno: .fileExists)) {
                    _ = try ListeningSocket(address: address)
                }
                #expect(throws: SocketError.addressInUse(address, errno: .addressInUse)) {
                    _ = try DatagramSocket(address: address)
                }
                let after = try #require(identity(path))
                #expect(after.isSameFile(as: before))
                #expect(privateDirectories(directory).isEmpty)

                let diagnosis = AddressInUseDiagnosis(address: address)
                #expect(diagnosis.findings == [.staleUnixFileOfAnotherUser(path: path, uid: 65534)])
                let text = diagnosis.description.replacingOccurrences(of: "\n", with: " ")
                #expect(text.contains("stale socket file of uid 65534 that this process"))
                #expect(text.contains("remove it as that user, or choose another path"))
                unlink(path)
            }
        }

        @Test("A stale file that renameat may not move (EPERM, EACCES) gives an error that says so, not in use")
        func staleFileThatCannotBeMovedSaysSo() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                for errno in [Errno.notPermitted, .permissionDenied] {
                    makeStaleFile(path)
                    let recorder = SyscallRecorder()
                    recorder.fail(.renameat, with: errno)
                    let (outcome, _) = recording(recorder) { start(address) }
                    #expect(outcome == .failed(.system(.removeStaleFile(address), errno)))
                    if case .failed(let error) = outcome {
                        let text = error.description.replacingOccurrences(of: "\n", with: " ")
                        #expect(text.contains("may not move or remove it"))
                        #expect(!text.contains("live server"))
                    }
                    #expect(identity(path)?.isSocket == true)
                    #expect(privateDirectories(directory).isEmpty)
                    unlink(path)
                }
            }
        }

        @Test("A process whose umask takes the owner's write bit (0o277) still starts a listener on a path")
        func umaskWithoutOwnerWrite() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let demo = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                    .appendingPathComponent("sockopt-demo")
                // The umask is the process's: set in a child, never in the test process. The child is
                // not root, whom no directory mode stops.
                #expect(chmod(directory, 0o777) == 0)
                let child = Process()
                child.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                child.arguments = [
                    "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c",
                    "umask 0277 && exec \"$0\" inspect \"unix:$1\"", demo.path, path,
                ]
                let errors = Pipe()
                child.standardError = errors
                child.standardOutput = FileHandle.nullDevice
                try child.run()
                let deadline = ContinuousClock.now + .seconds(10)
                while child.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
                let hung = child.isRunning
                if hung { kill(child.processIdentifier, SIGKILL) }
                child.waitUntilExit()
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(!hung)
                #expect(child.terminationStatus == 0, "\(message)")
                #expect(!fileExists(path))
                #expect(privateDirectories(directory).isEmpty)
            }
        }

        // The errno is open(2)'s own answer to O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK, or none
        // where that open succeeds: a FIFO opens for reading without a writer when non-blocking
        // (fifo(7)), a device opens; a directory is EISDIR with O_CREAT, a symlink under O_NOFOLLOW
        // ELOOP, a socket file ENXIO (open(2)); another user's symlink in a sticky world-writable
        // directory that is not its owner's is EACCES before that (fs/namei.c, may_create_in_sticky,
        // for every type but a regular file or a FIFO). These used to be EEXIST for the FIFO, which
        // no call returned, and ELOOP for the other user's symlink, whose open said EACCES.
        @Test(
            "A FIFO, a directory, a symlink, a socket or a device at NAME.lock: an error that names it, with open's errno"
        )
        func oddLockFilesAreNamed() throws {
            try withTemporaryDirectory { directory in
                #expect(chmod(directory, 0o1777) == 0)
                let path = directory + "/app.sock"
                let lock = path + ".lock"
                let address = try SocketAddress.unix(path: path)
                let nobodySymlink = Process()
                nobodySymlink.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                nobodySymlink.arguments = [
                    "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/ln", "-s", "/nonexistent", lock,
                ]
                typealias Kind = (String, () -> Void, Errno?, UnixPathProblem.FileType, UInt32, String)
                let kinds: [Kind] = [
                    ("FIFO", { _ = mkfifo(lock, 0o600) }, nil, .fifo, UInt32(S_IFIFO), "is a FIFO"),
                    (
                        "directory", { _ = mkdir(lock, 0o700) }, .isDirectory, .directory, UInt32(S_IFDIR),
                        "is a directory"
                    ),
                    (
                        "symlink", { _ = symlink("/nonexistent", lock) }, .tooManySymbolicLinks, .symbolicLink,
                        UInt32(S_IFLNK), "is a symbolic link"
                    ),
                    (
                        "another user's symlink in a sticky directory",
                        {
                            try? nobodySymlink.run()
                            nobodySymlink.waitUntilExit()
                        }, .permissionDenied, .symbolicLink, UInt32(S_IFLNK), "is a symbolic link"
                    ),
                    (
                        "socket", { makeStaleFile(lock) }, Errno(rawValue: ENXIO), .socket, UInt32(S_IFSOCK),
                        "is a socket file"
                    ),
                    // 1:3 is /dev/null's device number: opening it does nothing.
                    (
                        "device", { _ = mknod(lock, S_IFCHR | 0o600, dev_t((1 << 8) | 3)) }, nil, .device,
                        UInt32(S_IFCHR), "is a device"
                    ),
                ]
                for (kind, make, errno, fileType, type, phrase) in kinds {
                    make()
                    #expect(identity(lock)?.type == type, "\(kind)")
                    let outcome = start(address)
                    #expect(
                        outcome == .failed(.unixPathUnusable(address, .lockFileNotRegular(fileType), errno: errno)),
                        "\(kind)"
                    )
                    if case .failed(let error) = outcome {
                        #expect(error.errno == errno, "\(kind)")
                        let text = error.description.replacingOccurrences(of: "\n", with: " ")
                        #expect(text.contains(lock), "\(kind): \(text)")
                        #expect(text.contains(phrase), "\(kind): \(text)")
                        #expect(text.contains("not a regular file"), "\(kind): \(text)")
                        #expect(text.lowercased().contains("remove it"), "\(kind): \(text)")
                        if let errno { #expect(text.contains("(open: \(errno.name))"), "\(kind): \(text)") }
                    }
                    #expect(identity(lock)?.type == type, "\(kind)")
                    #expect(!fileExists(path))
                    #expect(privateDirectories(directory).isEmpty)
                    if type == UInt32(S_IFDIR) { rmdir(lock) } else { unlink(lock) }
                }
            }
        }

        @Test("A held NAME.lock with nothing at the path: the error and the diagnosis say a lock, and name its holder")
        func heldLockIsDiagnosed() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let lock = path + ".lock"
                let address = try SocketAddress.unix(path: path)
                let holder = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
                defer { close(holder) }
                #expect(flock(holder, LOCK_EX | LOCK_NB) == 0)
                let outcome = start(address)
                #expect(outcome == .failed(.addressInUse(address, errno: .wouldBlock)))
                #expect(!fileExists(path))
                let message = SocketError.addressInUse(address, errno: .wouldBlock).description.replacingOccurrences(
                    of: "\n",
                    with: " "
                )
                #expect(!message.contains("a file is at that path"))
                #expect(message.contains("lock file"))

                let diagnosis = AddressInUseDiagnosis(address: address)
                #expect(diagnosis.findings.count == 1)
                guard case .heldLock(let lockPath, let owner)? = diagnosis.findings.first else {
                    Issue.record("no held lock in \(diagnosis.findings)")
                    return
                }
                #expect(lockPath == lock)
                #expect(owner?.pid == getpid())
                let text = diagnosis.description.replacingOccurrences(of: "\n", with: " ")
                #expect(text.contains("stop that process (\(getpid()))"), "\(text)")
                #expect(text.contains("remove"), "\(text)")
                #expect(!text.contains("ss -tanp"))
                let empty = AddressInUseDiagnosis(address: try .unix(path: directory + "/none.sock"))
                #expect(empty.findings.isEmpty)
                #expect(empty.description.contains("ss -xlp"))
                #expect(!empty.description.contains("sport"))
            }
        }

        @Test("A file that another server put at the path before our close is left alone by our close")
        func replacedFileSurvivesClose() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let listener = try ListeningSocket(address: try .unix(path: path))
                unlink(path)
                let other = rawUnixServer(path, backlog: 4)
                defer { close(other) }
                try listener.close()
                let client = connectWithoutWaiting(path)
                defer { close(client.fd) }
                #expect(client.errno == 0)
                #expect(!fileExists(path + ".lock"))
            }
        }

        @Test("The lock beside the socket: a second start fails at once without binding; odd lock files are refused")
        func lockFile() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                let first = try ListeningSocket(address: address)
                let (_, calls) = recording {
                    #expect(throws: SocketError.addressInUse(address, errno: .wouldBlock)) {
                        _ = try ListeningSocket(address: address)
                    }
                }
                #expect(!calls.contains { $0.kind == .bind })
                #expect(calls.contains { $0.kind == .flock && $0.errno == .wouldBlock })
                try first.close()

                // A symlink at the lock's name is not followed, and its target is not touched.
                let target = directory + "/target"
                fclose(fopen(target, "w"))
                #expect(chmod(target, 0o644) == 0)
                #expect(symlink(target, path + ".lock") == 0)
                // open(2) with O_NOFOLLOW on a symlink: ELOOP (formerly `.system(.lockFile, ELOOP)`).
                #expect(
                    throws: SocketError.unixPathUnusable(
                        address,
                        .lockFileNotRegular(.symbolicLink),
                        errno: .tooManySymbolicLinks
                    )
                ) {
                    _ = try ListeningSocket(address: address)
                }
                #expect(identity(target)?.permissions == 0o644)
                #expect(identity(path + ".lock")?.type == UInt32(S_IFLNK))
                #expect(!fileExists(path))
                #expect(privateDirectories(directory).isEmpty)
            }
        }

        @Test("releaseDescriptor leaves the socket file; a later start finds it live while the descriptor is open")
        func releaseLeavesFileLive() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                let fd = try ListeningSocket(address: address).releaseDescriptor()
                #expect(fileExists(path))
                #expect(!fileExists(path + ".lock"))
                #expect(throws: SocketError.addressInUse(address, errno: .fileExists)) {
                    _ = try ListeningSocket(address: address)
                }
                close(fd)
                // Now it is a dead server's file: recovered.
                let next = try ListeningSocket(address: address)
                try next.close()
            }
        }

        @Test("A failure injected at each step of a start closes everything it opened and leaves no private directory")
        func failureAtEachStepLeaksNothing() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                // The calls of a fresh start and of a start that recovers a stale file.
                for stale in [false, true] {
                    if stale { makeStaleFile(path) }
                    // The calls of the start alone (not those of the release that follows).
                    let recorder = SyscallRecorder()
                    let (fd, calls) = try recording(recorder) {
                        let listener = try ListeningSocket(address: address, unixFileMode: 0o600)
                        let started = recorder.calls
                        return (listener.releaseDescriptor(), started)
                    }.0
                    close(fd)
                    unlink(path)
                    let linked = try #require(calls.lastIndex { $0.kind == .linkat })
                    // Until the lock is held and its name checked, a lock file is not ours to remove.
                    let flocked = try #require(calls.firstIndex { $0.kind == .flock })
                    let before = openDescriptorTargets()
                    var failures = 0
                    for (index, call) in calls.enumerated() where call.kind != .close && call.result != -1 {
                        if stale { makeStaleFile(path) }
                        let skip = calls[..<index].filter { $0.kind == call.kind }.count
                        let recorder = SyscallRecorder()
                        recorder.fail(call.kind, with: Errno(rawValue: EIO), after: skip)
                        let (outcome, _) = recording(recorder) { start(address, mode: 0o600) }
                        if outcome != .listening { failures += 1 }
                        #expect(descriptorsAdded(since: before).isEmpty, "failing \(call) (#\(index))")
                        // A failure while removing the private directory itself cannot be undone.
                        if index <= linked {
                            #expect(privateDirectories(directory).isEmpty, "failing \(call) (#\(index))")
                        }
                        for name in privateDirectories(directory) { removeFlatDirectory(directory + "/" + name) }
                        if index > flocked {
                            #expect(!fileExists(path + ".lock"), "failing \(call) (#\(index))")
                        }
                        unlink(path + ".lock")
                        if !stale { #expect(!fileExists(path), "failing \(call) (#\(index))") }
                        unlink(path)
                    }
                    #expect(failures > 10)
                    print(
                        "failure injection (\(stale ? "stale file" : "fresh path")): \(calls.count) calls, \(failures) starts failed"
                    )
                }
            }
        }

        @Test("Bound, then the file is not our socket or cannot be looked at: .socketFileReplaced with the real errno")
        func socketFileReplacedCarriesFstatatErrno() throws {
            try withTemporaryDirectory { directory in
                let address = try SocketAddress.unix(path: directory + "/app.sock")
                let before = openDescriptorTargets()
                // The fstatat that follows the bind (in the private directory for a listener, at the
                // path for a datagram socket) fails with EIO, which no bind returns.
                for datagram in [false, true] {
                    let recorder = SyscallRecorder()
                    recorder.inject(.bind, .after) { recorder.fail(.fstatat, with: .ioError) }
                    let error = recording(recorder) { () -> SocketError? in
                        do throws(SocketError) {
                            if datagram {
                                _ = try DatagramSocket(address: address)
                            } else {
                                _ = try ListeningSocket(address: address)
                            }
                        } catch {
                            return error
                        }
                        return nil
                    }.0
                    #expect(error == .socketFileReplaced(address, errno: .ioError))
                    #expect(error?.errno == .ioError)
                    let text = error?.description ?? ""
                    #expect(text.contains("EIO") && text.contains("directory"), "\(text)")
                    #expect(!text.contains("mkdir"), "\(text)")
                }
                // A datagram socket's file swapped for a regular file just after bind: no call failed.
                let path = directory + "/dgram.sock"
                let datagramAddress = try SocketAddress.unix(path: path)
                let recorder = SyscallRecorder()
                recorder.inject(.bind, .after) {
                    unlink(path)
                    close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600))
                }
                let swapped = recording(recorder) { () -> SocketError? in
                    do throws(SocketError) { _ = try DatagramSocket(address: datagramAddress) } catch { return error }
                    return nil
                }.0
                #expect(swapped == .socketFileReplaced(datagramAddress, errno: nil))
                #expect(swapped?.errno == nil)
                #expect(descriptorsAdded(since: before).isEmpty)
            }
        }

        @Test("A lock held by another instance is .addressInUse with flock's EAGAIN, not an EADDRINUSE nobody returned")
        func heldLockCarriesFlockErrno() throws {
            try withTemporaryDirectory { directory in
                let address = try SocketAddress.unix(path: directory + "/app.sock")
                let first = try ListeningSocket(address: address)
                let error = try #require(throws: SocketError.self) { _ = try ListeningSocket(address: address) }
                #expect(error.errno == .wouldBlock)
                #expect(error.description.contains("EWOULDBLOCK"), "\(error)")
                try first.close()
            }
        }

        @Test(
            "A path that ends in /, . or .. names no file: .unixPathUnusable(.notAFileName), no errno, nothing opened"
        )
        func pathWithoutFileNameIsRefused() throws {
            try withTemporaryDirectory { directory in
                let before = openDescriptorTargets()
                for suffix in ["/", "/.", "/.."] {
                    let address = try SocketAddress.unix(path: directory + suffix)
                    // What each names is a directory, which bind could never make a socket file of.
                    #expect(identity(directory + suffix)?.isDirectory == true, "\(suffix)")
                    for datagram in [false, true] {
                        let (error, calls) = recording { () -> SocketError? in
                            do throws(SocketError) {
                                if datagram {
                                    _ = try DatagramSocket(address: address)
                                } else {
                                    _ = try ListeningSocket(address: address)
                                }
                            } catch {
                                return error
                            }
                            return nil
                        }
                        #expect(error == .unixPathUnusable(address, .notAFileName, errno: nil), "\(suffix)")
                        #expect(error != nil && error?.errno == nil, "\(suffix)")
                        // Refused before the directory is opened: no lock file, no private directory, no bind.
                        let fileCalls = calls.filter { [.openat, .mkdirat, .flock, .bind].contains($0.kind) }
                        #expect(fileCalls.isEmpty, "\(suffix): \(fileCalls)")
                        let text = error?.description ?? ""
                        #expect(text.contains("trailing slash") && text.contains("socket file itself"), "\(text)")
                        #expect(!text.contains("EISDIR"), "\(text)")
                    }
                }
                #expect(entries(directory).isEmpty)
                #expect(descriptorsAdded(since: before).isEmpty)
            }
        }

        @Test(
            "The private directory swapped for another user's, or for one others can write: refused, no errno, left alone"
        )
        func swappedPrivateDirectoryIsRefused() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                let before = openDescriptorTargets()
                // What a stranger who can write the directory puts at the private directory's name between
                // our mkdirat and our openat: a directory of uid 65534 (root gives it away with chown), or
                // one of our own user with a mode that lets others write (chmod, so that the umask does not
                // decide).
                for (owner, mode) in [(uid_t(65534), mode_t(0o700)), (getuid(), mode_t(0o777))] {
                    let swapped = Shared<[String]>([])
                    let recorder = SyscallRecorder()
                    recorder.inject(.mkdirat, .after) {
                        for name in privateDirectories(directory) {
                            let staging = directory + "/" + name
                            guard rmdir(staging) == 0, mkdir(staging, 0o700) == 0, chown(staging, owner, owner) == 0,
                                chmod(staging, mode) == 0
                            else { continue }
                            swapped.update { $0.append(staging) }
                        }
                    }
                    let (outcome, calls) = recording(recorder) { start(address) }
                    #expect(outcome == .failed(.unixPathUnusable(address, .stagingDirectoryNotPrivate, errno: nil)))
                    if case .failed(let error) = outcome {
                        #expect(error.errno == nil)
                        let text = error.description.replacingOccurrences(of: "\n", with: " ")
                        #expect(text.contains(directory + "/.app.sock.sockopt-XXXXXXXX"), "\(text)")
                        #expect(text.contains("only this server's user can write"), "\(text)")
                    }
                    #expect(!calls.contains { $0.kind == .bind })
                    let stranger = swapped.get()
                    #expect(stranger.count == 1)
                    // The stranger's directory is not ours to remove: it stays, as it was.
                    for staging in stranger {
                        let found = identity(staging)
                        #expect(found?.isDirectory == true && found?.owner == owner && found?.permissions == mode)
                        rmdir(staging)
                    }
                    #expect(!fileExists(path))
                    #expect(!fileExists(path + ".lock"))
                    #expect(privateDirectories(directory).isEmpty)
                }
                #expect(descriptorsAdded(since: before).isEmpty)
            }
        }

        @Test(
            "The private directory's mode changed after the package set 0700: refused, no errno, our directory removed"
        )
        func privateDirectoryChangedAfterChmodIsRefused() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                let before = openDescriptorTargets()
                let recorder = SyscallRecorder()
                // 0500 after mkdirat, as umask 0277 makes it: the package sets 0700 (fchmodat through
                // /proc/self/fd/N), and just after that the mode becomes 0755.
                recorder.inject(.mkdirat, .after) {
                    for name in privateDirectories(directory) { chmod(directory + "/" + name, 0o500) }
                    recorder.inject(.fchmodat, .after) {
                        for name in privateDirectories(directory) { chmod(directory + "/" + name, 0o755) }
                    }
                }
                let (outcome, calls) = recording(recorder) { start(address) }
                #expect(outcome == .failed(.unixPathUnusable(address, .stagingDirectoryNotPrivate, errno: nil)))
                #expect(calls.filter { $0.kind == .fchmodat }.count == 1)
                #expect(!calls.contains { $0.kind == .bind })
                #expect(privateDirectories(directory).isEmpty)
                #expect(!fileExists(path))
                #expect(!fileExists(path + ".lock"))
                #expect(descriptorsAdded(since: before).isEmpty)
            }
        }

        @Test("mkdirat answering EEXIST to every name of the private directory: .stagingNamesTaken with that EEXIST")
        func privateDirectoryNamesTaken() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let address = try SocketAddress.unix(path: path)
                let before = openDescriptorTargets()
                // The names are random: EEXIST for each (mkdir(2): the name exists), as a directory that
                // somebody filled with such names would answer, is made by the recorder; a ninth answer
                // would have made the directory.
                let recorder = SyscallRecorder()
                for _ in 0..<9 { recorder.fail(.mkdirat, with: .fileExists) }
                let (outcome, calls) = recording(recorder) { start(address) }
                #expect(outcome == .failed(.unixPathUnusable(address, .stagingNamesTaken, errno: .fileExists)))
                if case .failed(let error) = outcome {
                    #expect(error.errno == .fileExists)
                    let text = error.description.replacingOccurrences(of: "\n", with: " ")
                    #expect(text.contains("(mkdirat: EEXIST)") && text.contains(".app.sock.sockopt-*"), "\(text)")
                }
                let tries = calls.filter { $0.kind == .mkdirat }
                #expect(tries.count == 8 && tries.allSatisfy { $0.errno == .fileExists })
                #expect(Set(tries.compactMap(\.name)).count == 8, "each try a new name")
                #expect(!calls.contains { $0.kind == .bind })
                #expect(entries(directory).isEmpty)
                #expect(descriptorsAdded(since: before).isEmpty)
            }
        }

        /// A directory under `directory` whose name makes DIR/app.sock exactly `length` bytes long.
        private func socketPath(of length: Int, under directory: String) -> String {
            let sub =
                directory + "/" + String(repeating: "d", count: length - directory.utf8.count - "//app.sock".count)
            mkdir(sub, 0o700)
            return sub + "/app.sock"
        }

        @Test(
            "Where /proc/self/fd does not reach the private directory, a path too long for sun_path through it is refused"
        )
        func privateDirectoryPathTooLongWithoutProc() throws {
            try withTemporaryDirectory { directory in
                let before = openDescriptorTargets()
                // 100 bytes fit sun_path (107); DIR/.app.sock.sockopt-XXXXXXXX/s replaces "/app.sock" with
                // 29 bytes, 20 more, and does not. A stat of /proc/self/fd/N where /proc is not mounted
                // answers ENOENT (as under `unshare -m` after `umount /proc`): the recorder answers so.
                let long = socketPath(of: 100, under: directory)
                #expect(long.utf8.count == 100)
                for (path, fits) in [(long, false), (directory + "/app.sock", true)] {
                    let address = try SocketAddress.unix(path: path)
                    let recorder = SyscallRecorder()
                    recorder.inject(.mkdirat, .after) { recorder.fail(.fstatat, with: .noSuchEntry) }
                    let (outcome, calls) = recording(recorder) { start(address) }
                    let viaProc = calls.filter { $0.kind == .fstatat && $0.name?.hasPrefix("/proc/self/fd/") == true }
                    #expect(viaProc.count == 1 && viaProc.first?.errno == .noSuchEntry, "\(viaProc)")
                    if fits {
                        // A short path takes the same way and starts: the directory's own path fits.
                        #expect(outcome == .listening)
                    } else {
                        let expected = SocketError.unixPathUnusable(
                            address,
                            .stagingPathTooLong(path.utf8.count + 20),
                            errno: nil
                        )
                        #expect(outcome == .failed(expected))
                        #expect(expected.errno == nil)
                        #expect(!calls.contains { $0.kind == .bind })
                        let text = expected.description.replacingOccurrences(of: "\n", with: " ")
                        #expect(text.contains("120 bytes") && text.contains("by 13 bytes or more"), "\(text)")
                    }
                    #expect(privateDirectories((path as NSString).deletingLastPathComponent).isEmpty)
                    #expect(!fileExists(path))
                    #expect(!fileExists(path + ".lock"))
                }
                #expect(descriptorsAdded(since: before).isEmpty)
            }
        }

        // Not /proc unmounted: Swift reads CommandLine.arguments from /proc/self/cmdline on Linux, and the
        // demo would run its tour. An empty tmpfs over /proc/PID/fd of the shell that execs the demo (same
        // pid) hides exactly the descriptor paths: a stat of /proc/self/fd/N answers ENOENT.
        @Test(
            "Really without /proc/self/fd (a mount namespace that hides it): a short path starts, a long one says what to do"
        )
        func privateDirectoryPathTooLongInNamespaceWithoutProc() throws {
            try withTemporaryDirectory { directory in
                let demo = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                    .appendingPathComponent("sockopt-demo")
                let long = socketPath(of: 100, under: directory)
                for (path, fits) in [(directory + "/app.sock", true), (long, false)] {
                    // unshare(1) makes the new mount namespace's mounts private: the machine's /proc is untouched.
                    let child = Process()
                    child.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
                    child.arguments = [
                        "-m", "/bin/sh", "-c",
                        "mount -t tmpfs none /proc/$$/fd && ! test -e /proc/$$/fd/0 && exec \"$0\" inspect \"unix:$1\"",
                        demo.path, path,
                    ]
                    let errors = Pipe()
                    child.standardError = errors
                    child.standardOutput = FileHandle.nullDevice
                    try child.run()
                    let deadline = ContinuousClock.now + .seconds(10)
                    while child.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
                    let hung = child.isRunning
                    if hung { kill(child.processIdentifier, SIGKILL) }
                    child.waitUntilExit()
                    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                        .replacingOccurrences(of: "\n", with: " ")
                    #expect(!hung)
                    if fits {
                        #expect(child.terminationStatus == 0, "\(message)")
                    } else {
                        // The demo exits 1 with the error's description (2 would be its usage, 127 no demo).
                        #expect(child.terminationStatus == 1, "\(message)")
                        #expect(message.contains("is \(path.utf8.count + 20) bytes"), "\(message)")
                        #expect(message.contains("/proc/self/fd") && message.contains("mount /proc"), "\(message)")
                    }
                    #expect(!fileExists(path))
                    #expect(!fileExists(path + ".lock"))
                    #expect(privateDirectories((path as NSString).deletingLastPathComponent).isEmpty)
                }
            }
        }
    }
}
