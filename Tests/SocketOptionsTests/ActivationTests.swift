// SocketOptions tests: socket activation with several sockets, a stray environment, and a real
// launcher (systemd-socket-activate) starting a child of this very test binary.

import Glibc
import Testing

@testable import SocketOptions

/// Moves `fds` to consecutive free descriptor numbers from 600 on (as a launcher passes them from
/// 3 on: without close-on-exec), closes the originals and returns the first number.
func placeConsecutively(_ fds: [CInt]) -> Int32 {
    var base: Int32 = 600
    while (base..<base + Int32(fds.count)).contains(where: { fcntl($0, F_GETFD) != -1 }) { base += 16 }
    for (index, fd) in fds.enumerated() {
        precondition(dup2(fd, base + Int32(index)) == base + Int32(index))
        close(fd)
    }
    return base
}

/// Sets the activation variables for this process as a launcher would, with the registry
/// forgotten and its first descriptor at `firstDescriptor`; restores both afterwards.
func withActivationEnvironment<Result>(
    fds: String,
    names: String? = nil,
    pid: String = String(getpid()),
    firstDescriptor: Int32 = SocketActivation.firstDescriptor,
    _ body: () throws -> Result
) rethrows -> Result {
    setenv("LISTEN_PID", pid, 1)
    setenv("LISTEN_FDS", fds, 1)
    if let names { setenv("LISTEN_FDNAMES", names, 1) } else { unsetenv("LISTEN_FDNAMES") }
    SocketActivation.resetForTesting(firstDescriptor: firstDescriptor)
    defer {
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
        SocketActivation.resetForTesting()
    }
    return try body()
}

func isCloseOnExec(_ fd: CInt) -> Bool { fcntl(fd, F_GETFD) & FD_CLOEXEC != 0 }

extension Optional where Wrapped == ListeningSocket {
    /// Whether there is no listener; one that there is, is closed.
    consuming func isNoneClosing() -> Bool {
        guard let listener = self else { return true }
        _ = listener
        return false
    }
}

