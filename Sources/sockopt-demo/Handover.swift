// sockopt-demo handover: a server replaced in the middle of a paced load, once per way, with what
// the clients saw in each: the table of Documentation/ZeroDowntime.md.

#if os(Linux)
import Glibc
import SocketOptions
import Synchronization

/// The ways a server is replaced, and the baseline of one that is not.
enum Way: CaseIterable, Sendable {
    case baseline
    case stopThenStart
    case joinThenClose
    case joinThenCloseMigrating
    case steerAndDrain
    case descriptorHandover

    var title: String {
        switch self {
        case .baseline: "no restart (baseline)"
        case .stopThenStart: "stop, then start"
        case .joinThenClose: "join, then close (tcp_migrate_req 0)"
        case .joinThenCloseMigrating: "join, then close (tcp_migrate_req 1)"
        case .steerAndDrain: "steer and drain"
        case .descriptorHandover: "descriptor hand-over"
        }
    }

    /// The tcp_migrate_req the row sets in its private network namespace, if it sets one.
    var migration: Bool? {
        switch self {
        case .joinThenClose, .steerAndDrain: false
        case .joinThenCloseMigrating: true
        case .baseline, .stopThenStart, .descriptorHandover: nil
        }
    }

    /// Whether the row means nothing without its sysctl, so that it is skipped when no private
    /// network namespace can be made (the host's setting is never changed). The others run on the
    /// host's loopback then.
    var needsPrivateNetwork: Bool { self == .joinThenClose || self == .joinThenCloseMigrating }
}

/// The settings of one `handover` run.
struct HandoverSettings: Sendable {
    /// 128 clients: each has one connection under way, so that the load keeps its rate while the
    /// connections that reach an old instance in its 20 ms of finishing wait (5,000/s for 20 ms: 100
    /// when it is alone, as in stop then start). With fewer, a stalled server stalls the load with it,
    /// and a close can reset no more connections than there are clients.
    var plan = LoadPlan(connections: 5000, clients: 128, rate: 5000)
    /// How long an old instance that closes takes to finish its work after it stops accepting.
    var finish: Duration = .milliseconds(20)
    /// Stop then start: how long after the old instance closed the new one listens (a process start).
    static let restartGap: Duration = .milliseconds(20)
    /// The switch begins when this many connections have started: a third of the run.
    var switchAfter: Int { plan.connections / 3 }
}

/// One row of the table.
struct HandoverRow: Sendable {
    var way: Way
    var outcome: LoadOutcome?
    /// From the start of the switch to the old instance's close.
    var switchTime: Duration?
    /// Why the row did not run, or failed.
    var skipped: String?
    var failed = false
    /// Where it ran, and what the library reported.
    var notes: [String] = []
}

func runHandover(_ arguments: [String]) -> Int32 {
    let settings: HandoverSettings
    switch parseHandoverArguments(arguments) {
    case .success(let parsed): settings = parsed
    case .failure(let problem):
        printError("handover: \(problem.text)\n\n\(usage)")
        return 2
    }
    let plan = settings.plan
    say(
        "sockopt-demo handover: \(plan.connections) connections per way from \(plan.clients) clients on loopback, "
            + "paced at \(plan.rate)/s, each waiting for one byte; the server is replaced after \(settings.switchAfter)."
    )
    say(machineDescription())
    var rows: [HandoverRow] = []
    for way in Way.allCases {
        rows.append(measure(way, settings))
    }
    say("")
    say(handoverTable(rows))
    say("")
    for row in rows where !row.notes.isEmpty {
        say("\(row.way.title): " + row.notes.joined(separator: "; "))
    }
    say(
        "\nThe old instance of \"stop, then start\" and \"join, then close\" stops accepting and closes "
            + "\(milliseconds(settings.finish)) later (finishing its work); stop then start's new instance listens "
            + "\(milliseconds(HandoverSettings.restartGap)) after that (a process start). Steer and drain, and the "
            + "descriptor hand-over, keep accepting until the new instance has the connections. The descriptor "
            + "hand-over runs between two threads of this process over a Unix rendezvous socket. \"over baseline\" "
            + "is the longest wait less the baseline's; \"switch\" runs from the start of the switch to the old "
            + "instance's close."
    )
    return rows.contains(where: \.failed) ? 1 : 0
}

