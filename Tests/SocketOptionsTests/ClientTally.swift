// SocketOptions tests: what the clients of a load test saw, counted by their threads, for the
// tests that replace a server under load (SO_REUSEPORT retirement, descriptor hand-over, serve
// --take-over).

import Synchronization

@testable import SocketOptions

/// What the clients of one run saw.
struct LoadOutcome: CustomStringConvertible {
    var attempted = 0
    /// Connections on which the client received its byte.
    var served = 0
    /// connect failed with ECONNREFUSED.
    var refused = 0
    /// connect or recv failed with ECONNRESET, or the server closed without sending its byte.
    var reset = 0
    /// Anything else (a timeout): none is expected.
    var other = 0
    /// The longest any client waited from its first connect of a batch to the last byte of the batch.
    var longestWait: Duration = .zero
    /// What steerAndDrain reported, for that retirement.
    var report: ReusePortHandover.Report?
    var lost: Int { attempted - served }

    var description: String {
        "\(attempted) attempted, \(served) served, \(refused) refused, \(reset) reset, \(other) other; longest wait "
            + "\(longestWait)" + (report.map { "; \($0)" } ?? "")
    }
}

/// The counts a load test's client threads keep: each connection served, refused (ECONNREFUSED),
/// reset (ECONNRESET, or the server closed without its answer) or anything else (a timeout), the
/// longest wait, and the text of the first few failures.
final class ClientTally: Sendable {
    let served = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    let reset = Atomic<Int>(0)
    let other = Atomic<Int>(0)
    private let longestWaitNanoseconds = Atomic<Int>(0)
    private let failures = Locked<[String]>([])

    /// Counts a failed connect or receive by its errno.
    func count(_ error: SocketError) {
        switch error.errno {
        case .connectionRefused?: fail(refused, "\(error)")
        case .connectionReset?: fail(reset, "\(error)")
        default: fail(other, "\(error)")
        }
    }

    /// Counts what a receive of the server's one byte gave: the byte (served), the end of the stream
    /// (the server closed without it: a reset to this client), or nothing in time.
    func count(received bytes: [UInt8]?) {
        switch bytes?.count {
        case 1?: served.add(1, ordering: .relaxed)
        case 0?: fail(reset, "the server closed without its byte")
        default: fail(other, "no byte in time")
        }
    }

    /// Counts `counter` and keeps `text` when it is one of the first five failures.
    func fail(_ counter: borrowing Atomic<Int>, _ text: String) {
        counter.add(1, ordering: .relaxed)
        failures.withLock { if $0.count < 5 { $0.append(text) } }
    }

    /// Notes how long a client waited, for the longest wait.
    func note(wait: Duration) {
        let nanoseconds =
            Int(wait.components.seconds) * 1_000_000_000 + Int(wait.components.attoseconds / 1_000_000_000)
        longestWaitNanoseconds.max(nanoseconds, ordering: .relaxed)
    }

    /// The texts of the first five failures.
    var firstFailures: [String] { failures.withLock { $0 } }

    /// What the clients saw, of `attempted` connections.
    func outcome(attempted: Int, report: ReusePortHandover.Report? = nil) -> LoadOutcome {
        LoadOutcome(
            attempted: attempted,
            served: served.load(ordering: .relaxed),
            refused: refused.load(ordering: .relaxed),
            reset: reset.load(ordering: .relaxed),
            other: other.load(ordering: .relaxed),
            longestWait: .nanoseconds(longestWaitNanoseconds.load(ordering: .relaxed)),
            report: report
        )
    }
}
