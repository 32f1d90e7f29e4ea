// SocketOptions tests: `sockopt-demo serve --take-over`, two real processes under load. Every run is
// in a private network namespace with net.ipv4.tcp_migrate_req 0, so that what it proves is the
// take-over, not the kernel's migration.

import Glibc
import PlainThreads
import Synchronization
import Testing

@testable import SocketOptions

/// How many runs each way makes in one test run.
private let takeOverRuns = 3

extension KernelTests {
    @Suite("serve --take-over between two processes")
    struct ServeTakeOverTests {
        @Test(
            "A new serve takes over from the running one under the load of 8 clients: 0 of 2,000+ connections lost, the old one exits 0",
            arguments: [TakeOverWay.descriptors, .steer]
        )
        func takeOverUnderLoadLosesNothing(way: TakeOverWay) throws {
            let demo = try #require(demoBinaryPath(), "sockopt-demo is not beside the test binary: swift build first")
            let results = try withMigrationSetting(false) {
                let migration = ReusePortHandover.kernelMigration()
                let runs = try (0..<takeOverRuns).map { _ in
                    try withTemporaryDirectory { try runTakeOverUnderLoad(demo: demo, way: way, in: $0) }
                }
                return (migration, runs)
            }
            // Linux 5.14+ has the setting and it must be off here; an older kernel never migrates.
            #expect(results.0 == .off || results.0 == .unavailable)
            for (run, result) in results.1.enumerated() {
                #expect(result.load.lost == 0, "run \(run): \(result)")
                #expect(
                    result.load.refused == 0 && result.load.reset == 0 && result.load.other == 0,
                    "run \(run): \(result)"
                )
                #expect(result.load.attempted >= 2000, "run \(run): \(result)")
                #expect(result.oldStatus == 0, "run \(run): the old serve exited \(result.oldStatus): \(result.oldLog)")
                #expect(result.newStatus == 0, "run \(run): the new serve exited \(result.newStatus): \(result.newLog)")
                // The load ran through the switch: both processes answered, and the new one went on
                // answering after the old one had exited.
                #expect(result.servedByOld > 0 && result.servedByNewAfterOldExit >= 500, "run \(run): \(result)")
                #expect(result.servedByOther == 0, "run \(run): \(result)")
                // Each side says what happened: the old one names its successor and the way.
                #expect(
                    result.oldLog.contains("taken over by process \(result.newPID): \(way.oldSays)"),
                    "run \(run): \(result.oldLog)"
                )
                #expect(
                    result.newLog.contains("take-over done: process \(result.oldPID) "),
                    "run \(run): \(result.newLog)"
                )
            }
            print("serve --take-over (\(way)), \(takeOverRuns) runs: \(results.1.map(\.summary))")
        }

        @Test(
            "The control: the same load through a plain restart (a new serve joins, the old one gets SIGTERM) loses connections"
        )
        func plainRestartLosesConnections() throws {
            let demo = try #require(demoBinaryPath(), "sockopt-demo is not beside the test binary: swift build first")
            // A loss needs connections queued on the old listener at its close: most runs have some,
            // not every one, so up to 10 runs, until one loses.
            let runs = try withMigrationSetting(false) {
                var runs: [TakeOverRun] = []
                while runs.count < 10 && !runs.contains(where: { $0.load.lost > 0 }) {
                    runs.append(
                        try withTemporaryDirectory { try runTakeOverUnderLoad(demo: demo, way: .plainRestart, in: $0) }
                    )
                }
                return runs
            }
            #expect(runs.contains { $0.load.lost > 0 }, "\(runs)")
            for run in runs { #expect(run.oldStatus == 0 && run.newStatus == 0, "\(run)") }
            print("plain restart, tcp_migrate_req 0, \(runs.count) runs: \(runs.map(\.summary))")
        }

        @Test(
            "Steering refuses a group of two serves (index 1 would be the other one): exit 1, both keep serving, none of them offers twice"
        )
        func steeringRefusesAGroupOfTwo() throws {
            let demo = try #require(demoBinaryPath(), "sockopt-demo is not beside the test binary: swift build first")
            try withMigrationSetting(false) {
                try withTemporaryDirectory { directory in
                    var running: [pid_t] = []
                    defer {
                        for pid in running {
                            kill(pid, SIGKILL)
                            _ = waitForExit(pid, within: .seconds(5))
                        }
                    }
                    let first = try #require(
                        spawnServe(
                            demo,
                            ["127.0.0.1:0", "--reuse-port"],
                            log: directory + "/1",
                            runtimeDirectory: directory
                        )
                    )
                    running.append(first)
                    try #require(
                        waitUntil(within: .seconds(10)) { readText(directory + "/1")?.contains("offering") == true }
                    )
                    let portText = try #require(
                        readText(directory + "/1")?.split(separator: "\n").first?.split(separator: ":").last
                    )
                    let second = try #require(
                        spawnServe(
                            demo,
                            ["127.0.0.1:\(portText)", "--reuse-port"],
                            log: directory + "/2",
                            runtimeDirectory: directory
                        )
                    )
                    running.append(second)
                    // The second one finds the rendezvous taken: after its retries (1 s) it says it offers none.
                    try #require(
                        waitUntil(within: .seconds(10)) {
                            readText(directory + "/2")?.contains("not offering a take-over") == true
                        },
                        "\(readText(directory + "/2") ?? "")"
                    )
                    let new = try #require(
                        spawnServe(
                            demo,
                            ["127.0.0.1:\(portText)", "--reuse-port", "--take-over=steer"],
                            log: directory + "/new",
                            runtimeDirectory: directory
                        )
                    )
                    let status = waitForExit(new, within: .seconds(10))
                    if status == nil { running.append(new) }
                    #expect(status == 1, "\(readText(directory + "/new") ?? "")")
                    #expect(
                        readText(directory + "/new")?.contains("steering assumes one serve on port \(portText)")
                            == true,
                        "\(readText(directory + "/new") ?? "")"
                    )
                    // Nothing changed: both old serves still run and answer, then stop by SIGTERM with 0.
                    let address = SocketAddress.ipv4Loopback(port: try #require(UInt16(portText)))
                    for _ in 0..<20 {
                        let connection = try Connection(connectingTo: address, timeout: .seconds(5))
                        let line = try connection.receive(upTo: 128, timeout: .seconds(5)) ?? []
                        #expect(String(decoding: line, as: UTF8.self).hasPrefix("hello from sockopt-demo, process "))
                    }
                    running = [first, second].filter { pid in
                        kill(pid, SIGTERM)
                        let stopped = waitForExit(pid, within: .seconds(10))
                        #expect(stopped == 0)
                        return stopped == nil  // still running: killed on the way out
                    }
                }
            }
        }

        @Test(
            "A new serve that goes away after it steered (killed, or stopped by a signal) leaves the old one serving: it stops its drain, stays, answers, and stops by SIGTERM with 0"
        )
        func oldServeServesOnWhenItsSuccessorGoesAwayMidDrain() throws {
            let demo = try #require(demoBinaryPath(), "sockopt-demo is not beside the test binary: swift build first")
            try withMigrationSetting(false) {
                try withTemporaryDirectory { directory in
                    var running: pid_t? = nil
                    defer {
                        if let pid = running {
                            kill(pid, SIGKILL)
                            _ = waitForExit(pid, within: .seconds(5))
                        }
                    }
                    let old = try #require(
                        spawnServe(
                            demo,
                            ["127.0.0.1:0", "--reuse-port"],
                            log: directory + "/old",
                            runtimeDirectory: directory
                        )
                    )
                    running = old
                    try #require(
                        waitUntil(within: .seconds(10)) { readText(directory + "/old")?.contains("offering") == true }
                    )
                    let portText = try #require(
                        readText(directory + "/old")?.split(separator: "\n").first?.split(separator: ":").last
                    )
                    let address = SocketAddress.ipv4Loopback(port: try #require(UInt16(portText)))
                    // A new serve, by hand: it asks to steer, joins the group as index 1, steers the
                    // group to itself, says so, and then dies (its listener and control connection close).
                    do {
                        let control = try Connection(
                            connectingTo: try .unix(
                                path: directory + "/sockopt-demo-serve-127.0.0.1_3a\(portText).sock"
                            ),
                            timeout: .seconds(5)
                        )
                        try control.send("sockopt-demo take-over 1 steer\n", timeout: .seconds(5))
                        var answer: [UInt8] = []
                        while !answer.contains(UInt8(ascii: "\n")) {
                            let bytes = try #require(try control.receive(upTo: 64, timeout: .seconds(5)))
                            try #require(!bytes.isEmpty, "the old serve closed the control connection")
                            answer += bytes
                        }
                        #expect(answer == Array("steer\n".utf8))
                        let joined = try ListeningSocket(address: address, options: [.reusePort(true)])
                        try joined.steerReusePortGroup(toIndex: 1)
                        try control.send("steered 1\n", timeout: .seconds(5))
                        try joined.close()
                        try control.close()
                    }
                    // Past the drain's quiet period (50 ms): a drain that closed would have closed by now.
                    usleep(500_000)
                    #expect(waitForExit(old, within: .zero) == nil, "\(readText(directory + "/old") ?? "")")
                    for _ in 0..<20 {
                        let connection = try Connection(connectingTo: address, timeout: .seconds(5))
                        let line = try connection.receive(upTo: 128, timeout: .seconds(5)) ?? []
                        #expect(String(decoding: line, as: UTF8.self) == "hello from sockopt-demo, process \(old)\n")
                    }
                    let log = readText(directory + "/old") ?? ""
                    #expect(log.contains("went away during the drain"), "\(log)")
                    #expect(!log.contains("taken over by"), "\(log)")
                    kill(old, SIGTERM)
                    let status = waitForExit(old, within: .seconds(10))
                    if status != nil { running = nil }
                    #expect(status == 0, "\(readText(directory + "/old") ?? "")")
                }
            }
        }

        @Test(
            "A new serve refuses a listener handed over on another address than the one it takes over: exit 1, not served"
        )
        func takeOverRefusesAListenerOnAnotherAddress() throws {
            let demo = try #require(demoBinaryPath(), "sockopt-demo is not beside the test binary: swift build first")
            try withTemporaryDirectory { directory in
                let asked = try listenerOnCleanPort()
                let askedPort = asked.localAddress.port
                try asked.close()
                // An impostor of the old serve (same user) at the rendezvous of 127.0.0.1:askedPort,
                // offering a listener on another port.
                let rendezvous = try ListeningSocket(
                    address: try .unix(path: directory + "/sockopt-demo-serve-127.0.0.1_3a\(askedPort).sock")
                )
                let other = try ListeningSocket(address: .ipv4Loopback(port: 0))
                let new = try #require(
                    spawnServe(
                        demo,
                        ["127.0.0.1:\(askedPort)", "--reuse-port", "--take-over"],
                        log: directory + "/new",
                        runtimeDirectory: directory
                    )
                )
                var running: pid_t? = new
                defer {
                    if let pid = running {
                        kill(pid, SIGKILL)
                        _ = waitForExit(pid, within: .seconds(5))
                    }
                }
                guard let control = try rendezvous.accept(timeout: .seconds(10)) else {
                    Issue.record("the new serve did not connect to the rendezvous within 10 s")
                    return
                }
                #expect(try readControlLine(control) == "sockopt-demo take-over 1 descriptors")
                try control.send("descriptors\n", timeout: .seconds(5))
                #expect(try readControlLine(control) == "ready")
                // The receiver checks the descriptor as adoption does (a listener: yes) and acknowledges.
                try DescriptorHandover.send([.init("serve", other)], over: control, timeout: .seconds(5))
                let status = waitForExit(new, within: .seconds(10))
                if status != nil { running = nil }
                let log = readText(directory + "/new") ?? ""
                #expect(status == 1, "\(log)")
                #expect(
                    log.contains("handed over a listener on \(other.localAddress), not on 127.0.0.1:\(askedPort)"),
                    "\(log)"
                )
                // Ours still listens: the new serve closed its copy plainly, without shutdown.
                let probe = try Connection(connectingTo: other.localAddress, timeout: .seconds(5))
                var accepted = false
                if let connection = try other.accept(timeout: .seconds(5)) {
                    accepted = true
                    try connection.close()
                }
                #expect(accepted)
                try probe.close()
            }
        }

        @Test(
            "A rendezvous directory another user could write or swap is refused: a symlink (with a trailing slash too), a name ending in ., mode 0777, another owner, a parent open to others; the old serve serves on, the new one exits 1, nothing is made there"
        )
        func unsafeRendezvousDirectoryRefused() throws {
            let demo = try #require(demoBinaryPath(), "sockopt-demo is not beside the test binary: swift build first")
            try withTemporaryDirectory { directory in
                let target = directory + "/target"
                let link = directory + "/link"
                let open = directory + "/open"
                let foreign = directory + "/foreign"
                // A private directory of ours whose parent anyone can write (not sticky): someone else
                // could rename it away and put their own in its place after the check.
                let swappable = open + "/inner"
                for made in [target, open, foreign, swappable] { #expect(mkdir(made, 0o700) == 0) }
                defer {
                    unlink(link)
                    for made in [target, swappable, open, foreign] { rmdir(made) }
                }
                #expect(symlink(target, link) == 0)
                #expect(chmod(open, 0o777) == 0)
                #expect(chown(foreign, 65534, 65534) == 0)
                let cases = [
                    (link, "is not a directory (a symlink or a file)"),
                    // A trailing slash would make lstat follow the link: it is stripped first.
                    (link + "/", "is not a directory (a symlink or a file)"),
                    (target + "/.", "ends in . or ..: name the directory itself"),
                    (open, "has mode 777, open to others"),
                    (foreign, "belongs to uid 65534, not to you"),
                    (swappable, "\(open), above \(swappable), has mode 777: others could rename what is below it"),
                ]
                for (runtime, problem) in cases {
                    let old = try #require(
                        spawnServe(
                            demo,
                            ["127.0.0.1:0", "--reuse-port"],
                            log: directory + "/old",
                            runtimeDirectory: runtime
                        )
                    )
                    var oldStatus: CInt? = nil
                    defer {
                        if oldStatus == nil {
                            kill(old, SIGKILL)
                            _ = waitForExit(old, within: .seconds(5))
                        }
                    }
                    try #require(
                        waitUntil(within: .seconds(10)) {
                            readText(directory + "/old")?.contains("not offering") == true
                        },
                        "\(runtime): \(readText(directory + "/old") ?? "")"
                    )
                    let oldLog = readText(directory + "/old") ?? ""
                    #expect(oldLog.contains(problem), "\(runtime): \(oldLog)")
                    let portText = try #require(oldLog.split(separator: "\n").first?.split(separator: ":").last)
                    // It serves all the same.
                    let connection = try Connection(
                        connectingTo: .ipv4Loopback(port: try #require(UInt16(portText))),
                        timeout: .seconds(5)
                    )
                    let line = try connection.receive(upTo: 128, timeout: .seconds(5)) ?? []
                    #expect(String(decoding: line, as: UTF8.self) == "hello from sockopt-demo, process \(old)\n")
                    let new = try #require(
                        spawnServe(
                            demo,
                            ["127.0.0.1:\(portText)", "--reuse-port", "--take-over"],
                            log: directory + "/new",
                            runtimeDirectory: runtime
                        )
                    )
                    let newStatus = waitForExit(new, within: .seconds(10))
                    if newStatus == nil {
                        kill(new, SIGKILL)
                        _ = waitForExit(new, within: .seconds(5))
                    }
                    #expect(newStatus == 1, "\(runtime): \(readText(directory + "/new") ?? "")")
                    #expect(
                        readText(directory + "/new")?.contains(problem) == true,
                        "\(readText(directory + "/new") ?? "")"
                    )
                    // Nothing was made in the refused directory, nor through the symlink.
                    for refused in [target, foreign, swappable] {
                        #expect(directoryEntries(refused).isEmpty, "\(refused): \(directoryEntries(refused))")
                    }
                    #expect(directoryEntries(open) == ["inner"], "\(open): \(directoryEntries(open))")
                    kill(old, SIGTERM)
                    oldStatus = waitForExit(old, within: .seconds(10))
                    #expect(oldStatus == 0)
                }
            }
        }

        @Test("--take-over with nothing to take over exits 1 and says so; a bad --take-over is a usage error (2)")
        func takeOverWithNothingThere() throws {
            let demo = try #require(demoBinaryPath(), "sockopt-demo is not beside the test binary: swift build first")
            try withTemporaryDirectory { directory in
                let cases: [([String], CInt, String)] = [
                    (["127.0.0.1:9", "--reuse-port", "--take-over"], 1, "nothing to take over on 127.0.0.1:9"),
                    (["127.0.0.1:9", "--take-over"], 2, "--take-over needs the ADDRESS"),
                    (["--reuse-port", "--take-over"], 2, "--take-over needs the ADDRESS"),
                    (["127.0.0.1:0", "--reuse-port", "--take-over"], 2, "not 127.0.0.1:0"),
                    (["127.0.0.1:9", "--reuse-port", "--take-over=sideways"], 2, "give descriptors or steer"),
                ]
                for (arguments, expected, message) in cases {
                    let log = directory + "/out"
                    let pid = try #require(spawnServe(demo, arguments, log: log, runtimeDirectory: directory))
                    let status = waitForExit(pid, within: .seconds(10))
                    #expect(status == expected, "\(arguments): \(readText(log) ?? "")")
                    #expect(readText(log)?.contains(message) == true, "\(arguments): \(readText(log) ?? "")")
                }
            }
        }
    }
}

