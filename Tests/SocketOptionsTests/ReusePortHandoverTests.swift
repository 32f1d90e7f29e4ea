// SocketOptions tests: retiring a member of a SO_REUSEPORT group under load. Every run is in a private
// network namespace whose net.ipv4.tcp_migrate_req the test sets, so that the result does not depend
// on (and does not change) the host's setting.

import Glibc
import PlainThreads
import Synchronization
import Testing

@testable import SocketOptions

/// How the old listener leaves the group in a run.
enum Retirement {
    /// ReusePortHandover.steerAndDrain to the new listener.
    case steerAndDrain
    /// close(), as a server that simply exits does.
    case plainClose
}

/// The state the threads of one run share.
private final class LoadRun: Sendable {
    let handedOut = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
    let tally = ClientTally()
    let stopOld = Atomic<Bool>(false)
    let stopNew = Atomic<Bool>(false)
    let newDescriptor = Atomic<Int32>(-1)
    let report = Locked<ReusePortHandover.Report?>(nil)
}

/// A client's connection made and not yet read (an array cannot hold a noncopyable value).
final class PendingConnection {
    var connection: Connection?
    init(_ connection: consuming Connection) { self.connection = .some(connection) }
}

/// A listener on its way to the thread that serves it.
private final class ListenerHandoff: Sendable {
    private let slot: Locked<ListeningSocket?>
    init(_ listener: consuming ListeningSocket) { slot = Locked(listener) }
    func take() -> ListeningSocket? { slot.withLock { $0.take() } }
}

/// Sends the one byte a client waits for, then closes.
private func serveOneByte(_ connection: consuming Connection) {
    _ = try? connection.send([0x21], timeout: .seconds(2))
    _ = try? connection.close()
}

/// Accepts and serves on `listener` until `stop` is set.
private func serve(_ listener: borrowing ListeningSocket, until stop: borrowing Atomic<Bool>) {
    while !stop.load(ordering: .acquiring) {
        do {
            if let connection = try listener.accept(timeout: .milliseconds(5)) { serveOneByte(connection) }
        } catch {
            continue
        }
    }
}

/// One run: `clients` threads make `connections` connections to a SO_REUSEPORT port, `inFlight` at a
/// time each, and wait on each for one byte. The old listener serves alone until a third of them are done; then a new listener joins the
/// group, the old one stops accepting, and after `gap` (a server finishing what it was doing) it
/// retires as `retire` says.
func runHandoverUnderLoad(
    retire: Retirement,
    connections: Int = 2000,
    clients: Int = 8,
    inFlight: Int = 8,
    gap: Duration = .milliseconds(20)
) throws -> LoadOutcome {
    let run = LoadRun()
    let old = try ListeningSocket(address: .ipv4Loopback(port: 0), options: [.reusePort(true)], backlog: 1024)
    let address = old.localAddress
    let oldHandoff = ListenerHandoff(old)
    var group = ReusePortGroup<String>()
    try group.join("old")
    try group.join("new")
    let newIndex = try #require(group.index(of: "new"))
    let gapMicroseconds = UInt32(
        clamping: gap.components.seconds * 1_000_000 + gap.components.attoseconds / 1_000_000_000_000
    )

    let oldServer = try startThread {
        guard let listener = oldHandoff.take() else { return }
        serve(listener, until: run.stopOld)
        usleep(gapMicroseconds)
        switch retire {
        case .plainClose:
            _ = try? listener.close()
        case .steerAndDrain:
            let survivor = BorrowedSocket(borrowing: run.newDescriptor.load(ordering: .acquiring))
            let report = ReusePortHandover.steerAndDrain(leaving: listener, to: survivor, index: newIndex) {
                serveOneByte($0)
            }
            run.report.withLock { $0 = report }
        }
    }
    var clientThreads: [pthread_t] = []
    for _ in 0..<clients {
        clientThreads.append(
            try startThread {
                let clock = ContinuousClock()
                while true {
                    // Up to `inFlight` connections made before the first is read, as a client with
                    // several requests under way: they wait in the queues together.
                    let first = run.handedOut.add(inFlight, ordering: .relaxed).newValue - inFlight + 1
                    let count = min(inFlight, connections - first + 1)
                    if count <= 0 { break }
                    let start = clock.now
                    var batch: [PendingConnection] = []
                    for _ in 0..<count {
                        do throws(SocketError) {
                            batch.append(PendingConnection(try Connection(connectingTo: address, timeout: .seconds(5))))
                        } catch {
                            run.tally.count(error)
                        }
                    }
                    for pending in batch {
                        guard let connection = pending.connection.take() else { continue }
                        do throws(SocketError) {
                            run.tally.count(received: try connection.receive(upTo: 1, timeout: .seconds(5)))
                        } catch {
                            run.tally.count(error)
                        }
                        _ = try? connection.close()
                    }
                    run.tally.note(wait: start.duration(to: clock.now))
                    run.finished.add(count, ordering: .relaxed)
                }
            }
        )
    }
    // A third of the load on the old listener alone, then the switch.
    let deadline = ContinuousClock.now + .seconds(30)
    while run.finished.load(ordering: .relaxed) < connections / 3 && ContinuousClock.now < deadline { usleep(500) }
    let new = try ListeningSocket(address: address, options: [.reusePort(true)], backlog: 1024)
    run.newDescriptor.store(new.rawDescriptor, ordering: .releasing)
    let newHandoff = ListenerHandoff(new)
    let newServer = try startThread {
        guard let listener = newHandoff.take() else { return }
        serve(listener, until: run.stopNew)
    }
    run.stopOld.store(true, ordering: .releasing)
    for thread in clientThreads { pthread_join(thread, nil) }
    pthread_join(oldServer, nil)
    run.stopNew.store(true, ordering: .releasing)
    pthread_join(newServer, nil)
    return run.tally.outcome(attempted: connections, report: run.report.withLock { $0 })
}

