// SocketOptions tests: listening descriptors handed over a Unix socket (SCM_RIGHTS), with their
// names, and every malformed peer refused without a leak.

import Glibc
import PlainThreads
import Synchronization
import Testing

@testable import SocketOptions

/// A listener on its way to another thread (a noncopyable value cannot be captured).
private final class ListenerSlot: Sendable {
    private let slot: Locked<ListeningSocket?>
    init(_ listener: consuming ListeningSocket) { slot = Locked(listener) }
    func take() -> ListeningSocket? { slot.withLock { $0.take() } }
}

/// A connection on its way to another thread.
private final class ConnectionSlot: Sendable {
    private let slot: Locked<Connection?>
    init(_ connection: consuming Connection) { slot = Locked(connection) }
    func take() -> Connection? { slot.withLock { $0.take() } }
}

/// A connected pair over a Unix-domain listener in `directory`: the receiving end (a client, as a
/// new process is) and the peer's end (accepted, as the old process's is).
private func connectedPair(in directory: String) throws -> Pair {
    let rendezvous = try ListeningSocket(
        address: try .unix(path: directory + "/handover-\(pairCount.add(1, ordering: .relaxed).newValue).sock")
    )
    let receiving = try Connection(connectingTo: rendezvous.localAddress, timeout: .seconds(2))
    guard let peer = try rendezvous.accept(timeout: .seconds(2)) else { throw SocketError.system(.accept, .timedOut) }
    return Pair(receiving: receiving, peer: peer)
}

private let pairCount = Atomic<Int>(0)

private struct Pair: ~Copyable {
    let receiving: Connection
    let peer: Connection
}

/// Whether a connection was waiting (or came within 2 s) on `listener`; it is closed.
private func acceptsOne(_ listener: borrowing ListeningSocket) throws -> Bool {
    guard let connection = try listener.accept(timeout: .seconds(2)) else { return false }
    try connection.close()
    return true
}

/// Sends the one byte a client waits for, then closes.
private func serveHandedOverByte(_ connection: consuming Connection) {
    _ = try? connection.send([0x21], timeout: .seconds(2))
    _ = try? connection.close()
}

/// Sends `bytes` with `descriptors` as SCM_RIGHTS, as a peer of any kind might.
private func sendRaw(_ peer: borrowing Connection, _ text: String, descriptors: [CInt]) throws {
    let sent = DescriptorPassing.send(peer.rawDescriptor, Array(text.utf8), descriptors: descriptors)
    #expect(try sent.get() == text.utf8.count)
}

/// The reason of a hand-over failure, or nil for success or any other error.
func handoverReason(_ body: () throws(SocketError) -> Void) -> DescriptorHandoverFailure.Reason? {
    do {
        try body()
        return nil
    } catch .descriptorHandoverFailed(let failure) {
        return failure.reason
    } catch {
        return nil
    }
}

extension KernelTests {
    @Suite struct DescriptorHandoverTests {
        @Test(
            "Two named listeners (IPv4, IPv6) handed over: the receiver accepts the connections queued before, and after the old side's close"
        )
        func handsOverQueuedConnections() throws {
            let before = openDescriptorTargets()
            try withTemporaryDirectory { directory in
                let ipv4 = try ListeningSocket(address: .ipv4Loopback(port: 0))
                let ipv6 = try ListeningSocket(address: .ipv6Loopback(port: 0))
                // Queued before the hand-over: in the accept queue the two processes share.
                let early4 = try Connection(connectingTo: ipv4.localAddress, timeout: .seconds(2))
                let early6 = try Connection(connectingTo: ipv6.localAddress, timeout: .seconds(2))
                let rendezvous = ListenerSlot(
                    try ListeningSocket(address: try .unix(path: directory + "/handover.sock"))
                )
                let path = try SocketAddress.unix(path: directory + "/handover.sock")
                let offered = [DescriptorHandover.Offered("http", ipv4), DescriptorHandover.Offered("admin", ipv6)]
                let outcome = Locked<Result<Bool, SocketError>?>(nil)
                let sender = try startThread {
                    guard let rendezvous = rendezvous.take() else { return }
                    let result = Result { () throws(SocketError) in
                        try DescriptorHandover.offer(
                            offered,
                            on: rendezvous,
                            peerWait: .seconds(5),
                            timeout: .seconds(5)
                        )
                    }
                    outcome.withLock { $0 = result }
                }
                var received = try DescriptorHandover.receive(from: path, timeout: .seconds(5))
                pthread_join(sender, nil)
                #expect(try outcome.withLock { $0 }?.get() == true)
                #expect(received.names == ["http", "admin"])
                let port4 = ipv4.localAddress
                let port6 = ipv6.localAddress
                // The old side closes its descriptors only now, after the acknowledgement.
                try ipv4.closeAfterHandover()
                try ipv6.closeAfterHandover()
                guard let http = received.take(name: "http"), let admin = received.take(name: "admin") else {
                    Issue.record("the listeners named http and admin are not among \(received.names)")
                    return
                }
                #expect(http.localAddress == port4)
                #expect(admin.localAddress == port6)
                #expect(try http.option(.acceptingConnections) == .acceptingConnections(true))
                #expect(try acceptsOne(http), "the connection queued before the hand-over")
                #expect(try acceptsOne(admin), "the connection queued before the hand-over")
                let late = try Connection(connectingTo: port4, timeout: .seconds(2))
                #expect(try acceptsOne(http), "a connection made after the old side closed")
                var takenTwice = false
                if received.take(name: "http") != nil { takenTwice = true }
                #expect(!takenTwice, "a listener is taken once")
                try early4.close()
                try early6.close()
                try late.close()
            }
            #expect(descriptorsAdded(since: before).isEmpty)
        }

