// SocketOptions tests: a timed accept or receive returns within its time also when another thread
// takes what poll announced, and the descriptor states that makes that true.

import Foundation
import Glibc
import Testing

@testable import SocketOptions

/// A listener, datagram socket or connection that two threads use at once, as two processes
/// sharing one socket would.
final class SharedSocket<Socket: ~Copyable>: @unchecked Sendable {
    let socket: Socket
    init(_ socket: consuming Socket) { self.socket = socket }
}

/// What the racing threads returned, behind a lock ThreadSanitizer understands (see `Locked`).
final class RaceResults: Sendable {
    private let values = Locked<[Bool]>([])

    func append(_ value: Bool) { values.withLock { $0.append(value) } }
    var all: [Bool] { values.withLock { $0 } }
}

/// Waits (at most 5 s) until the racing threads have let go of `shared`, so that its socket is
/// closed within this test, not while the next one counts descriptors.
func waitUntilReleased<Socket: ~Copyable>(_ shared: inout SharedSocket<Socket>) {
    for _ in 0..<5000 where !isKnownUniquelyReferenced(&shared) { usleep(1000) }
}

/// Runs `attempt` on `threads` threads at once and returns what each returned (true: it got the
/// thing), once all are done, or nil when they are not done within `bound` after `trigger` ran;
/// `release` then unblocks them, once per thread still waiting, before nil is returned.
func raceThreads(
    _ threads: Int = 16,
    bound: Double = 3,
    attempt: @escaping @Sendable () throws -> Bool,
    trigger: () throws -> Void,
    release: () throws -> Void
) throws -> [Bool]? {
    let results = RaceResults()
    let started = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)
    for _ in 0..<threads {
        Thread.detachNewThread {
            started.signal()
            let got = (try? attempt()) ?? false
            results.append(got)
            finished.signal()
        }
    }
    for _ in 0..<threads { started.wait() }
    // Every thread is in its wait (poll) well before this ends.
    usleep(100_000)
    try trigger()
    var done = 0
    while done < threads && finished.wait(timeout: .now() + bound) == .success { done += 1 }
    if done == threads { return results.all }
    for _ in done..<threads { try release() }
    while done < threads && finished.wait(timeout: .now() + bound) == .success { done += 1 }
    return nil
}

extension KernelTests {
    @Suite("Timed waits keep their bound")
    struct AcceptTimeoutTests {
        @Test("Sixteen threads in accept(timeout: 200 ms), one connection: one accepts it, the others return nil")
        func acceptRace() throws {
            var shared = SharedSocket(try ListeningSocket(address: anyLoopbackPort))
            let address = shared.socket.localAddress
            let clients = Locked<[Int32]>([])
            defer { for fd in clients.withLock({ $0 }) { close(fd) } }
            func connect() throws {
                let fd = rawSocket()
                clients.withLock { $0.append(fd) }
                var peer = sockaddr_in()
                peer.sin_family = sa_family_t(AF_INET)
                peer.sin_port = address.port.bigEndian
                peer.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
                let result = withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                #expect(result == 0)
            }
            // Rounds, because the window between two threads' poll and accept is narrow.
            for _ in 0..<3 {
                let results = try raceThreads(
                    attempt: { [shared] in
                        guard let connection = try shared.socket.accept(timeout: .milliseconds(200)) else {
                            return false
                        }
                        try connection.close()
                        return true
                    },
                    trigger: connect,
                    release: connect
                )
                guard let all = results else {
                    Issue.record("a thread that lost the connection was still waiting after 3 s")
                    return
                }
                #expect(all.filter { $0 }.count == 1 && all.count == 16)
            }
            waitUntilReleased(&shared)
        }

        @Test("Sixteen threads in receive(timeout: 200 ms) on one UDP socket, one datagram: the others return nil")
        func datagramRace() throws {
            var shared = SharedSocket(try DatagramSocket(address: anyLoopbackPort))
            let address = shared.socket.localAddress
            let sender = try DatagramSocket(address: anyLoopbackPort)
            // Rounds, because the window between two threads' poll and accept is narrow.
            for _ in 0..<3 {
                let results = try raceThreads(
                    attempt: { [shared] in try shared.socket.receive(timeout: .milliseconds(200)) != nil },
                    trigger: { try sender.send([1], to: address) },
                    release: { try sender.send([2], to: address) }
                )
                guard let all = results else {
                    Issue.record("a thread that lost the datagram was still waiting after 3 s")
                    return
                }
                #expect(all.filter { $0 }.count == 1 && all.count == 16)
            }
            waitUntilReleased(&shared)
        }

        @Test("Sixteen threads in receive(timeout: 200 ms) on one connection, one byte: the others return nil")
        func connectionRace() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            var shared = SharedSocket(try listener.accept())
            // Rounds, because the window between two threads' poll and accept is narrow.
            for _ in 0..<3 {
                let results = try raceThreads(
                    attempt: { [shared] in try shared.socket.receive(upTo: 1, timeout: .milliseconds(200)) != nil },
                    trigger: { try client.send("a") },
                    release: { try client.send("b") }
                )
                guard let all = results else {
                    Issue.record("a thread that lost the byte was still waiting after 3 s")
                    return
                }
                #expect(all.filter { $0 }.count == 1 && all.count == 16)
            }
            waitUntilReleased(&shared)
        }

