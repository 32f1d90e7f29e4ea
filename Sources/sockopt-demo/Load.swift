// sockopt-demo: a paced load for the handover demo. Client threads on loopback open connections at
// a fixed rate, each waiting for the one byte a server sends, and count what became of each.

#if os(Linux)
import Glibc
import SocketOptions
import PlainThreads
import Synchronization

/// How much load, how fast.
struct LoadPlan: Sendable {
    /// Connections in all.
    var connections: Int
    /// Client threads, each with one connection under way at a time.
    var clients: Int
    /// Connections started per second: connection k is due at k / rate after the start.
    var rate: Int

    /// How long a client waits for a connect, and then for its byte, before it counts a failure.
    static let clientTimeout: Duration = .seconds(2)
}

/// The byte a server sends on each connection. The drain of a steer-and-drain sends its own, so
/// that the clients can tell how long the connections it served waited.
enum ServerByte {
    static let served: UInt8 = 0x21
    static let drained: UInt8 = 0x44
}

/// What the clients of one run saw.
struct LoadOutcome: Sendable {
    var attempted = 0
    /// The client received its byte.
    var served = 0
    /// connect failed with ECONNREFUSED: no listener on the port.
    var refused = 0
    /// connect or recv failed with ECONNRESET: the connection was made and then thrown away.
    var reset = 0
    /// Anything else (a timeout, the server closing without its byte, another errno).
    var other = 0
    /// The first of the other failures, to name it.
    var firstOther: String?
    /// The longest a client waited, from the start of its connect to its byte (or its failure).
    var longestWait: Duration = .zero
    /// When that wait began, from the start of the switch (negative: before it).
    var longestWaitBegan: Duration = .zero
    /// The wait that 99 % of connections did not exceed (the longest is one unlucky moment of a
    /// shared machine as often as it is the server).
    var percentile99Wait: Duration = .zero
    /// Connections served by a drain (``ServerByte/drained``), and the longest of their waits.
    var drained = 0
    var longestDrainedWait: Duration = .zero
    /// The longest a connection started after its due time: more than a few milliseconds means the
    /// clients could not keep the rate (all of them were waiting).
    var longestLate: Duration = .zero
    /// From the first due time to the end of the last connection.
    var elapsed: Duration = .zero

    /// Connections per second achieved over the run.
    var achievedRate: Int {
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        return nanoseconds > 0 ? Int(Int64(attempted) * 1_000_000_000 / nanoseconds) : 0
    }
}

/// The counters the client threads of one run share.
private final class LoadTally: Sendable {
    let next = Atomic<Int>(0)
    let started = Atomic<Int>(0)
    let served = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    let reset = Atomic<Int>(0)
    let other = Atomic<Int>(0)
    let firstOther = Mutex<String?>(nil)
    let drained = Atomic<Int>(0)
    let longestDrainedWait = Atomic<Int>(0)
    let longestLate = Atomic<Int>(0)
    /// Every connection's wait in nanoseconds, each client's list added when it ends.
    let waits = Mutex<[Int]>([])
    /// The longest wait and the instant it began.
    let longest = Mutex<(wait: Int, began: ContinuousClock.Instant?)>((0, nil))

    func countOther(_ what: String) {
        other.add(1, ordering: .relaxed)
        firstOther.withLock { if $0 == nil { $0 = what } }
    }
}

