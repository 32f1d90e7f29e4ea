// sockopt-demo handover: a server replaced in the middle of a paced load, once per way, with what
// the clients saw in each: the table of Documentation/ZeroDowntime.md.

#if os(Linux)
import Glibc
import SocketOptions

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
    do {
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
#else
/// `handover` needs Linux: steering, tcp_migrate_req, descriptor hand-over and network namespaces.
func runHandover(_ arguments: [String]) -> Int32 {
    printError("handover needs Linux (SO_ATTACH_REUSEPORT_CBPF, tcp_migrate_req, network namespaces)")
    return 1
}
#endif