/// In a private network namespace with lo up and net.ipv4.tcp_migrate_req set to `migrate` (when this
/// kernel has it), runs `body`.
func withMigrationSetting<Result>(_ migrate: Bool, _ body: @escaping () throws -> Result) throws -> Result {
    try inPrivateNetworkNamespace {
        try runToEnd(["/usr/sbin/ip", "link", "set", "lo", "up"])
        if ReusePortHandover.kernelMigration() != .unavailable {
            try runToEnd(["/usr/sbin/sysctl", "-qw", "net.ipv4.tcp_migrate_req=\(migrate ? 1 : 0)"])
        }
        return try body()
    }
}

extension KernelTests {
    @Suite struct ReusePortHandoverTests {
        @Test(
            "Steer-and-drain retires a member under load of 8 clients with 0 of 2,000 connections lost, 20 times, with tcp_migrate_req 0"
        )
        func steerAndDrainLosesNothing() throws {
            let (migration, outcomes) = try withMigrationSetting(false) {
                (
                    ReusePortHandover.kernelMigration(),
                    try (0..<20).map { _ in try runHandoverUnderLoad(retire: .steerAndDrain) }
                )
            }
            #expect(migration != .on)
            for (run, outcome) in outcomes.enumerated() {
                #expect(outcome.lost == 0, "run \(run): \(outcome)")
                #expect(outcome.report?.strategy == .steered(toIndex: 1), "run \(run): \(outcome)")
                #expect(outcome.report?.kernelMigration == migration)
                #expect(outcome.report?.drain.quiet == true, "run \(run): \(outcome)")
                #expect(outcome.report?.detachError == nil)
            }
            // The old listener had connections waiting when it stopped accepting: the ones a plain close
            // would have reset (ReusePortHandoverTests.plainCloseLosesConnections).
            let drained = outcomes.map { $0.report?.drain.accepted ?? 0 }
            #expect(drained.reduce(0, +) > 0, "drained \(drained)")
            print(
                "steer-and-drain, 20 runs: drained \(drained); switch \(outcomes.map { $0.report?.drain.duration ?? .zero }); "
                    + "longest waits \(outcomes.map(\.longestWait))"
            )
        }

        @Test(
            "Steer-and-drain loses nothing either when it starts the moment the old listener stops accepting, 20 times"
        )
        func steerAndDrainWithoutPauseLosesNothing() throws {
            // With no pause, connections keep arriving at full rate while the program is attached:
            // handshakes that began before the steering complete into the old listener's queue after it.
            let outcomes = try withMigrationSetting(false) {
                try (0..<20).map { _ in try runHandoverUnderLoad(retire: .steerAndDrain, gap: .zero) }
            }
            for (run, outcome) in outcomes.enumerated() {
                #expect(outcome.lost == 0, "run \(run): \(outcome)")
                #expect(outcome.report?.strategy == .steered(toIndex: 1), "run \(run): \(outcome)")
            }
            print("steer-and-drain with no pause, 20 runs: drained \(outcomes.map { $0.report?.drain.accepted ?? 0 })")
        }

        @Test(
            "The control: a plain close of a member under the same load, with tcp_migrate_req 0, resets some connections"
        )
        func plainCloseLosesConnections() throws {
            let (migration, outcome) = try withMigrationSetting(false) {
                (ReusePortHandover.kernelMigration(), try runHandoverUnderLoad(retire: .plainClose))
            }
            #expect(migration != .on)
            #expect(outcome.lost > 0, "\(outcome)")
            #expect(outcome.reset == outcome.lost, "the losses are resets, not refusals or timeouts: \(outcome)")
            print("plain close, tcp_migrate_req 0: \(outcome)")
        }