/// What the descriptors of a child started with posix_spawn (which closes only close-on-exec
/// ones) point to: `ls -l /proc/self/fd`, whose lines end in `socket:[INODE]` for sockets.
func descriptorsOfChild() -> String {
    var ends: [CInt] = [0, 0]
    guard pipe(&ends) == 0 else { return "" }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let arguments: [UnsafeMutablePointer<CChar>?] =
        ["/bin/ls", "-l", "/proc/self/fd"].map { (text: String) in strdup(text) } + [nil]
    defer { for argument in arguments { free(argument) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/bin/ls", &actions, nil, arguments, environ)
    close(ends[1])
    defer { close(ends[0]) }
    guard spawned == 0 else { return "" }
    var output = ""
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(ends[0], &buffer, buffer.count)
        if count <= 0 { break }
        output += String(decoding: buffer[..<count], as: UTF8.self)
    }
    var status: CInt = 0
    waitpid(pid, &status, 0)
    return output
}

/// How a descriptor's socket shows in /proc/PID/fd: `socket:[INODE]`.
func socketLink(_ fd: CInt) -> String {
    var status = stat()
    return fstat(fd, &status) == 0 ? "socket:[\(status.st_ino)]" : "not open"
}

/// Whether a child started now inherits none of `fds` (and the probe itself ran).
func childInheritsNone(of fds: [CInt]) -> Bool {
    let links = fds.map(socketLink)
    let listing = descriptorsOfChild()
    return listing.contains("/dev/") || listing.contains("pipe:") ? !links.contains { listing.contains($0) } : false
}

extension KernelTests {
    @Suite("Socket activation")
    struct ActivationTests {
        /// Two listeners and a UDP socket where a launcher would put them, named http, admin, dns.
        /// Afterwards closes those that no test took (a listener closes its own).
        func inherit(_ body: (Int32, [UInt16]) throws -> Void) throws {
            let http = try ListeningSocket(address: anyLoopbackPort)
            let admin = try ListeningSocket(address: anyLoopbackPort)
            let ports = [http.localAddress.port, admin.localAddress.port]
            let base = placeConsecutively([
                http.releaseDescriptor(), admin.releaseDescriptor(), TestSocketKind.udp4.makeSocket(),
            ])
            try withActivationEnvironment(fds: "3", names: "http:admin:dns", firstDescriptor: base) {
                defer {
                    let claimed = ActivationRegistry.shared.withLock { $0.claimed }
                    for fd in base..<base + 3 where !claimed.contains(fd) { close(fd) }
                }
                try body(base, ports)
            }
        }

        @Test("Names are claimed in any order, each once; all are close-on-exec from the first call on")
        func claimsInAnyOrder() throws {
            try inherit { base, ports in
                #expect((base..<base + 3).allSatisfy { !isCloseOnExec($0) })
                guard let admin = try ListeningSocket.activated(name: "admin") else {
                    Issue.record("admin was not found")
                    return
                }
                #expect(admin.localAddress.port == ports[1])
                #expect((base..<base + 3).allSatisfy(isCloseOnExec), "claimed or not, none is inherited by a child")
                #expect(getenv("LISTEN_FDS") == nil && getenv("LISTEN_PID") == nil && getenv("LISTEN_FDNAMES") == nil)
                #expect(childInheritsNone(of: Array(base..<base + 3)), "a child inherited one: \(descriptorsOfChild())")

                guard let http = try ListeningSocket.activated(name: "http") else {
                    Issue.record("http was not found after admin was claimed")
                    return
                }
                #expect(http.localAddress.port == ports[0])
                let none119 = try ListeningSocket.activated(name: "http").isNoneClosing()
                #expect(none119, "handed out once")
                let none120 = try ListeningSocket.activated(name: "nope").isNoneClosing()
                #expect(none120)
                #expect {
                    _ = try ListeningSocket.activated(name: "dns")
                } throws: { error in
                    guard case .notAListener(base + 2, let reason) = error as? SocketError else { return false }
                    return reason.contains("datagram")
                }
                // Without a name, only a listener is taken: the datagram socket is no listener.
                let noListenerLeft = try ListeningSocket.activated().isNoneClosing()
                #expect(noListenerLeft)
                #expect(fcntl(base + 2, F_GETFD) != -1, "a descriptor whose adoption was refused stays open")
                #expect(!ActivationRegistry.shared.withLock { $0.claimed.contains(base + 2) }, "and unclaimed")
                #expect(try SocketActivation.descriptors().map(\.name) == ["http", "admin", "dns"])
            }
        }

        @Test("activated() without a name passes over a datagram socket passed first and takes the listener")
        func unnamedSkipsDatagram() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let port = listener.localAddress.port
            let base = placeConsecutively([TestSocketKind.udp4.makeSocket(), listener.releaseDescriptor()])
            try withActivationEnvironment(fds: "2", firstDescriptor: base) {
                defer { close(base) }
                guard let first = try ListeningSocket.activated() else {
                    Issue.record("activated() passed over the listener after the datagram socket")
                    return
                }
                #expect(first.localAddress.port == port)
                let second = try ListeningSocket.activated().isNoneClosing()
                #expect(second, "the one listener was handed out")
                #expect(fcntl(base, F_GETFD) != -1, "the datagram socket stays open for the caller")
            }
        }

        @Test("A descriptor prints as its number and quoted name, control characters escaped")
        func descriptorDescription() {
            #expect(SocketActivation.Descriptor(rawValue: 3, name: "http").description == "3 \"http\"")
            #expect(SocketActivation.Descriptor(rawValue: 4, name: nil).description == "4")
            let hostile = SocketActivation.Descriptor(rawValue: 5, name: "a\u{1B}[2Jb").description
            #expect(!hostile.unicodeScalars.contains("\u{1B}"))
        }

        @Test("activatedAll claims every descriptor at once: listeners adopted, the datagram socket reported")
        func claimsAll() throws {
            try inherit { base, ports in
                var all = try ListeningSocket.activatedAll()
                #expect(all.count == 2 && all.descriptors.map(\.name) == ["http", "admin"])
                #expect(all.others.map(\.descriptor) == [SocketActivation.Descriptor(rawValue: base + 2, name: "dns")])
                #expect(all.others.first?.reason.contains("datagram") == true)
                #expect((base..<base + 3).allSatisfy(isCloseOnExec))
                let none142 = try ListeningSocket.activated(name: "http").isNoneClosing()
                #expect(none142, "all are claimed")
                #expect(all.take(name: "admin")?.localAddress.port == ports[1])
                let none144 = all.take(name: "admin").isNoneClosing()
                #expect(none144)
                #expect(all.take(at: 0)?.localAddress.port == ports[0])
                let none146 = all.take(at: 0).isNoneClosing() && all.take(at: 7).isNoneClosing()
                #expect(none146)
                // The datagram socket is the caller's now: this test closes it.
                #expect(close(base + 2) == 0)
            }
        }

        @Test("A listener not taken from activatedAll is closed with it")
        func untakenListenersClose() throws {
            try inherit { base, _ in
                do {
                    var all = try ListeningSocket.activatedAll()
                    _ = all.take(name: "http")
                }
                #expect(fcntl(base, F_GETFD) == -1 && fcntl(base + 1, F_GETFD) == -1)
                #expect(close(base + 2) == 0)
            }
        }

        @Test(
            "A LISTEN_FDS past RLIMIT_NOFILE is .invalidActivation at once, without allocating per descriptor",
            arguments: ["2147483644", "100000000", "20000"]
        )
        func countBeyondLimit(fds: String) throws {
            var limit = rlimit()
            #expect(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
            try #require(
                Int(fds)! + 3 > Int(limit.rlim_cur),
                "the soft limit \(limit.rlim_cur) is too high for this case"
            )
            withActivationEnvironment(fds: fds) {
                for _ in 0..<2 {
                    #expect {
                        _ = try SocketActivation.descriptors()
                    } throws: { error in
                        guard case .invalidActivation(let reason) = error as? SocketError else { return false }
                        return reason.contains("RLIMIT_NOFILE") && reason.contains("\(limit.rlim_cur)")
                            && reason.contains("unset LISTEN_PID")
                    }
                }
                #expect(getenv("LISTEN_FDS") == nil)
            }
        }

        @Test("A LISTEN_FDS naming descriptors that are not open is .invalidActivation, and nothing is changed")
        func descriptorsNotOpen() throws {
            let udp = TestSocketKind.udp4.makeSocket()
            let base = placeConsecutively([udp])
            defer { close(base) }
            // base is open (and inheritable), base + 1 is not.
            #expect(fcntl(base + 1, F_GETFD) == -1)
            withActivationEnvironment(fds: "2", firstDescriptor: base) {
                #expect {
                    _ = try ListeningSocket.activated()
                } throws: { error in
                    guard case .invalidActivation(let reason) = error as? SocketError else { return false }
                    return reason.contains("descriptor \(base + 1) is not open")
                }
                #expect(!isCloseOnExec(base), "checked before anything was changed")
            }
        }

        @Test("getrlimit failing still bounds the count, at 1048576")
        func limitUnreadable() {
            withActivationEnvironment(fds: "2000000") {
                let (_, calls) = recording(SyscallRecorder.failing(.getrlimit, with: .invalidArgument)) {
                    #expect(throws: SocketError.self) { _ = try SocketActivation.descriptors() }
                }
                #expect(calls.map(\.kind) == [.getrlimit])
            }
        }
    }
}