/// Runs one way: in a private network namespace of its own when one can be made (its sysctl set
/// there), else on the host's loopback, or skipped when the way needs the namespace.
private func measure(_ way: Way, _ settings: HandoverSettings) -> HandoverRow {
    let isolated = inPrivateNetwork { () -> HandoverRow in
        var row = HandoverRow(way: way)
        if let migration = way.migration, let errno = setKernelMigration(migration) {
            // No tcp_migrate_req (ENOENT: before Linux 5.14): the kernel never migrates, as 0 says, so
            // a row that wants 0 runs; one that wants 1 cannot.
            if migration || errno != ENOENT {
                row.skipped =
                    errno == ENOENT
                    ? "skipped: this kernel has no tcp_migrate_req (Linux 5.14+)"
                    : "skipped: cannot write tcp_migrate_req: \(String(cString: strerror(errno)))"
                return row
            }
        }
        row = run(way, settings)
        row.notes.insert("a private network namespace, \(ReusePortHandover.kernelMigration())", at: 0)
        return row
    }
    switch isolated {
    case .success(let row):
        return row
    case .failure(let problem):
        guard !way.needsPrivateNetwork else { return HandoverRow(way: way, skipped: "skipped: \(problem)") }
        var row = run(way, settings)
        row.notes.insert("the host's loopback, \(ReusePortHandover.kernelMigration()) (\(problem))", at: 0)
        return row
    }
}

/// The row of `way`, run on the calling thread's network.
private func run(_ way: Way, _ settings: HandoverSettings) -> HandoverRow {
    var row = HandoverRow(way: way)
    do throws(SocketError) {
        switch way {
        case .baseline: try runBaseline(settings, &row)
        case .stopThenStart: try runStopThenStart(settings, &row)
        case .joinThenClose, .joinThenCloseMigrating: try runJoinThenClose(settings, &row)
        case .steerAndDrain: try runSteerAndDrain(settings, &row)
        case .descriptorHandover: try runDescriptorHandover(settings, &row)
        }
    } catch {
        // Figures measured before the failure stay in the table; the failure is named under it.
        if row.outcome == nil { row.skipped = "failed: \(error)" } else { row.notes.append("failed: \(error)") }
        row.failed = true
    }
    if let outcome = row.outcome {
        row.notes.append(
            "\(outcome.attempted) connections at \(outcome.achievedRate)/s, started at most "
                + "\(milliseconds(outcome.longestLate)) behind schedule; 99 % waited at most "
                + milliseconds(outcome.percentile99Wait)
        )
        if way != .baseline {
            let began = outcome.longestWaitBegan
            row.notes.append(
                "the longest wait began \(milliseconds(began < .zero ? .zero - began : began)) "
                    + (began < .zero ? "before" : "after") + " the switch began"
            )
        }
        if let other = outcome.firstOther { row.notes.append("first other failure: \(other)") }
    }
    if row.outcome != nil && row.switchTime == nil && way != .baseline {
        row.notes.append("the switch did not complete")
        row.failed = true
    }
    return row
}

// MARK: The ways

/// A server instance: one thread serving one listener until it is told to leave, then retiring
/// the listener as its way says.
private final class Instance: Sendable {
    let leave = Atomic<Bool>(false)
    let closedAt = Mutex<ContinuousClock.Instant?>(nil)
    let thread = Mutex<pthread_t?>(nil)

    /// Starts the instance's thread, which runs `body`.
    init(_ body: @escaping @Sendable (Instance) -> Void) throws(SocketError) {
        let started = startThread { [self] in body(self) }
        guard let started else { throw .invalidArgument("no thread for a server instance: errno \(errno)") }
        thread.withLock { $0 = started }
    }

    /// Starts the instance's thread, which takes `listener` and runs `body`.
    convenience init(
        _ listener: consuming ListeningSocket,
        _ body: @escaping @Sendable (consuming ListeningSocket, Instance) -> Void
    ) throws(SocketError) {
        let slot = ListenerSlot(listener)
        try self.init { instance in
            guard let listener = slot.take() else { return }
            body(listener, instance)
        }
    }

    /// Tells the instance to leave and waits for its thread to end.
    func leaveAndWait() {
        leave.store(true, ordering: .releasing)
        if let thread = thread.withLock({ $0.take() }) { pthread_join(thread, nil) }
    }

    func markClosed() { closedAt.withLock { $0 = ContinuousClock.now } }

    /// From `start` to the instance's close, if it closed.
    func switchTime(from start: ContinuousClock.Instant) -> Duration? {
        closedAt.withLock { $0 }.map { start.duration(to: $0) }
    }
}

