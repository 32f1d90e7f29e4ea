// SocketOptions: retiring one listener of a SO_REUSEPORT group without resetting a connection.

#if os(Linux)
/// Retires a listener of a `SO_REUSEPORT` group without losing a connection, on any setting of
/// `net.ipv4.tcp_migrate_req`: the ways, and what was done. Linux only.
///
/// When a member of a group closes, Linux resets every connection still waiting in its accept
/// queue, unless `net.ipv4.tcp_migrate_req` is 1 (Linux 5.14+, 0 by default), which moves them to
/// another member. Closing a member under load with the setting off loses connections (hundreds of
/// 2,000 in this package's measurements). The lossless way, with no setting:
/// 1. A new listener joins the group (``ListeningSocket`` with ``SocketOption/reusePort(_:)``).
/// 2. Every new connection is steered to it (``SocketOptionAccess/steerReusePortGroup(toIndex:)``,
///    its index from ``ReusePortGroup``).
/// 3. The leaving listener accepts what is in its queue, and what still arrives there (a
///    handshake that began before the steering), until the queue stays empty for a quiet period.
/// 4. Only then does it close; and the program is detached, so that the hash spreads connections
///    again over the members that stay.
///
/// ```swift
/// var group = ReusePortGroup<String>()
/// try group.join("old")                   // when `old` started listening
/// let new = try ListeningSocket(address: old.localAddress, options: [.reusePort(true)])
/// let index = try group.join("new")       // 1
/// let report = ReusePortHandover.steerAndDrain(leaving: old, to: new, index: index) { connection in
///     serve(connection)
/// }
/// try group.leave("old")                  // "new" is 0 now
/// print(report)  // steered to index 1; drained 53 connections in 55 ms; tcp_migrate_req 0
/// ```
///
/// Across processes, the same steps are the calls themselves: the new instance steers
/// (``SocketOptionAccess/steerReusePortGroup(toIndex:)``), the old one calls
/// ``drainAndClose(_:quietPeriod:timeout:serving:)``, then the new one detaches
/// (``SocketOptionAccess/detachReusePortProgram()``).
public enum ReusePortHandover {
    /// How the leaving listener was retired.
    public enum Strategy: Hashable, Sendable, CustomStringConvertible {
        /// New connections went to the member at this index while the leaving listener drained its
        /// queue; then it closed. Nothing is lost, whatever `tcp_migrate_req` says.
        case steered(toIndex: Int)
        /// Steering failed, and `tcp_migrate_req` is 1: the listener drained, then closed, and the
        /// kernel moved to another member what arrived in its queue after the drain.
        case kernelMigration
        /// Steering failed, and the kernel does not migrate: the listener drained, then closed;
        /// connections that reached its queue after the drain were reset.
        case plainClose

        /// `"steered to index 1"`, `"kernel migration"`, `"plain close"`.
        public var description: String {
            switch self {
            case .steered(let index): "steered to index \(index)"
            case .kernelMigration: "kernel migration"
            case .plainClose: "plain close"
            }
        }
    }

    /// Whether the kernel moves the queued connections of a closing member to another member of
    /// its group by itself: the setting `net.ipv4.tcp_migrate_req` of the calling thread's network
    /// namespace.
    public enum KernelMigration: Hashable, Sendable, CustomStringConvertible {
        /// `tcp_migrate_req` is 1: queued connections move.
        case on
        /// `tcp_migrate_req` is 0 (the default): queued connections are reset.
        case off
        /// /proc/sys/net/ipv4/tcp_migrate_req is absent or unreadable: a kernel older than 5.14,
        /// which never migrates.
        case unavailable

        /// `"tcp_migrate_req 1"`, `"tcp_migrate_req 0"`, `"no tcp_migrate_req (Linux < 5.14)"`.
        public var description: String {
            switch self {
            case .on: "tcp_migrate_req 1"
            case .off: "tcp_migrate_req 0"
            case .unavailable: "no tcp_migrate_req (Linux < 5.14)"
            }
        }
    }

