// SocketOptions tests: the patterns of the article ThreadsAndTasks.md, compiled and run. The
// article quotes the code between `snippet` markers; a test checks that every Swift block of the
// article is here, so the article cannot drift from code that compiles.

import Glibc
import PlainThreads
import Synchronization
import Testing

@testable import SocketOptions

// snippet: shared-listener
/// A listener that several threads use at once: the class owns it, every thread borrows it
/// through the reference, and the listener closes when the last reference goes.
final class SharedListener: Sendable {
    let listener: ListeningSocket

    init(_ listener: consuming ListeningSocket) {
        self.listener = listener
    }

    /// Accepts and serves until `stop()`, which wakes every thread waiting in accept at once.
    func acceptUntilStopped(serve: (consuming Connection) -> Void) {
        while true {
            do throws(SocketError) {
                serve(try listener.accept())
            } catch .listenerStopped {
                return
            } catch {
                // EMFILE and the like leave the listener usable: back off, then accept again.
                var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
                nanosleep(&pause, nil)
            }
        }
    }

    /// Ends every thread's loop, from any thread: new connections are refused, queued ones reset.
    func stop() throws(SocketError) { try listener.stopAccepting() }
}
// end snippet

// snippet: handoff
/// One value handed from one thread or task to another, taken out exactly once.
final class Handoff<Value: ~Copyable>: Sendable {
    private let slot: Mutex<Value?>

    init(_ value: consuming sending Value) {
        slot = Mutex(value)
    }

    func take() -> Value? {
        slot.withLock { $0.take() }
    }
}
// end snippet

// snippet: closable-server
/// A server whose listener another thread can close: the listener sits in a Mutex, and close
/// takes it out, so that no thread can use it afterwards.
final class ClosableServer: Sendable {
    private let listener: Mutex<ListeningSocket?>

    init(_ listener: consuming ListeningSocket) {
        self.listener = Mutex(listener)
    }

    /// One bounded wait for a connection; nil when none came, or once the server is closed.
    func accept(timeout: Duration) throws(SocketError) -> Connection? {
        try listener.withLock { listener throws(SocketError) -> Connection? in
            // A switch borrows the listener in place; `if let` would move it out of the Mutex.
            switch listener {
            case .some(let open): return try open.accept(timeout: timeout)
            case .none: return nil
            }
        }
    }

    /// Closes the listener, from any thread; a second call does nothing.
    func close() throws(SocketError) {
        guard let open = listener.withLock({ $0.take() }) else { return }
        try open.close()
    }

    var isClosed: Bool { listener.withLock { $0 == nil } }
}
// end snippet

extension KernelTests {
    @Suite("Threads and tasks with ~Copyable sockets")
    struct ThreadsAndTasksTests {
        @Test("Four acceptor threads share one listener owned by a final class, and stop at once through stopAccepting")
        func acceptorThreads() throws {
            let served = Atomic<Int>(0)
            let address: SocketAddress
            let inode: UInt64
            let before = openDescriptorTargets()
            do {
                // snippet: acceptor-threads
                let shared = SharedListener(try ListeningSocket(address: .ipv4Loopback(port: 0)))
                var threads: [pthread_t] = []
                for _ in 0..<4 {
                    threads.append(
                        try startThread {
                            shared.acceptUntilStopped { connection in
                                try? connection.send("hello\n")
                                try? connection.close()
                            }
                        }
                    )
                }
                // ... serve, until it is time to stop:
                // end snippet
                address = shared.listener.localAddress
                inode = socketInode(shared.listener.rawDescriptor)
                for _ in 0..<20 {
                    let client = try Connection(connectingTo: address)
                    #expect(try client.receiveAll() == Array("hello\n".utf8))
                    served.add(1, ordering: .relaxed)
                }
                // snippet: acceptor-threads-stop
                try shared.stop()
                for thread in threads { pthread_join(thread, nil) }
                // `shared` was the last reference: the listener closes here.
                // end snippet
            }
            #expect(served.load(ordering: .relaxed) == 20)
            // Closed when the box went: its descriptor, and its socket in the kernel's table.
            #expect(descriptorsAdded(since: before).isEmpty)
            expectListenerGone(inode: inode, address: address)
        }