/// A listener on its way to the thread that serves it; closed with the slot if no thread took it.
private final class ListenerSlot: Sendable {
    private let slot: Mutex<ListeningSocket?>
    init(_ listener: consuming ListeningSocket) { slot = Mutex(.some(listener)) }
    func take() -> ListeningSocket? { slot.withLock { $0.take() } }
}

/// Sends the one byte a client waits for, then closes.
private func serveOneByte(_ connection: consuming Connection, _ byte: UInt8 = ServerByte.served) {
    _ = try? connection.send([byte], timeout: .seconds(1))
    _ = try? connection.close()
}

/// Accepts and serves on `listener` until `instance` is told to leave.
private func serve(_ listener: borrowing ListeningSocket, until instance: Instance) {
    while !instance.leave.load(ordering: .acquiring) {
        do {
            if let connection = try listener.accept(timeout: .milliseconds(1)) { serveOneByte(connection) }
        } catch {
            continue
        }
    }
}

/// Serves until told to leave, then closes at once: the new instance of every way, and the baseline.
private let serveThenClose: @Sendable (consuming ListeningSocket, Instance) -> Void = { listener, instance in
    serve(listener, until: instance)
    _ = try? listener.close()
    instance.markClosed()
}

/// Serves until told to leave, stops accepting, finishes its work for `finish`, then closes.
private func serveThenFinishAndClose(_ finish: Duration) -> @Sendable (consuming ListeningSocket, Instance) -> Void {
    { listener, instance in
        serve(listener, until: instance)
        sleep(for: finish)
        _ = try? listener.close()
        instance.markClosed()
    }
}

private func listener(on address: SocketAddress, reusePort: Bool) throws(SocketError) -> ListeningSocket {
    try ListeningSocket(address: address, options: reusePort ? [.reusePort(true)] : [], backlog: 1024)
}

private func runBaseline(_ settings: HandoverSettings, _ row: inout HandoverRow) throws(SocketError) {
    let first = try listener(on: .ipv4Loopback(port: 0), reusePort: false)
    let address = first.localAddress
    let server = try Instance(first, serveThenClose)
    row.outcome = runPacedLoad(to: address, settings.plan, switchAfter: 0) {}
    server.leaveAndWait()
}

private func runStopThenStart(_ settings: HandoverSettings, _ row: inout HandoverRow) throws(SocketError) {
    let first = try listener(on: .ipv4Loopback(port: 0), reusePort: false)
    let address = first.localAddress
    let old = try Instance(first, serveThenFinishAndClose(settings.finish))
    var new: Instance?
    var failure: SocketError?
    row.outcome = runPacedLoad(to: address, settings.plan, switchAfter: settings.switchAfter) {
        let start = ContinuousClock.now
        old.leaveAndWait()
        row.switchTime = old.switchTime(from: start)
        sleep(for: HandoverSettings.restartGap)
        do throws(SocketError) {
            new = try Instance(try listener(on: address, reusePort: false), serveThenClose)
        } catch {
            failure = error
        }
    }
    new?.leaveAndWait()
    if let failure { throw failure }
}

private func runJoinThenClose(_ settings: HandoverSettings, _ row: inout HandoverRow) throws(SocketError) {
    let first = try listener(on: .ipv4Loopback(port: 0), reusePort: true)
    let address = first.localAddress
    let old = try Instance(first, serveThenFinishAndClose(settings.finish))
    var new: Instance?
    var failure: SocketError?
    row.outcome = runPacedLoad(to: address, settings.plan, switchAfter: settings.switchAfter) {
        let start = ContinuousClock.now
        do throws(SocketError) {
            new = try Instance(try listener(on: address, reusePort: true), serveThenClose)
        } catch {
            failure = error
        }
        old.leaveAndWait()
        row.switchTime = old.switchTime(from: start)
    }
    old.leaveAndWait()
    new?.leaveAndWait()
    if let failure { throw failure }
}