        @Test("An accept after poll that finds nothing (EAGAIN) polls again for the time left")
        func acceptAfterPollFindsNothing() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let recorder = SyscallRecorder.failing(.accept, with: .wouldBlock)
            let (accepted, calls) = try recording(recorder) {
                guard let connection = try listener.accept(timeout: .seconds(2)) else { return false }
                return connection.remoteAddress.port == client.localAddress.port
            }
            #expect(accepted)
            let kinds: [SyscallRecorder.Kind] = calls.map(\.kind).filter { $0 == .poll || $0 == .accept }
            #expect(kinds == [.poll, .accept, .poll, .accept])
            #expect(calls.first { $0.kind == .accept }?.errno == .wouldBlock)
        }

        @Test("A blocking accept that finds nothing waits with poll, bounded by SO_RCVTIMEO as the kernel's is")
        func blockingAccept() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let (port, calls) = try recording(SyscallRecorder.failing(.accept, with: .wouldBlock)) {
                try listener.accept().remoteAddress.port
            }
            #expect(port == client.localAddress.port)
            #expect(
                calls.map(\.description).filter { $0 != "getsockname" && $0 != "close" }
                    == ["accept", "getsockopt(receiveTimeout)", "poll", "accept"]
            )

            let timed = try ListeningSocket(address: anyLoopbackPort, options: [.receiveTimeout(.milliseconds(50))])
            #expect(throws: SocketError.system(.accept, .wouldBlock)) { _ = try timed.accept() }
        }

        @Test("A signal during accept(timeout:) returns nil; a failing poll is a typed error")
        func pollInterruptedOrFailing() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let (interrupted, _) = try recording(SyscallRecorder.failing(.poll, with: .interrupted)) {
                guard let connection = try listener.accept(timeout: .seconds(5)) else { return true }
                _ = connection
                return false
            }
            #expect(interrupted)
            #expect(throws: SocketError.system(.accept, .noMemory)) {
                try recording(SyscallRecorder.failing(.poll, with: .noMemory)) {
                    _ = try listener.accept(timeout: .seconds(5))
                }
            }
        }

        @Test("A receive after poll that finds nothing (EAGAIN) polls again, on UDP and on TCP")
        func receiveAfterPollFindsNothing() throws {
            let datagrams = try DatagramSocket(address: anyLoopbackPort)
            try datagrams.send([7], to: datagrams.localAddress)
            let (datagram, udpCalls) = try recording(SyscallRecorder.failing(.recvfrom, with: .wouldBlock)) {
                try datagrams.receive(timeout: .seconds(2))
            }
            #expect(datagram?.bytes == [7])
            #expect(udpCalls.map(\.kind) == [.poll, .recvfrom, .poll, .recvfrom])

            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let server = try listener.accept()
            try client.send("hi")
            let (bytes, tcpCalls) = try recording(SyscallRecorder.failing(.recv, with: .wouldBlock)) {
                try server.receive(upTo: 2, timeout: .seconds(2))
            }
            #expect(bytes == Array("hi".utf8))
            #expect(tcpCalls.map(\.kind) == [.poll, .recv, .poll, .recv])
        }

        @Test("A listener is O_NONBLOCK while owned; releaseDescriptor hands it back as it came")
        func nonBlockingState() throws {
            func isNonBlocking(_ fd: CInt) -> Bool { fcntl(fd, F_GETFL) & O_NONBLOCK != 0 }
            let made = try ListeningSocket(address: anyLoopbackPort)
            #expect(isNonBlocking(made.descriptor.rawValue))
            let released = made.releaseDescriptor()
            defer { close(released) }
            #expect(!isNonBlocking(released), "made here: released blocking, as socket() makes it")
            #expect(fcntl(released, F_GETFD) & FD_CLOEXEC != 0)

            let adoptedBlocking = try ListeningSocket(adopting: dup(released))
            #expect(isNonBlocking(released), "the flag is the open file description's, shared with the dup")
            close(adoptedBlocking.releaseDescriptor())
            #expect(!isNonBlocking(released))

            #expect(fcntl(released, F_SETFL, fcntl(released, F_GETFL) | O_NONBLOCK) == 0)
            let adoptedNonBlocking = try ListeningSocket(adopting: dup(released))
            close(adoptedNonBlocking.releaseDescriptor())
            #expect(isNonBlocking(released), "adopted non-blocking: released non-blocking")

            // Accepted connections block, whatever the listener: Linux's accept4 does not pass O_NONBLOCK on.
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let server = try listener.accept()
            #expect(!isNonBlocking(server.descriptor.rawValue) && !isNonBlocking(client.descriptor.rawValue))
        }
    }
}
