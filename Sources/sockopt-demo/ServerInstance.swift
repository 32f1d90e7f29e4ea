// sockopt-demo handover: a server instance, one thread serving one listener until it is told to
// leave, and the ways it serves and closes.

#if os(Linux)
import Glibc
import PlainThreads
import SocketOptions
import Synchronization

/// A server instance: one thread serving one listener until it is told to leave, then retiring
/// the listener as its way says.
final class ServerInstance: Sendable {
    let leave = Atomic<Bool>(false)
    let closedAt = Mutex<ContinuousClock.Instant?>(nil)
    let thread = Mutex<pthread_t?>(nil)

    /// Starts the instance's thread, which runs `body`.
    init(_ body: @escaping @Sendable (ServerInstance) -> Void) throws(NoThread) {
        let started: pthread_t
        do {
            started = try startThread { [self] in body(self) }
        } catch {
            throw NoThread(errno: error.errorNumber)
        }
        thread.withLock { $0 = started }
    }

    /// Starts the instance's thread, which takes `listener` and runs `body`.
    convenience init(
        _ listener: consuming ListeningSocket,
        _ body: @escaping @Sendable (consuming ListeningSocket, ServerInstance) -> Void
    ) throws(NoThread) {
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

/// The system gave no thread for a server instance (`pthread_create` failed).
struct NoThread: Error, CustomStringConvertible {
    var errno: CInt
    var description: String { "cannot start a server thread: pthread_create failed with errno \(errno)" }
}

/// A listener on its way to the thread that serves it; closed with the slot if no thread took it.
final class ListenerSlot: Sendable {
    private let slot: Mutex<ListeningSocket?>
    init(_ listener: consuming ListeningSocket) { slot = Mutex(.some(listener)) }
    func take() -> ListeningSocket? { slot.withLock { $0.take() } }
}

/// Sends the one byte a client waits for, then closes.
func serveOneByte(_ connection: consuming Connection, _ byte: UInt8 = ServerByte.served) {
    _ = try? connection.send([byte], timeout: .seconds(1))
    _ = try? connection.close()
}

/// Accepts and serves on `listener` until `instance` is told to leave.
func serve(_ listener: borrowing ListeningSocket, until instance: ServerInstance) {
    while !instance.leave.load(ordering: .acquiring) {
        do {
            if let connection = try listener.accept(timeout: .milliseconds(1)) { serveOneByte(connection) }
        } catch {
            continue
        }
    }
}

/// Serves until told to leave, then closes at once: the new instance of every way, and the baseline.
let serveThenClose: @Sendable (consuming ListeningSocket, ServerInstance) -> Void = { listener, instance in
    serve(listener, until: instance)
    _ = try? listener.close()
    instance.markClosed()
}

/// Serves until told to leave, stops accepting, finishes its work for `finish`, then closes.
func serveThenFinishAndClose(_ finish: Duration) -> @Sendable (consuming ListeningSocket, ServerInstance) -> Void {
    { listener, instance in
        serve(listener, until: instance)
        sleep(for: finish)
        _ = try? listener.close()
        instance.markClosed()
    }
}
#endif