/// The two ways of `--take-over`, and the restart without one that the control test makes.
enum TakeOverWay: String, CustomStringConvertible, Sendable {
    case descriptors
    case steer
    /// A new plain `serve --reuse-port` joins the group, then the old one is stopped by SIGTERM.
    case plainRestart

    var flag: String {
        switch self {
        case .descriptors: "--take-over"
        case .steer: "--take-over=steer"
        case .plainRestart: "no --take-over"
        }
    }
    var oldSays: String {
        self == .descriptors ? "descriptor hand-over in" : "it steered new connections to its index 1;"
    }
    var description: String { flag }
}

/// What one take-over under load gave.
struct TakeOverRun: CustomStringConvertible {
    var load = LoadOutcome()
    var oldPID: pid_t = 0
    var newPID: pid_t = 0
    var oldStatus: CInt = -1
    var newStatus: CInt = -1
    var servedByOld = 0
    var servedByNew = 0
    var servedByNewAfterOldExit = 0
    var servedByOther = 0
    var firstFailures: [String] = []
    var oldLog = ""
    var newLog = ""

    /// What the new serve said the switch took, from its connect to the rendezvous to the old one's end.
    var switchTime: String {
        guard let range = newLog.range(of: "the switch took ") else { return "?" }
        return String(newLog[range.upperBound...].prefix { $0 != "\n" })
    }