    /// What ``drainAndClose(_:quietPeriod:timeout:serving:)`` did.
    public struct Drain: Hashable, Sendable, CustomStringConvertible {
        /// The connections accepted from the leaving listener and given to the caller.
        public var accepted: Int
        /// From the start of the drain to the close.
        public var duration: Duration
        /// Whether the queue stayed empty for the quiet period before the close; false when the
        /// timeout or an accept error ended the drain first.
        public var quiet: Bool
        /// The last error of `accept`, if any (`EMFILE` and the like are retried until the timeout).
        public var acceptError: SocketError?
        /// The error of `close`, if any (the descriptor is gone all the same).
        public var closeError: SocketError?

        /// `"drained 12 connections in 21 ms"`.
        public var description: String {
            let milliseconds = duration.count(ofAttoseconds: 1_000_000_000_000_000).map { "\($0.count)" } ?? "?"
            var text = "drained \(accepted) connection\(accepted == 1 ? "" : "s") in \(milliseconds) ms"
            if !quiet { text += " (ended before the queue was quiet)" }
            if let acceptError { text += "; accept failed: \(acceptError.errno?.name ?? "\(acceptError)")" }
            if let closeError { text += "; close failed: \(closeError.errno?.name ?? "\(closeError)")" }
            return text
        }
    }

    /// What ``steerAndDrain(leaving:to:index:quietPeriod:timeout:serving:)`` did.
    public struct Report: Hashable, Sendable, CustomStringConvertible {
        /// The way the listener was retired.
        public var strategy: Strategy
        /// What `tcp_migrate_req` said when the hand-over began: whether the kernel would have
        /// migrated by itself.
        public var kernelMigration: KernelMigration
        /// The drain of the leaving listener.
        public var drain: Drain
        /// Why steering was not possible, when the strategy is not ``Strategy/steered(toIndex:)``.
        public var steeringError: SocketError?
        /// Why the steering program could not be detached after the close, if it could not: the
        /// group then keeps sending every connection to one member (or, its index gone, to the hash).
        public var detachError: SocketError?

        /// `"steered to index 1; drained 12 connections in 21 ms; tcp_migrate_req 0"`.
        public var description: String {
            var text = "\(strategy); \(drain); \(kernelMigration)"
            if let steeringError { text += "; could not steer: \(steeringError.errno?.name ?? "\(steeringError)")" }
            if let detachError { text += "; could not detach: \(detachError.errno?.name ?? "\(detachError)")" }
            return text
        }
    }

    /// The quiet period used when none is given: the queue must stay empty this long before the
    /// listener closes. It covers a handshake that began before the steering and completes after
    /// it, on loopback or a LAN; over a network with a longer round trip, give at least that.
    public static let defaultQuietPeriod: Duration = .milliseconds(50)

    /// The longest a drain lasts when no timeout is given.
    public static let defaultTimeout: Duration = .seconds(10)

    /// Reads `net.ipv4.tcp_migrate_req` of the calling thread's network namespace
    /// (/proc/sys/net/ipv4/tcp_migrate_req).
    public static func kernelMigration() -> KernelMigration {
        switch ReusePortCalls.migrationSetting()?.trimmingWhitespace {
        case "0"?: .off
        case nil: .unavailable
        default: .on  // 1; any other value the kernel accepts is clamped to 0...1
        }
    }