        @Test("With tcp_migrate_req 1 the kernel moves a closing member's queue: a plain close loses nothing")
        func plainCloseWithKernelMigrationLosesNothing() throws {
            let (migration, outcome) = try withMigrationSetting(true) {
                (ReusePortHandover.kernelMigration(), try runHandoverUnderLoad(retire: .plainClose))
            }
            // A kernel older than 5.14 has no tcp_migrate_req, and never migrates: nothing to check here.
            guard migration != .unavailable else { return }
            #expect(migration == .on)
            #expect(outcome.lost == 0, "\(outcome)")
            print("plain close, tcp_migrate_req 1: \(outcome)")
        }

        @Test(
            "When steering is refused, the listener is still drained and closed, and the report says plain close and why"
        )
        func refusedSteeringFallsBackToDrainAndClose() throws {
            let leaving = try ListeningSocket(address: anyLoopbackPort, options: [.reusePort(true)])
            let address = leaving.localAddress
            let stranger = try ListeningSocket(address: anyLoopbackPort)  // in no group: EINVAL
            let waiting = try Connection(connectingTo: address, timeout: .seconds(2))
            var served = 0
            let report = ReusePortHandover.steerAndDrain(
                leaving: leaving,
                to: stranger,
                index: 0,
                quietPeriod: .milliseconds(20)
            ) { connection in
                served += 1
                serveOneByte(connection)
            }
            #expect(report.strategy == (report.kernelMigration == .on ? .kernelMigration : .plainClose))
            #expect(report.steeringError?.errno == .invalidArgument)
            #expect(report.drain.accepted == 1 && served == 1)
            #expect(try waiting.receive(upTo: 1, timeout: .seconds(2)) == [0x21])
            #expect(throws: SocketError.self) { _ = try Connection(connectingTo: address, timeout: .seconds(1)) }
            #expect(report.description.contains("could not steer: EINVAL"))
        }

        @Test(
            "On a kernel without SO_ATTACH_REUSEPORT_CBPF (ENOPROTOOPT, made by the recorder) the hand-over drains, closes and says why"
        )
        func kernelWithoutSteeringFallsBack() throws {
            let leaving = try ListeningSocket(address: anyLoopbackPort, options: [.reusePort(true)])
            let survivor = try ListeningSocket(address: leaving.localAddress, options: [.reusePort(true)])
            var slot: ListeningSocket? = .some(leaving)
            let (report, calls) = recording(.failing(.setsockopt, with: .protocolNotAvailable)) {
                ReusePortHandover.steerAndDrain(
                    leaving: slot.take()!,
                    to: survivor,
                    index: 1,
                    quietPeriod: .milliseconds(5)
                ) {
                    serveOneByte($0)
                }
            }
            #expect(report.strategy == (report.kernelMigration == .on ? .kernelMigration : .plainClose))
            #expect(report.kernelMigration == ReusePortHandover.kernelMigration())
            #expect(report.steeringError?.errno == .protocolNotAvailable)
            #expect(report.steeringError?.description.contains("Linux 4.5") == true)
            // No detach after a failed attach: the one setsockopt is the attach.
            #expect(calls.filter { $0.kind == .setsockopt }.count == 1)
            #expect(calls.last?.kind == .close)
        }

        @Test(
            "drainAndClose takes every queued connection, is bounded by its timeout and takes any Duration",
            arguments: [
                (Duration.seconds(Int64.max), Duration.milliseconds(50)), (.seconds(Int64.min), .seconds(Int64.min)),
                (.zero, .zero), (.milliseconds(20), .seconds(Int64.max)), (.zero, .seconds(5)),
            ]
        )
        func drainTakesTheQueueWithinItsBound(quiet: Duration, timeout: Duration) throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let clients = [
                PendingConnection(try Connection(connectingTo: listener.localAddress, timeout: .seconds(2))),
                PendingConnection(try Connection(connectingTo: listener.localAddress, timeout: .seconds(2))),
                PendingConnection(try Connection(connectingTo: listener.localAddress, timeout: .seconds(2))),
            ]
            // The three are queued when TCP_INFO counts them.
            let queuedBy = ContinuousClock.now + .seconds(2)
            while try listener.tcpInfo().unacknowledged < 3 && ContinuousClock.now < queuedBy { usleep(500) }
            let start = ContinuousClock.now
            let drain = ReusePortHandover.drainAndClose(listener, quietPeriod: quiet, timeout: timeout) {
                serveOneByte($0)
            }
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(drain.accepted == 3, "quiet \(quiet), timeout \(timeout): \(drain)")
            for client in clients {
                guard let connection = client.connection.take() else { continue }
                #expect(try connection.receive(upTo: 1, timeout: .seconds(2)) == [0x21])
            }
        }
    }
}