    var summary: String {
        "\(load.attempted) connections, \(load.lost) lost, old served \(servedByOld), new \(servedByNew), longest wait "
            + "\(load.longestWait), switch \(switchTime)"
    }
    var description: String {
        "\(load); old \(oldPID) served \(servedByOld) (exit \(oldStatus)), new \(newPID) served \(servedByNew) "
            + "(\(servedByNewAfterOldExit) after the old one exited; exit \(newStatus)), other \(servedByOther); "
            + "failures \(firstFailures)"
    }
}

/// sockopt-demo in the directory of this test binary, where SwiftPM builds every product of the package.
func demoBinaryPath() -> String? {
    guard let test = testBinaryPath(), let slash = test.lastIndex(of: "/") else { return nil }
    let path = String(test[..<slash]) + "/sockopt-demo"
    return access(path, X_OK) == 0 ? path : nil
}

/// Starts `demo serve ARGUMENTS` with its output to `log` and XDG_RUNTIME_DIR set to
/// `runtimeDirectory` (a private one: the take-over rendezvous goes there, not in the user's).
func spawnServe(_ demo: String, _ arguments: [String], log: String, runtimeDirectory: String) -> pid_t? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv: [UnsafeMutablePointer<CChar>?] = ([demo, "serve"] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var environment: [UnsafeMutablePointer<CChar>?] = []
    var index = 0
    while let entry = environ[index] {
        if !String(cString: entry).hasPrefix("XDG_RUNTIME_DIR=") { environment.append(strdup(entry)) }
        index += 1
    }
    environment.append(strdup("XDG_RUNTIME_DIR=" + runtimeDirectory))
    environment.append(nil)
    defer { for entry in environment { free(entry) } }
    // The stop signals at their default and none blocked, whatever the spawning thread had: serve
    // must be stoppable by SIGTERM, as from a shell.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var stops = sigset_t()
    sigemptyset(&stops)
    for stop in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&stops, stop) }
    posix_spawnattr_setsigdefault(&attributes, &stops)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    return posix_spawn(&pid, demo, &actions, &attributes, argv, environment) == 0 ? pid : nil
}