    /// Steers the group to `survivor` (at `index`), drains `leaving` and closes it, then detaches
    /// the steering program; if steering is not possible, drains and closes anyway and says so in
    /// the report (``Strategy/kernelMigration`` or ``Strategy/plainClose``). The caller's `serving`
    /// gets each connection accepted from `leaving` on the calling thread, as it is accepted.
    ///
    /// Never throws: the listener is retired in every case, and the report says how. An index
    /// outside 0...65534 is a steering error (``SocketError/invalidArgument(_:)``), as is the
    /// kernel's refusal (``SocketError/reusePortSteeringFailed(_:)``).
    ///
    /// - Parameters:
    ///   - leaving: the listener that leaves the group: closed when this returns.
    ///   - survivor: a member of the same group that stays (a ``ListeningSocket`` or a
    ///     ``BorrowedSocket`` of another's descriptor): the program is attached and detached on it.
    ///   - index: the survivor's index in the group (``ReusePortGroup/index(of:)``), to which every
    ///     new connection goes during the drain.
    ///   - quietPeriod: how long the queue must stay empty before the close.
    ///   - timeout: the longest the drain lasts, whatever still arrives.
    ///   - serving: takes each connection accepted from `leaving`, on the calling thread; the next
    ///     accept waits until it returns.
    /// - Returns: the strategy used, what `tcp_migrate_req` said, the drain, and any error.
    ///
    /// The corresponding C calls are `setsockopt(SO_ATTACH_REUSEPORT_CBPF)`, `poll`, `accept4`,
    /// `close` and `setsockopt(SO_DETACH_REUSEPORT_BPF)`.
    public static func steerAndDrain<Survivor: SocketOptionAccess & ~Copyable>(
        leaving: consuming ListeningSocket,
        to survivor: borrowing Survivor,
        index: Int,
        quietPeriod: Duration = defaultQuietPeriod,
        timeout: Duration = defaultTimeout,
        serving: (consuming Connection) -> Void
    ) -> Report {
        let migration = kernelMigration()
        var steeringError: SocketError?
        do {
            try survivor.steerReusePortGroup(toIndex: index)
        } catch {
            steeringError = error
        }
        let drain = drainAndClose(leaving, quietPeriod: quietPeriod, timeout: timeout, serving: serving)
        guard steeringError == nil else {
            return Report(
                strategy: migration == .on ? .kernelMigration : .plainClose,
                kernelMigration: migration,
                drain: drain,
                steeringError: steeringError
            )
        }
        var detachError: SocketError?
        do {
            try survivor.detachReusePortProgram()
        } catch {
            detachError = error
        }
        return Report(
            strategy: .steered(toIndex: index),
            kernelMigration: migration,
            drain: drain,
            detachError: detachError
        )
    }

    /// Accepts every connection waiting on `listener` and every one that arrives, until none has
    /// come for `quietPeriod` (or `timeout` has passed since the start), gives each to `serving`,
    /// then closes the listener. Call it once new connections go elsewhere: after the group was
    /// steered away from this listener. Not after a ``DescriptorHandover``: the new owner shares
    /// the same queue, so there is nothing to drain; close with
    /// ``ListeningSocket/closeAfterHandover()``.
    ///
    /// Any Duration is taken: zero or negative `quietPeriod` closes once the queue is found empty;
    /// zero or negative `timeout` takes only what is queued. Once the timeout has passed, the drain
    /// takes the connections queued at that moment (as many as `TCP_INFO` counts), no more, and
    /// closes: connections that keep arriving cannot hold it open. `EMFILE`, `ENFILE`, `ENOBUFS` and
    /// `ENOMEM` from `accept` leave the connection queued: the drain pauses 1 ms and tries again until
    /// the timeout. Any other accept error ends the drain (``Drain/acceptError``).
    /// The corresponding C calls are `poll`, `accept4` and `close`.
    public static func drainAndClose(
        _ listener: consuming ListeningSocket,
        quietPeriod: Duration = defaultQuietPeriod,
        timeout: Duration = defaultTimeout,
        serving: (consuming Connection) -> Void
    ) -> Drain {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = ListenerDrain.acceptUntilQuiet(
            listener.rawDescriptor,
            quietPeriod: quietPeriod,
            timeLimit: timeout,
            // Out of time: what is queued at this moment (TCP_INFO's count for a listener), no
            // more, so that a flood cannot keep the drain going.
            pastLimit: .takeQueued { fd in (try? TCPInfo.read(from: fd).unacknowledged) ?? 0 },
            retryingResourceErrors: true,
            serving
        )
        var drain = Drain(accepted: outcome.accepted, duration: .zero, quiet: outcome.quiet)
        drain.acceptError = outcome.endingError ?? outcome.lastAcceptError
        drain.duration = clock.now - start
        do {
            try listener.close()
        } catch {
            drain.closeError = error
        }
        return drain
    }
}

extension String {
    /// Without the spaces and newlines at either end.
    fileprivate var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}
#endif