/// Runs `plan` against `address`: starts the clients, calls `switchOver` on the calling thread once
/// `switchAfter` connections have started (the clients go on meanwhile), waits for every client,
/// and returns what they saw. Bounded: each connect and each receive waits at most
/// ``LoadPlan/clientTimeout``, and no connection starts later than 30 s after it was due.
func runPacedLoad(
    to address: SocketAddress,
    _ plan: LoadPlan,
    switchAfter: Int,
    switchOver: () -> Void
) -> LoadOutcome {
    let tally = LoadTally()
    let clock = ContinuousClock()
    let interval = Duration.nanoseconds(1_000_000_000 / Int64(plan.rate))
    let first = clock.now + .milliseconds(5)
    let latest = Duration.seconds(30)
    var threads: [pthread_t] = []
    for _ in 0..<plan.clients {
        guard
            let thread = try? startThread({
                var waits: [Int] = []
                var longest: (wait: Int, began: ContinuousClock.Instant?) = (0, nil)
                defer {
                    tally.waits.withLock { $0 += waits }
                    tally.longest.withLock { if longest.wait > $0.wait { $0 = longest } }
                }
                while true {
                    let k = tally.next.add(1, ordering: .relaxed).oldValue
                    guard k < plan.connections else { return }
                    let due = first + interval * k
                    sleep(until: due)
                    let start = clock.now
                    let late = due.duration(to: start)
                    if late > latest {
                        tally.countOther("started more than 30 s late")
                        continue
                    }
                    tally.longestLate.max(nanoseconds(late), ordering: .relaxed)
                    tally.started.add(1, ordering: .relaxed)
                    let byte = connectAndReceive(address, tally)
                    let waited = nanoseconds(start.duration(to: clock.now))
                    waits.append(waited)
                    if waited > longest.wait { longest = (waited, start) }
                    if byte == ServerByte.drained {
                        tally.drained.add(1, ordering: .relaxed)
                        tally.longestDrainedWait.max(waited, ordering: .relaxed)
                    }
                }
            })
        else { break }
        threads.append(thread)
    }
    let switchBy = clock.now + interval * switchAfter + .seconds(10)
    while tally.started.load(ordering: .relaxed) < switchAfter && clock.now < switchBy && !threads.isEmpty {
        sleep(for: .microseconds(200))
    }
    let switchStart = clock.now
    switchOver()
    for thread in threads { pthread_join(thread, nil) }
    let waits = tally.waits.withLock { $0.sorted() }
    var outcome = LoadOutcome(
        attempted: plan.connections,
        served: tally.served.load(ordering: .relaxed),
        refused: tally.refused.load(ordering: .relaxed),
        reset: tally.reset.load(ordering: .relaxed),
        other: tally.other.load(ordering: .relaxed),
        firstOther: tally.firstOther.withLock { $0 },
        longestWait: .nanoseconds(tally.longest.withLock { $0.wait }),
        longestWaitBegan: tally.longest.withLock { $0.began }.map { switchStart.duration(to: $0) } ?? .zero,
        percentile99Wait: .nanoseconds(waits.isEmpty ? 0 : waits[(waits.count - 1) * 99 / 100]),
        drained: tally.drained.load(ordering: .relaxed),
        longestDrainedWait: .nanoseconds(tally.longestDrainedWait.load(ordering: .relaxed)),
        longestLate: .nanoseconds(tally.longestLate.load(ordering: .relaxed)),
        elapsed: first.duration(to: clock.now)
    )
    // Connections no client could start (no thread): failures too, so that the columns add up.
    let counted = outcome.served + outcome.refused + outcome.reset + outcome.other
    if counted < outcome.attempted {
        outcome.other += outcome.attempted - counted
        outcome.firstOther = outcome.firstOther ?? "no client thread (pthread_create failed)"
    }
    return outcome
}

/// One connection: connect, wait for one byte, close; counted by what happened. Returns the byte.
private func connectAndReceive(_ address: SocketAddress, _ tally: LoadTally) -> UInt8? {
    do throws(SocketError) {
        let connection = try Connection(connectingTo: address, timeout: LoadPlan.clientTimeout)
        let bytes = try connection.receive(upTo: 1, timeout: LoadPlan.clientTimeout)
        _ = try? connection.close()
        switch bytes?.count {
        case 1?:
            tally.served.add(1, ordering: .relaxed)
            return bytes?.first
        case 0?: tally.countOther("the server closed without sending its byte")
        default: tally.countOther("no byte within \(LoadPlan.clientTimeout)")
        }
    } catch {
        switch error.errno {
        case .connectionRefused?: tally.refused.add(1, ordering: .relaxed)
        case .connectionReset?: tally.reset.add(1, ordering: .relaxed)
        default: tally.countOther(error.description)
        }
    }
    return nil
}

/// `duration` in nanoseconds, saturating.
func nanoseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    let (whole, overflow) = Int(seconds).multipliedReportingOverflow(by: 1_000_000_000)
    return overflow
        ? (seconds < 0 ? .min : .max) : whole.addingReportingOverflow(Int(attoseconds / 1_000_000_000)).partialValue
}
#endif