/// Waits at most `bound` for `pid` to exit: its exit status, 128 + the signal that killed it, or
/// nil when it still runs.
func waitForExit(_ pid: pid_t, within bound: Duration) -> CInt? {
    let deadline = ContinuousClock.now + bound
    var status: CInt = 0
    while true {
        let waited = waitpid(pid, &status, WNOHANG)
        if waited == pid { return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + status & 0x7F }
        if waited < 0 || ContinuousClock.now > deadline { return nil }
        usleep(2_000)
    }
}

/// The names in `path`, without `.` and `..`.
func directoryEntries(_ path: String) -> [String] {
    guard let listing = opendir(path) else { return [] }
    defer { closedir(listing) }
    var names: [String] = []
    while let entry = readdir(listing) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// Waits at most `bound` for `condition`.
private func waitUntil(within bound: Duration, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + bound
    while !condition() {
        if ContinuousClock.now > deadline { return false }
        usleep(2_000)
    }
    return true
}

/// The state the client threads of one run share.
private final class TakeOverLoad: Sendable {
    let attempted = Atomic<Int>(0)
    let tally = ClientTally()
    let stop = Atomic<Bool>(false)
    /// Set once each serve's pid is known: connections answered by each.
    let oldPID = Atomic<Int32>(0)
    let newPID = Atomic<Int32>(0)
    let byOld = Atomic<Int>(0)
    let byNew = Atomic<Int>(0)
    let byOther = Atomic<Int>(0)
}

/// One client thread: connects, reads the served line to its end, and counts who answered, until
/// told to stop.
private func runClient(_ load: TakeOverLoad, to address: SocketAddress) {
    let clock = ContinuousClock()
    while !load.stop.load(ordering: .acquiring) {
        load.attempted.add(1, ordering: .relaxed)
        let started = clock.now
        var line: [UInt8] = []
        do throws(SocketError) {
            let connection = try Connection(connectingTo: address, timeout: .seconds(5))
            while !line.contains(UInt8(ascii: "\n")) {
                guard let chunk = try connection.receive(upTo: 128, timeout: .seconds(5)) else {
                    throw SocketError.system(.receive, .wouldBlock)
                }
                if chunk.isEmpty { break }
                line += chunk
            }
            try? connection.close()
        } catch {
            load.tally.count(error)
            continue
        }
        let text = String(decoding: line, as: UTF8.self)
        let prefix = "hello from sockopt-demo, process "
        guard text.hasPrefix(prefix), text.hasSuffix("\n"), let pid = Int32(text.dropFirst(prefix.count).dropLast())
        else {
            // The server closed without its whole line: what a reset looks like to this client.
            load.tally.fail(load.tally.reset, "read \(text.debugDescription)")
            continue
        }
        load.tally.served.add(1, ordering: .relaxed)
        if pid == load.oldPID.load(ordering: .acquiring) {
            load.byOld.add(1, ordering: .relaxed)
        } else if pid == load.newPID.load(ordering: .acquiring) {
            load.byNew.add(1, ordering: .relaxed)
        } else {
            load.byOther.add(1, ordering: .relaxed)
        }
        load.tally.note(wait: started.duration(to: clock.now))
    }
}

/// One run: an old `serve --reuse-port` answers 8 client threads; after 500 connections a new serve
/// takes over `way`; the load goes on until the old one has exited, at least 2,000 connections were
/// made and the new one has answered 500 more; then the new one is stopped by its pid (SIGTERM).
/// Both processes are killed on any early exit.
private func runTakeOverUnderLoad(demo: String, way: TakeOverWay, in directory: String) throws -> TakeOverRun {
    var run = TakeOverRun()
    let oldLog = directory + "/old.log"
    let newLog = directory + "/new.log"
    let load = TakeOverLoad()
    var clients: [pthread_t] = []
    defer {
        load.stop.store(true, ordering: .releasing)
        for client in clients { pthread_join(client, nil) }
        // Only a process not reaped yet (status -1): a reaped pid may already name another process.
        for (pid, status) in [(run.oldPID, run.oldStatus), (run.newPID, run.newStatus)] where pid > 0 && status == -1 {
            kill(pid, SIGKILL)
            _ = waitForExit(pid, within: .seconds(5))
        }
    }
    run.oldPID = try #require(
        spawnServe(demo, ["127.0.0.1:0", "--reuse-port"], log: oldLog, runtimeDirectory: directory)
    )
    load.oldPID.store(run.oldPID, ordering: .releasing)
    try #require(
        waitUntil(within: .seconds(10)) { readText(oldLog)?.contains("offering take-over at") == true },
        "the old serve did not offer a take-over: \(readText(oldLog) ?? "")"
    )
    let portText = try #require(readText(oldLog)?.split(separator: "\n").first?.split(separator: ":").last)
    let address = SocketAddress.ipv4Loopback(port: try #require(UInt16(portText)))

    for _ in 0..<8 { clients.append(try startThread { runClient(load, to: address) }) }
    try #require(waitUntil(within: .seconds(10)) { load.tally.served.load(ordering: .relaxed) >= 500 })

    run.newPID = try #require(
        spawnServe(
            demo,
            ["127.0.0.1:\(address.port)", "--reuse-port"] + (way == .plainRestart ? [] : [way.flag]),
            log: newLog,
            runtimeDirectory: directory
        )
    )
    load.newPID.store(run.newPID, ordering: .releasing)
    if way == .plainRestart {
        try #require(waitUntil(within: .seconds(10)) { readText(newLog)?.contains("listening on") == true })
        kill(run.oldPID, SIGTERM)
    }
    run.oldStatus = waitForExit(run.oldPID, within: .seconds(20)) ?? -1
    let byNewAtOldExit = load.byNew.load(ordering: .acquiring)
    _ = waitUntil(within: .seconds(20)) {
        load.attempted.load(ordering: .relaxed) >= 2000 && load.byNew.load(ordering: .relaxed) >= byNewAtOldExit + 500
    }
    load.stop.store(true, ordering: .releasing)
    for client in clients { pthread_join(client, nil) }
    clients = []

    if run.oldStatus == -1 {
        kill(run.oldPID, SIGKILL)
        run.oldStatus = waitForExit(run.oldPID, within: .seconds(5)) ?? -1
    }
    kill(run.newPID, SIGTERM)
    run.newStatus = waitForExit(run.newPID, within: .seconds(10)) ?? -1
    run.servedByNewAfterOldExit = load.byNew.load(ordering: .relaxed) - byNewAtOldExit
    run.servedByOld = load.byOld.load(ordering: .relaxed)
    run.servedByNew = load.byNew.load(ordering: .relaxed)
    run.servedByOther = load.byOther.load(ordering: .relaxed)
    run.load = load.tally.outcome(attempted: load.attempted.load(ordering: .relaxed))
    run.firstFailures = load.tally.firstFailures
    run.oldLog = readText(oldLog) ?? ""
    run.newLog = readText(newLog) ?? ""
    return run
}

/// One line of the take-over conversation, without its newline (at most 200 bytes, 5 s).
private func readControlLine(_ connection: borrowing Connection) throws -> String {
    var bytes: [UInt8] = []
    while bytes.count < 200 {
        let chunk = try #require(try connection.receive(upTo: 1, timeout: .seconds(5)), "no line within 5 s")
        let byte = try #require(chunk.first, "the peer closed the connection")
        if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
        bytes.append(byte)
    }
    throw SocketError.invalidArgument("a line longer than 200 bytes")
}
