// sockopt-demo handover: each way of replacing a server, run against the paced load.

#if os(Linux)
import Glibc
import SocketOptions
import Synchronization

/// A listener for a server instance: SO_REUSEPORT for the ways that join a group, and a backlog
/// that holds the connections an old instance leaves queued while it finishes (100 at 5,000/s).
private func listener(on address: SocketAddress, reusePort: Bool) throws(SocketError) -> ListeningSocket {
    try ListeningSocket(address: address, options: reusePort ? [.reusePort(true)] : [], backlog: 1024)
}

/// The same load on one server that is not replaced.
func runBaseline(_ settings: HandoverSettings, _ row: inout HandoverRow) throws {
    let first = try listener(on: .ipv4Loopback(port: 0), reusePort: false)
    let address = first.localAddress
    let server = try ServerInstance(first, serveThenClose)
    row.outcome = runPacedLoad(to: address, settings.plan, switchAfter: 0) {}
    server.leaveAndWait()
}

/// The old server stops accepting, finishes and closes; a new one listens after a process start.
func runStopThenStart(_ settings: HandoverSettings, _ row: inout HandoverRow) throws {
    let first = try listener(on: .ipv4Loopback(port: 0), reusePort: false)
    let address = first.localAddress
    let old = try ServerInstance(first, serveThenFinishAndClose(settings.finish))
    var new: ServerInstance?
    var failure: (any Error)?
    row.outcome = runPacedLoad(to: address, settings.plan, switchAfter: settings.switchAfter) {
        let start = ContinuousClock.now
        old.leaveAndWait()
        row.switchTime = old.switchTime(from: start)
        sleep(for: HandoverSettings.restartGap)
        do {
            new = try ServerInstance(try listener(on: address, reusePort: false), serveThenClose)
        } catch {
            failure = error
        }
    }
    new?.leaveAndWait()
    if let failure { throw failure }
}

/// A new SO_REUSEPORT listener joins; the old one stops accepting, finishes and closes (the
/// namespace's tcp_migrate_req decides whether its queue is reset or moved).
func runJoinThenClose(_ settings: HandoverSettings, _ row: inout HandoverRow) throws {
    let first = try listener(on: .ipv4Loopback(port: 0), reusePort: true)
    let address = first.localAddress
    let old = try ServerInstance(first, serveThenFinishAndClose(settings.finish))
    var new: ServerInstance?
    var failure: (any Error)?
    row.outcome = runPacedLoad(to: address, settings.plan, switchAfter: settings.switchAfter) {
        let start = ContinuousClock.now
        do {
            new = try ServerInstance(try listener(on: address, reusePort: true), serveThenClose)
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

/// A new SO_REUSEPORT listener joins; the old one steers the group to it, drains and closes
/// (ReusePortHandover.steerAndDrain).
func runSteerAndDrain(_ settings: HandoverSettings, _ row: inout HandoverRow) throws {
    let first = try listener(on: .ipv4Loopback(port: 0), reusePort: true)
    let address = first.localAddress
    // The kernel numbers a group's members in the order they listen: the old one is 0, the new 1.
    var group = ReusePortGroup<String>()
    try group.join("old")
    let newIndex = try group.join("new")
    let survivor = Atomic<Int32>(-1)
    let report = Mutex<ReusePortHandover.Report?>(nil)
    let old = try ServerInstance(first) { listener, instance in
        serve(listener, until: instance)
        let steered = ReusePortHandover.steerAndDrain(
            leaving: listener,
            to: BorrowedSocket(borrowing: survivor.load(ordering: .acquiring)),
            index: newIndex
        ) { serveOneByte($0, ServerByte.drained) }
        instance.markClosed()
        report.withLock { $0 = steered }
    }
    var new: ServerInstance?
    var failure: (any Error)?
    row.outcome = runPacedLoad(to: address, settings.plan, switchAfter: settings.switchAfter) {
        let start = ContinuousClock.now
        do {
            let joining = try listener(on: address, reusePort: true)
            survivor.store(joining.rawDescriptor, ordering: .releasing)
            new = try ServerInstance(joining, serveThenClose)
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

/// The old server offers its listener between accepts; the new one receives it and serves; the
/// old one closes its descriptor (DescriptorHandover, between two threads of this process).
func runDescriptorHandover(_ settings: HandoverSettings, _ row: inout HandoverRow) throws {
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
    let old = try ServerInstance(first) { listener, instance in
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
    let receiveFailure = Mutex<(any Error)?>(nil)
    var new: ServerInstance?
    let clock = ContinuousClock()
    row.outcome = runPacedLoad(to: address, settings.plan, switchAfter: settings.switchAfter) {
        let start = clock.now
        do {
            new = try ServerInstance { instance in
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
#endif