/// Starts `arguments[0]` with its output to /dev/null; its pid, or nil when it could not start.
func spawnQuietly(_ arguments: [String]) -> pid_t? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { (text: String) in strdup(text) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    return posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 ? pid : nil
}

/// The path of this test binary, to start a copy of it as the launcher's child.
func testBinaryPath() -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension KernelTests {
    @Suite("Socket activation by a real launcher")
    struct LauncherTests {
        /// Set in the child that systemd-socket-activate starts: where it writes what it found.
        static let childReport = "SOCKETOPTIONS_ACTIVATION_REPORT"

        @Test(
            "systemd-socket-activate with two named sockets: both are claimed, in any order, and a child inherits neither"
        )
        func realLauncher() throws {
            if let report = getenv(Self.childReport).map({ String(cString: $0) }) {
                try Self.child(report: report)
                return
            }
            let candidates: [String] = ["/usr/bin/systemd-socket-activate", "/bin/systemd-socket-activate"]
            let launcher = candidates.first { access($0, X_OK) == 0 }
            let binary = try #require(testBinaryPath())
            try withTemporaryDirectory { directory in
                let report = directory + "/report"
                let launcherPath = try #require(launcher, "systemd-socket-activate is missing")
                let arguments = [
                    launcherPath, "-l", directory + "/http.sock", "-l", directory + "/admin.sock",
                    "--fdname=http:admin", "-E", "\(Self.childReport)=\(report)",
                    binary, "--testing-library", "swift-testing", "--filter", "realLauncher",
                ]
                let pid = try #require(spawnQuietly(arguments), "the launcher did not start")
                defer {
                    // Stopped by its pid, if it has not ended by itself.
                    var status: CInt = 0
                    if waitpid(pid, &status, WNOHANG) == 0 {
                        kill(pid, SIGKILL)
                        waitpid(pid, &status, 0)
                    }
                }
                // The launcher starts the child at the first connection; the child answers it.
                func connect() throws -> Connection? {
                    for _ in 0..<100 {
                        if fileExists(directory + "/http.sock") {
                            return try Connection(connectingTo: try .unix(path: directory + "/http.sock"))
                        }
                        usleep(50_000)
                    }
                    return nil
                }
                guard let client = try connect() else {
                    Issue.record("the launcher never listened on http.sock")
                    return
                }
                #expect(try client.receive(upTo: 64, timeout: .seconds(30)) == Array("served by http\n".utf8))
                for _ in 0..<300 where !fileExists(report + ".done") { usleep(100_000) }
                let lines = try #require(readText(report)).split(separator: "\n").map(String.init)
                #expect(lines.contains("admin=\(directory)/admin.sock"))
                #expect(lines.contains("http=\(directory)/http.sock"))
                #expect(lines.contains("after first claim: 3 cloexec, 4 cloexec"))
                #expect(lines.contains("child inherited neither"), "\(lines)")
                #expect(lines.contains("environment unset"))
            }
        }

        /// In the launcher's child: claim admin first, then http, and write down what was seen.
        static func child(report: String) throws {
            var lines: [String] = []
            defer {
                let text = lines.joined(separator: "\n") + "\n"
                if let file = fopen(report, "w") {
                    fputs(text, file)
                    fclose(file)
                }
                if let done = fopen(report + ".done", "w") { fclose(done) }
            }
            guard let admin = try ListeningSocket.activated(name: "admin") else {
                lines.append("admin not found")
                return
            }
            lines.append("admin=\(admin.localAddress.host)")
            lines.append(
                "after first claim: 3 \(isCloseOnExec(3) ? "cloexec" : "inheritable"), 4 \(isCloseOnExec(4) ? "cloexec" : "inheritable")"
            )
            if childInheritsNone(of: [3, 4]) {
                lines.append("child inherited neither")
            } else {
                lines.append("child inherited: \(descriptorsOfChild())")
            }
            if getenv("LISTEN_FDS") == nil && getenv("LISTEN_PID") == nil && getenv("LISTEN_FDNAMES") == nil {
                lines.append("environment unset")
            }
            guard let http = try ListeningSocket.activated(name: "http") else {
                lines.append("http not found after admin")
                return
            }
            lines.append("http=\(http.localAddress.host)")
            if let connection = try http.accept(timeout: .seconds(10)) { try connection.send("served by http\n") }
        }
    }
}