        @Test(
            "Under 8 clients and 2,000 connections, a hand-over mid-run loses 0 connections, 20 times"
        )
        func handoverUnderLoadLosesNothing() throws {
            let clock = ContinuousClock()
            let start = clock.now
            // In a private network namespace: the 40,000 connections' TIME_WAIT sockets stay out of the
            // host's tables, which other tests read.
            let outcomes = try inPrivateNetworkNamespace {
                try runToEnd(["/usr/sbin/ip", "link", "set", "lo", "up"])
                return try (0..<handoverRuns).map { _ in
                    try withTemporaryDirectory { try runDescriptorHandoverUnderLoad(in: $0) }
                }
            }
            for (run, outcome) in outcomes.enumerated() {
                #expect(outcome.lost == 0, "run \(run): \(outcome)")
                #expect(outcome.refused == 0 && outcome.reset == 0, "run \(run): \(outcome)")
            }
            print(
                "descriptor hand-over, 20 runs of 2,000 connections in \(start.duration(to: clock.now)): "
                    + "longest waits \(outcomes.map(\.longestWait))"
            )
        }

        @Test(
            "A peer that is not a hand-over is refused with its typed error, and every descriptor that came is closed"
        )
        func malformedPeersRefusedWithoutLeak() throws {
            try withTemporaryDirectory { directory in
                let listener = try ListeningSocket(address: .ipv4Loopback(port: 0))
                var pipeEnds: [CInt] = [-1, -1]
                #expect(pipe(&pipeEnds) == 0)
                defer { for end in pipeEnds { close(end) } }
                let file = open(directory + "/plain", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
                #expect(file >= 0)
                defer { close(file) }
                let datagram = socket(AF_INET, CInt(SOCK_DGRAM.rawValue), 0)
                defer { close(datagram) }
                let l = listener.rawDescriptor
                let cases: [(String, [CInt], DescriptorHandoverFailure.Reason)] = [
                    (
                        "GET / HTTP/1.1\n", [l],
                        .malformedMessage("it does not begin with \"socketoptions-handover 1 \"")
                    ),
                    ("socketoptions-handover 1 http\n", [], .noDescriptors),
                    (
                        "socketoptions-handover 1 http\n", [pipeEnds[0]],
                        .notAListener(name: "http", reason: "it is not a socket")
                    ),
                    (
                        "socketoptions-handover 1 data\n", [file],
                        .notAListener(name: "data", reason: "it is not a socket")
                    ),
                    (
                        "socketoptions-handover 1 a:dns\n", [l, datagram],
                        .notAListener(name: "dns", reason: "it is a datagram socket, not a stream socket")
                    ),
                    ("socketoptions-handover 1 http:admin\n", [l], .countMismatch(names: 2, descriptors: 1)),
                    (
                        "socketoptions-handover 1 many\n",
                        Array(repeating: l, count: DescriptorHandover.maximumListeners + 1),
                        .tooManyDescriptors(limit: DescriptorHandover.maximumListeners)
                    ),
                ]
                for (text, descriptors, expected) in cases {
                    let pair = try connectedPair(in: directory)
                    try sendRaw(pair.peer, text, descriptors: descriptors)
                    let before = openDescriptorTargets()
                    let reason = handoverReason { () throws(SocketError) in
                        _ = try DescriptorHandover.receive(over: pair.receiving, timeout: .seconds(2))
                    }
                    #expect(reason == expected, "\(text.debugDescription) with \(descriptors.count) descriptors")
                    #expect(
                        descriptorsAdded(since: before).isEmpty,
                        "\(text.debugDescription): a received descriptor leaked"
                    )
                    // No acknowledgement: the peer sees nothing to read.
                    let answer = try pair.peer.receive(upTo: 3, timeout: .zero)
                    #expect(answer == nil)
                }
                // The listener handed over and refused is still the old side's, still listening.
                #expect(try listener.option(.acceptingConnections) == .acceptingConnections(true))
            }
        }