        @Test("A graceful stop of two busy acceptor threads: the 8 queued connections are served, none reset")
        func acceptorThreadsDrain() throws {
            let shared = SharedListener(try ListeningSocket(address: anyLoopbackPort))
            let gate = Atomic<Bool>(false)
            let taken = Atomic<Int>(0)
            var threads: [pthread_t] = []
            for _ in 0..<2 {
                threads.append(
                    try startThread {
                        shared.acceptUntilStopped { connection in
                            taken.add(1, ordering: .relaxed)
                            // Busy until the test opens the gate (10 s at most): the queue is left to the drain.
                            let deadline = ContinuousClock.now + .seconds(10)
                            while !gate.load(ordering: .acquiring) && ContinuousClock.now < deadline { usleep(1_000) }
                            try? connection.send("hello\n")
                            try? connection.close()
                        }
                    }
                )
            }
            var clients: [SharedSocket<Connection>] = []
            for _ in 0..<10 { clients.append(SharedSocket(try Connection(connectingTo: shared.listener.localAddress))) }
            let deadline = ContinuousClock.now + .seconds(10)
            while taken.load(ordering: .relaxed) < 2 && ContinuousClock.now < deadline { usleep(1_000) }
            // snippet: acceptor-threads-drain
            // The connections already queued are served, not reset; then every acceptor leaves its loop.
            let drained = try shared.listener.drainAndStopAccepting { connection in
                try? connection.send("hello\n")
                try? connection.close()
            }
            // end snippet
            gate.store(true, ordering: .releasing)
            for thread in threads { pthread_join(thread, nil) }
            #expect(drained == 8)
            for client in clients { #expect(try client.socket.receiveAll() == Array("hello\n".utf8)) }
        }

        @Test("Four acceptor threads on one SharedListener: each accepts a connection while the others are busy")
        func acceptorThreadsServeSideBySide() throws {
            let shared = SharedListener(try ListeningSocket(address: anyLoopbackPort))
            let threadCount = 4
            let accepted = Atomic<Int>(0)
            let servingThreads = Locked<Set<pthread_t>>([])
            var threads: [pthread_t] = []
            for _ in 0..<threadCount {
                threads.append(
                    try startThread {
                        shared.acceptUntilStopped { connection in
                            servingThreads.withLock { _ = $0.insert(pthread_self()) }
                            accepted.add(1, ordering: .relaxed)
                            // Busy until every connection is accepted: a thread serving one cannot
                            // accept another, so each connection goes to a thread of its own.
                            let deadline = ContinuousClock.now + .seconds(10)
                            while accepted.load(ordering: .relaxed) < threadCount && ContinuousClock.now < deadline {
                                usleep(1_000)
                            }
                            try? connection.close()
                        }
                    }
                )
            }
            // The kernel completes each handshake into the accept queue; the threads take them.
            for _ in 0..<threadCount { try Connection(connectingTo: shared.listener.localAddress).close() }
            let deadline = ContinuousClock.now + .seconds(10)
            while accepted.load(ordering: .relaxed) < threadCount && ContinuousClock.now < deadline { usleep(1_000) }
            try shared.stop()
            for thread in threads { pthread_join(thread, nil) }
            #expect(accepted.load(ordering: .relaxed) == threadCount)
            #expect(servingThreads.withLock { $0.count } == threadCount, "each connection on a thread of its own")
        }

        @Test("A connection handed to a thread is taken out once, served and closed there")
        func connectionToThread() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            // snippet: connection-to-thread
            let handoff = Handoff(try listener.accept())
            let thread = try startThread {
                guard let connection = handoff.take() else { return }
                try? connection.send("served on another thread\n")
                try? connection.close()
            }
            // end snippet
            #expect(try client.receiveAll() == Array("served on another thread\n".utf8))
            pthread_join(thread, nil)
            let takenAgain = handoff.take() != nil
            #expect(!takenAgain, "taken out exactly once")
        }

        @Test("A connection handed to a task is taken out once, served and closed there")
        func connectionToTask() async throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            // snippet: connection-to-task
            let handoff = Handoff(try listener.accept())
            let task = Task {
                guard let connection = handoff.take() else { return }
                try? connection.send("served in a task\n")
                try? connection.close()
            }
            // end snippet
            await task.value
            #expect(try client.receiveAll() == Array("served in a task\n".utf8))
        }

