// SocketOptions: the drain loop that both drains share, and the filter that holds new connections back.

/// The one drain loop, and the filter that holds new connections back during a drain. Both public
/// drains run this loop: ``ListeningSocket/drainAndStopAccepting(quietPeriod:timeLimit:_:)`` (filter
/// first, `shutdown` after) and ``ReusePortHandover/drainAndClose(_:quietPeriod:timeout:serving:)``
/// (`close` after); they differ only in those steps and in the policies they pass.
enum ListenerDrain {
    /// Whether the kernel runs a socket filter on a TCP listener's incoming packets (Linux).
    #if os(Linux)
    static let canHoldBack = true
    #else
    static let canHoldBack = false
    #endif

    /// What to do with the connections still queued once the time limit has passed.
    enum PastLimit {
        /// Take every connection queued, however long that takes: with new connection requests
        /// held back (the filter), the queue can only shrink.
        case emptyQueue
        /// Take as many connections as this counts for the listener at the limit (`TCP_INFO`),
        /// no more: a queue that keeps filling cannot hold the drain open.
        case takeQueued((CInt) -> Int)
        /// Take nothing more.
        case stop
    }

    /// What the loop did.
    struct Outcome {
        /// The connections handed out.
        var accepted = 0
        /// Whether the queue stayed empty for the quiet period (not the time limit, nor an error,
        /// ended the loop).
        var quiet = false
        /// The error that ended the loop: ``SocketError/listenerStopped`` when the listener was
        /// stopped meanwhile; nil when the loop ended by itself.
        var endingError: SocketError?
        /// The last error of `accept` or its wait, whether it ended the loop or was retried (not
        /// ``SocketError/listenerStopped``).
        var lastAcceptError: SocketError?
    }

    /// The errors of `accept` that leave the connection queued: the process lacks a resource.
    static let resourceErrors: Set<Errno> = [.tooManyOpenFiles, .tooManyOpenFilesInSystem, .noBufferSpace, .noMemory]

    /// Accepts from the listener `fd` (non-blocking) without blocking, each connection to `handle`
    /// on the caller's thread, until the queue has stayed empty for `quietPeriod` or `timeLimit`
    /// has passed since the start, and then as `pastLimit` says. Between accepts it polls for the
    /// time that is left. Any Duration is taken: both are brought to 0...a century first, so that
    /// no instant or difference can overflow. A resource error of `accept` (``resourceErrors``) is
    /// retried after a 1 ms pause, until the limit, when `retryingResourceErrors`; any other error
    /// ends the loop and is returned with the count so far, never thrown.
    static func acceptUntilQuiet(
        _ fd: CInt,
        quietPeriod: Duration,
        timeLimit: Duration,
        pastLimit: PastLimit,
        retryingResourceErrors: Bool,
        _ handle: (consuming Connection) -> Void
    ) -> Outcome {
        let century = Duration.seconds(100 * 365 * 24 * 3600)
        let quietPeriod = min(max(quietPeriod, .zero), century)
        let timeLimit = min(max(timeLimit, .zero), century)
        let clock = ContinuousClock()
        let start = clock.now
        var outcome = Outcome()
        var lastArrival = start
        var hungUp = false
        do throws(SocketError) {
            while true {
                if start.duration(to: clock.now) >= timeLimit {
                    let most: Int
                    switch pastLimit {
                    case .stop: most = 0
                    case .emptyQueue: most = .max
                    case .takeQueued(let count): most = max(count(fd), 0)
                    }
                    var taken = 0
                    while taken < most, let connection = try SocketCalls.acceptNow(fd) {
                        taken += 1
                        outcome.accepted += 1
                        handle(connection)
                    }
                    return outcome
                }
                do {
                    if let connection = try SocketCalls.acceptNow(fd) {
                        outcome.accepted += 1
                        handle(connection)
                        lastArrival = clock.now
                        continue
                    }
                } catch {
                    guard retryingResourceErrors, let errno = error.errno, resourceErrors.contains(errno) else {
                        throw error
                    }
                    outcome.lastAcceptError = error
                    var pause = SocketCalls.Wait(.milliseconds(1), operation: .accept)
                    _ = try pause.pause(.milliseconds(1))
                    continue
                }
                // A stopped Unix-domain listener polls readable and hung up while accept finds
                // nothing: that is the stop, not a connection to wait for.
                if hungUp { throw .listenerStopped }
                let now = clock.now
                let quiet = lastArrival.duration(to: now)
                if quiet >= quietPeriod {
                    outcome.quiet = true
                    return outcome
                }
                let elapsed = start.duration(to: now)
                if elapsed >= timeLimit { continue }
                // Both differences are of durations in 0...a century: no overflow.
                var wait = SocketCalls.Wait(min(quietPeriod - quiet, timeLimit - elapsed), operation: .accept)
                _ = try wait.untilReadable(fd, hangUp: true)
                hungUp = wait.hungUp
            }
        } catch {
            outcome.endingError = error
            if case .listenerStopped = error {} else { outcome.lastAcceptError = error }
            return outcome
        }
    }

    /// Drops a packet whose SYN flag is set and ACK flag is not (a new connection request) and
    /// keeps every other whole. A TCP socket's filter sees the packet from the TCP header on: byte
    /// 13 holds the flags, SYN 0x02 and ACK 0x10.
    ///
    ///     ldb [13]; and #0x12; jeq #0x02, drop, keep; drop: ret #0; keep: ret #0xffffffff
    static let dropNewConnectionRequests = SocketFilter([
        .init(code: 0x30, jumpIfTrue: 0, jumpIfFalse: 0, k: 13),  // BPF_LD | BPF_B | BPF_ABS
        .init(code: 0x54, jumpIfTrue: 0, jumpIfFalse: 0, k: 0x12),  // BPF_ALU | BPF_AND | BPF_K
        .init(code: 0x15, jumpIfTrue: 0, jumpIfFalse: 1, k: 0x02),  // BPF_JMP | BPF_JEQ | BPF_K
        .returning(0),
        .returning(0xFFFF_FFFF),
    ])

    /// A connection whose handshake completed after the filter went on carries a copy of it; one
    /// that was queued before has none (`ENOENT`, ignored: nothing to remove).
    static func removeInheritedFilter(_ connection: borrowing Connection) {
        _ = try? connection.setOption(.detachFilter)
    }
}