        @Test("A peer that never sends gives .timedOut within the bound, and one that closes gives .peerClosed")
        func silentAndClosingPeers() throws {
            try withTemporaryDirectory { directory in
                let pair = try connectedPair(in: directory)
                let clock = ContinuousClock()
                let start = clock.now
                let reason = handoverReason { () throws(SocketError) in
                    _ = try DescriptorHandover.receive(over: pair.receiving, timeout: .milliseconds(200))
                }
                #expect(reason == .timedOut)
                #expect(start.duration(to: clock.now) < .seconds(5))
                // A peer that ends its side (shutdown(SHUT_WR), as its exit would) before sending.
                let closing = try connectedPair(in: directory)
                #expect(shutdown(closing.peer.rawDescriptor, CInt(SHUT_WR)) == 0)
                #expect(
                    handoverReason { () throws(SocketError) in
                        _ = try DescriptorHandover.receive(over: closing.receiving, timeout: .seconds(2))
                    } == .peerClosed
                )
                // The sender whose receiver never acknowledges keeps its listener, after the bound.
                let listener = try ListeningSocket(address: .ipv4Loopback(port: 0))
                let silent = try connectedPair(in: directory)
                let sendReason = handoverReason { () throws(SocketError) in
                    try DescriptorHandover.send(
                        [.init("http", listener)],
                        over: silent.peer,
                        timeout: .milliseconds(200)
                    )
                }
                #expect(sendReason == .timedOut)
                #expect(try listener.option(.acceptingConnections) == .acceptingConnections(true))
            }
        }

        @Test("Names that LISTEN_FDNAMES cannot carry, and counts outside 1...64, are refused before any call")
        func invalidOffersRefusedBeforeAnyCall() throws {
            try withTemporaryDirectory { directory in
                let listener = try ListeningSocket(address: .ipv4Loopback(port: 0))
                let pair = try connectedPair(in: directory)
                let bad = ["a:b", "tab\there", String(repeating: "x", count: 256), "é"]
                for name in bad {
                    let (reason, calls) = recording {
                        handoverReason { () throws(SocketError) in
                            try DescriptorHandover.send([.init(name, listener)], over: pair.peer, timeout: .seconds(1))
                        }
                    }
                    guard case .invalidName? = reason else {
                        Issue.record("\(name.debugDescription): \(String(describing: reason))")
                        continue
                    }
                    #expect(calls.isEmpty)
                }
                let (_, calls) = recording {
                    #expect(throws: SocketError.self) {
                        try DescriptorHandover.send([], over: pair.peer, timeout: .seconds(1))
                    }
                }
                #expect(calls.isEmpty)
                #expect(DescriptorHandover.nameProblem(String(repeating: "x", count: 255)) == nil)
                #expect(DescriptorHandover.nameProblem("") == nil)
            }
        }

        @Test(
            "The old side sends (sendmsg) before it waits for the acknowledgement, and closes its listener only after it, never shutting it down"
        )
        func senderCallOrder() throws {
            try withTemporaryDirectory { directory in
                let listener = try ListeningSocket(address: .ipv4Loopback(port: 0))
                let fd = listener.rawDescriptor
                let pair = try connectedPair(in: directory)
                let peerSlot = ConnectionSlot(pair.peer)
                let recorder = SyscallRecorder()
                let offered = [DescriptorHandover.Offered("http", listener)]
                let listenerSlot = ListenerSlot(listener)
                let sender = try startThread {
                    guard let peer = peerSlot.take() else { return }
                    SyscallRecorder.$current.withValue(recorder) {
                        guard let listener = listenerSlot.take() else { return }
                        do {
                            try DescriptorHandover.send(offered, over: peer, timeout: .seconds(5))
                            try listener.closeAfterHandover()
                        } catch {
                            Issue.record("send: \(error)")
                        }
                    }
                }
                var received = try DescriptorHandover.receive(over: pair.receiving, timeout: .seconds(5))
                pthread_join(sender, nil)
                let calls = recorder.calls
                let sent = try #require(calls.firstIndex { $0.kind == .sendmsg && $0.result > 0 })
                let acknowledged = try #require(calls.lastIndex { $0.kind == .recvmsg && $0.result > 0 })
                let closed = try #require(calls.firstIndex { $0.kind == .close && $0.descriptor == fd })
                #expect(sent < acknowledged)
                #expect(acknowledged < closed)
                #expect(!calls.contains { $0.kind == .shutdown })
                // The receiver's copy still listens after the old one's close.
                guard let taken = received.take(name: "http") else {
                    Issue.record("no listener named http among \(received.names)")
                    return
                }
                #expect(try taken.option(.acceptingConnections) == .acceptingConnections(true))
            }
        }
    }
}