        @Test("A listener owned by a class is closed from another thread while a thread accepts on it")
        func closedFromAnotherThread() throws {
            let before = openSocketDescriptors()
            // snippet: closed-from-another-thread
            let server = ClosableServer(try ListeningSocket(address: .ipv4Loopback(port: 0)))
            // end snippet
            // The server's one new descriptor: the listener, whose address and socket we note.
            let listenerDescriptor = try #require(openSocketDescriptors().subtracting(before).first)
            let address = try BorrowedSocket(borrowing: listenerDescriptor).snapshot().localAddress
            let inode = socketInode(listenerDescriptor)
            // snippet: closed-from-another-thread-threads
            let acceptor = try startThread {
                while !server.isClosed {
                    guard let connection = try? server.accept(timeout: .milliseconds(50)) else { continue }
                    try? connection.close()
                }
            }
            let closer = try startThread {
                try? server.close()
            }
            pthread_join(closer, nil)
            pthread_join(acceptor, nil)
            // end snippet
            #expect(server.isClosed)
            // Closed for real: the descriptor is gone from the process and the socket from the kernel.
            #expect(openSocketDescriptors() == before)
            #expect(fcntl(listenerDescriptor, F_GETFD) == -1 && errno == EBADF)
            expectListenerGone(inode: inode, address: try #require(address))
            #expect(throws: Never.self) { try server.close() }  // a second close does nothing
        }

        @Test("Several listeners in one process: an array of class boxes, each closed when dropped")
        func severalListeners() throws {
            let before = openDescriptorTargets()
            var ports: [UInt16] = []
            do {
                // snippet: several-listeners
                var listeners: [SharedListener] = []
                for address in [SocketAddress.ipv4Loopback(port: 0), .ipv6Loopback(port: 0)] {
                    listeners.append(SharedListener(try ListeningSocket(address: address)))
                }
                for shared in listeners {
                    print("listening on \(shared.listener.localAddress)")
                }
                // end snippet
                ports = listeners.map { $0.listener.localAddress.port }
                #expect(ports.allSatisfy { $0 != 0 })
                #expect(listeners.count == 2)
            }
            // Dropping the array dropped the boxes, and each box closed its listener.
            #expect(descriptorsAdded(since: before).isEmpty)
        }
    }
}

/// Our listener, known by its socket's inode, is gone from the kernel's TCP table; and unless some
/// other process listens on the port by now (port 0 gave it to us, not for good), a connection to
/// it is refused.
private func expectListenerGone(inode: UInt64, address: SocketAddress) {
    #expect(!tcpTableRows(localPort: address.port).contains { $0.inode == inode }, "our listener is still listening")
    do {
        let connection = try Connection(connectingTo: address)
        try? connection.close()
        let listening = tcpTableRows(localPort: address.port).filter { $0.state == "0A" }
        #expect(!listening.isEmpty, "connected to \(address), where no listener is")
    } catch {
        #expect(error == .system(.connect(address), .connectionRefused))
    }
}

// Under KernelTests although it opens no socket: it reads files, and a descriptor it holds open
// would be seen by the leak checks of the tests there if it ran beside them.
extension KernelTests {
    @Suite("The threads-and-tasks article quotes compiled code")
    struct ThreadsAndTasksArticleTests {
        @Test("Every Swift block of ThreadsAndTasks.md is code of this file or of PlainThreads' Threads.swift")
        func articleQuotesThisFile() throws {
            let here = #filePath
            let root = String(here[..<here.range(of: "/Tests/")!.lowerBound])
            let article = try #require(readText(root + "/Sources/SocketOptions/SocketOptions.docc/ThreadsAndTasks.md"))
            let source = try #require(readText(here))
            let threads = try #require(readText(root + "/Sources/PlainThreads/Threads.swift"))
            let sourceLines = (source + "\n" + threads).split(separator: "\n", omittingEmptySubsequences: false).map(
                trimmed
            )
            let blocks = swiftBlocks(article)
            #expect(blocks.count >= 7)
            for block in blocks {
                let lines = block.map(trimmed)
                let found = sourceLines.indices.contains { start in
                    start + lines.count <= sourceLines.count
                        && Array(sourceLines[start..<(start + lines.count)]) == lines
                }
                #expect(
                    found,
                    "not in ThreadsAndTasksTests.swift or PlainThreads/Threads.swift:\n\(block.joined(separator: "\n"))"
                )
            }
        }

        private func trimmed(_ line: Substring) -> String {
            String(line.drop { $0 == " " })
        }

        /// The lines of each ```swift block.
        private func swiftBlocks(_ text: String) -> [[Substring]] {
            var blocks: [[Substring]] = []
            var current: [Substring]?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if current == nil, line.hasPrefix("```swift") {
                    current = []
                } else if current != nil, line.hasPrefix("```") {
                    blocks.append(current!)
                    current = nil
                } else {
                    current?.append(line)
                }
            }
            return blocks
        }
    }
}