private func runSteerAndDrain(_ settings: HandoverSettings, _ row: inout HandoverRow) throws(SocketError) {
    let first = try listener(on: .ipv4Loopback(port: 0), reusePort: true)
    let address = first.localAddress
    // The kernel numbers a group's members in the order they listen: the old one is 0, the new 1.
    var group = ReusePortGroup<String>()
    try group.join("old")
    let newIndex = try group.join("new")
    let survivor = Atomic<Int32>(-1)
    let report = Mutex<ReusePortHandover.Report?>(nil)
    let old = try Instance(first) { listener, instance in
        serve(listener, until: instance)
        let steered = ReusePortHandover.steerAndDrain(
            leaving: listener,
            to: BorrowedSocket(borrowing: survivor.load(ordering: .acquiring)),
            index: newIndex
        ) { serveOneByte($0, ServerByte.drained) }
        instance.markClosed()
        report.withLock { $0 = steered }
    }
    var new: Instance?
    var failure: SocketError?
    row.outcome = runPacedLoad(to: address, settings.plan, switchAfter: settings.switchAfter) {
        let start = ContinuousClock.now
        do throws(SocketError) {
            let joining = try listener(on: address, reusePort: true)
            survivor.store(joining.rawDescriptor, ordering: .releasing)
            new = try Instance(joining, serveThenClose)
        } catch {
            failure = error
            return
        }
        old.leaveAndWait()
        row.switchTime = old.switchTime(from: start)
    }
    old.leaveAndWait()
    new?.leaveAndWait()
    if let failure { throw failure }
    if let report = report.withLock({ $0 }) { row.notes.append("\(report)") }
    if let outcome = row.outcome {
        // The quiet period delays the close, not these clients: they wait for the drain's accept.
        row.notes.append(
            outcome.drained == 0
                ? "the drain served no connection"
                : "the \(outcome.drained) connection\(outcome.drained == 1 ? "" : "s") the drain served waited at most "
                    + milliseconds(outcome.longestDrainedWait)
        )
    }
}

/// A number for this process's rendezvous names, so that two rows never share one.
private let rendezvousCount = Atomic<Int>(0)

private func runDescriptorHandover(_ settings: HandoverSettings, _ row: inout HandoverRow) throws(SocketError) {
    let first = try listener(on: .ipv4Loopback(port: 0), reusePort: false)
    let address = first.localAddress
    // An abstract Unix name: no file to clean up, and private to the network namespace.
    let rendezvousAddress = try SocketAddress.abstractUnix(
        name: "sockopt-demo-handover-\(getpid())-\(rendezvousCount.add(1, ordering: .relaxed).newValue)"
    )
    let rendezvous = ListenerSlot(try ListeningSocket(address: rendezvousAddress))
    let handedOver = Atomic<Bool>(false)
    // The old instance offers its listener between accepts; once the new one has acknowledged, it
    // stops accepting and closes its own descriptor (never a shutdown: the socket is the new one's).
    let old = try Instance(first) { listener, instance in
        guard let rendezvous = rendezvous.take() else { return }
        while !instance.leave.load(ordering: .acquiring) {
            do {
                if let connection = try listener.accept(timeout: .milliseconds(1)) { serveOneByte(connection) }
            } catch {}
            let offered = [DescriptorHandover.Offered("http", listener)]
            if (try? DescriptorHandover.offer(offered, on: rendezvous, peerWait: .zero, timeout: .seconds(5))) == true {
                handedOver.store(true, ordering: .releasing)
                break
            }
        }
        if handedOver.load(ordering: .acquiring) {
            _ = try? listener.closeAfterHandover()
        } else {
            _ = try? listener.close()
        }
        instance.markClosed()
        _ = try? rendezvous.close()
    }
    // The new instance receives the listener at the rendezvous, then serves it.
    let receiveFailure = Mutex<SocketError?>(nil)
    var new: Instance?
    let clock = ContinuousClock()
    row.outcome = runPacedLoad(to: address, settings.plan, switchAfter: settings.switchAfter) {
        let start = clock.now
        do throws(SocketError) {
            new = try Instance { instance in
                do throws(SocketError) {
                    var received = try DescriptorHandover.receive(from: rendezvousAddress, timeout: .seconds(5))
                    guard let listener = received.take(name: "http") else { return }
                    serveThenClose(listener, instance)
                } catch {
                    receiveFailure.withLock { $0 = error }
                }
            }
        } catch {
            receiveFailure.withLock { $0 = error }
            return
        }
        // The old instance closes once the new one has acknowledged (the receive waits at most 5 s).
        let bound = start + .seconds(10)
        while old.switchTime(from: start) == nil && clock.now < bound { sleep(for: .microseconds(100)) }
        if handedOver.load(ordering: .acquiring) { row.switchTime = old.switchTime(from: start) }
    }
    old.leaveAndWait()
    new?.leaveAndWait()
    if let failure = receiveFailure.withLock({ $0 }) { throw failure }
}
#else
/// `handover` needs Linux: steering, tcp_migrate_req, descriptor hand-over and network namespaces.
func runHandover(_ arguments: [String]) -> Int32 {
    printError("handover needs Linux (SO_ATTACH_REUSEPORT_CBPF, tcp_migrate_req, network namespaces)")
    return 1
}
#endif