/// How many runs the load test makes.
private let handoverRuns = 20

/// One run: 8 client threads make 2,000 connections in all, each waiting for one byte; the old
/// server offers its listener at a rendezvous between accepts; a third of the way through, a new
/// server takes it over there and serves the rest (the last third waits for the switch). The old
/// side stops accepting and closes its descriptor after the acknowledgement.
private func runDescriptorHandoverUnderLoad(
    in directory: String,
    connections: Int = 2000,
    clients: Int = 8
) throws -> LoadOutcome {
    let tally = ClientTally()
    let handedOut = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
    let stopNew = Atomic<Bool>(false)
    let handedOver = Atomic<Bool>(false)
    let servedByNew = Atomic<Int>(0)
    let old = try ListeningSocket(address: .ipv4Loopback(port: 0), backlog: 1024)
    let address = old.localAddress
    let path = try SocketAddress.unix(path: directory + "/handover.sock")
    let oldSlot = ListenerSlot(old)
    let rendezvousSlot = ListenerSlot(try ListeningSocket(address: path))
    let oldServer = try startThread {
        guard let listener = oldSlot.take(), let rendezvous = rendezvousSlot.take() else { return }
        // Bounded: a failed hand-over leaves the old server serving until the deadline.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let connection = try? listener.accept(timeout: .milliseconds(5)) { serveHandedOverByte(connection) }
            let offered = [DescriptorHandover.Offered("http", listener)]
            if (try? DescriptorHandover.offer(offered, on: rendezvous, peerWait: .zero, timeout: .seconds(5))) == true {
                handedOver.store(true, ordering: .releasing)
                break
            }
        }
        _ = try? listener.closeAfterHandover()
    }
    var threads: [pthread_t] = []
    for _ in 0..<clients {
        threads.append(
            try startThread {
                let clock = ContinuousClock()
                while true {
                    let ticket = handedOut.add(1, ordering: .relaxed).newValue
                    guard ticket <= connections else { break }
                    // The last third waits (at most 10 s) for the switch, so that the new server
                    // serves part of the load however late a busy machine runs its thread: on a
                    // loaded 2-core host the clients once finished before the hand-over.
                    if ticket > connections * 2 / 3 {
                        let limit = ContinuousClock.now + .seconds(10)
                        while !handedOver.load(ordering: .acquiring) && ContinuousClock.now < limit { usleep(200) }
                    }
                    let start = clock.now
                    do throws(SocketError) {
                        let connection = try Connection(connectingTo: address, timeout: .seconds(5))
                        tally.count(received: try connection.receive(upTo: 1, timeout: .seconds(5)))
                    } catch {
                        tally.count(error)
                    }
                    tally.note(wait: start.duration(to: clock.now))
                    finished.add(1, ordering: .relaxed)
                }
            }
        )
    }
    let deadline = ContinuousClock.now + .seconds(30)
    while finished.load(ordering: .relaxed) < connections / 3 && ContinuousClock.now < deadline { usleep(500) }
    let newServer = try startThread {
        do {
            var received = try DescriptorHandover.receive(from: path, timeout: .seconds(5))
            guard let listener = received.take(name: "http") else { return }
            while !stopNew.load(ordering: .acquiring) {
                if let connection = try? listener.accept(timeout: .milliseconds(5)) {
                    serveHandedOverByte(connection)
                    servedByNew.add(1, ordering: .relaxed)
                }
            }
        } catch {
            Issue.record("receive: \(error)")
        }
    }
    for thread in threads { pthread_join(thread, nil) }
    pthread_join(oldServer, nil)
    stopNew.store(true, ordering: .releasing)
    pthread_join(newServer, nil)
    // The switch happened mid-run: the old side handed over, the new one served the rest.
    let switched = handedOver.load(ordering: .acquiring)
    let servedAfter = servedByNew.load(ordering: .relaxed)
    #expect(switched)
    #expect(servedAfter > 0)
    return tally.outcome(attempted: connections)
}
