// SocketOptions tests: connect and send keep their bound when the other end does not take what
// they give: a Unix server that never accepts, a receiver that never reads.

import Foundation
import Glibc
import Testing

@testable import SocketOptions

/// Runs `body` on its own thread and returns what it returned, or nil when it did not finish
/// within `seconds`; then `release` is run (it must unblock `body`) and the thread waited for again.
func finishing<Value: Sendable>(
    within seconds: Double = 5,
    _ body: @escaping @Sendable () -> Value,
    release: () -> Void
) -> Value? {
    let result = RaceBox<Value>()
    let finished = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        result.set(body())
        finished.signal()
    }
    if finished.wait(timeout: .now() + seconds) == .success { return result.value }
    release()
    _ = finished.wait(timeout: .now() + seconds)
    return nil
}

final class RaceBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?
    func set(_ value: Value) { lock.withLock { stored = value } }
    var value: Value? { lock.withLock { stored } }
}

/// The error `body` threw; nil when it threw none.
func connectError(_ body: () throws(SocketError) -> Void) -> SocketError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// A raw sockaddr_un for `path`.
func rawUnixAddress(_ path: String) -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
        for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
    }
    return address
}

func rawBind(_ fd: CInt, _ path: String) -> CInt {
    var address = rawUnixAddress(path)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
}

func rawConnect(_ fd: CInt, _ path: String) -> CInt {
    var address = rawUnixAddress(path)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
}

extension KernelTests {
    @Suite("Connect and send keep their bound")
    struct BoundedCallTests {
        @Test("connect(timeout: 300 ms) to a Unix server whose accept queue is full throws ETIMEDOUT")
        func connectTimesOutOnFullAcceptQueue() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/full.sock"
                var server = rawSocket(AF_UNIX)
                defer { if server >= 0 { close(server) } }
                #expect(rawBind(server, path) == 0)
                // Backlog 0: the kernel queues one connection (unix_recvq_full is "more than the
                // backlog"), and refuses the next one while nobody accepts.
                #expect(listen(server, 0) == 0)
                var clients: [CInt] = []
                defer { for fd in clients { close(fd) } }
                var full = false
                for _ in 0..<8 where !full {
                    let fd = rawSocket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue))
                    clients.append(fd)
                    if rawConnect(fd, path) != 0 && errno == EAGAIN { full = true }
                }
                try #require(full, "the accept queue never filled")
                let address = try SocketAddress.unix(path: path)
                let outcome = finishing(
                    {
                        connectError { () throws(SocketError) in
                            try Connection(connectingTo: address, timeout: .milliseconds(300)).close()
                        }
                    },
                    release: {
                        // Unblocks a connect that would wait for ever: the server goes away.
                        close(server)
                        server = -1
                    }
                )
                // nil: it hung; .some(nil): it connected.
                let expected: SocketError?? = .some(.system(.connect(address), .timedOut))
                #expect(outcome == expected)
            }
        }

        @Test(
            "send(to:timeout: 200 ms) to a Unix datagram receiver that never reads throws EAGAIN once its queue is full"
        )
        func datagramSendTimesOutWhenReceiverDoesNotRead() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/deaf.sock"
                var receiver = rawSocket(AF_UNIX, CInt(SOCK_DGRAM.rawValue))
                defer { if receiver >= 0 { close(receiver) } }
                #expect(rawBind(receiver, path) == 0)
                let sender = try DatagramSocket(address: try SocketAddress.unix(path: directory + "/sender.sock"))
                let target = try SocketAddress.unix(path: path)
                let shared = SharedSocket(sender)
                let outcome = finishing(
                    {
                        // The queue holds net.unix.max_dgram_qlen datagrams (10 by default): far
                        // fewer than this many sends fill it.
                        for _ in 0..<100_000 {
                            if let error = connectError({ () throws(SocketError) in
                                try shared.socket.send([1, 2, 3], to: target, timeout: .milliseconds(200))
                            }) {
                                return Optional(error)
                            }
                        }
                        return nil
                    },
                    release: {
                        close(receiver)
                        receiver = -1
                    }
                )
                let expected: SocketError?? = .some(.system(.send, .wouldBlock))
                #expect(outcome == expected)
            }
        }

        @Test("send(timeout: 300 ms) of 64 MiB to a TCP peer that never reads throws EAGAIN")
        func connectionSendTimesOutWhenPeerDoesNotRead() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [.receiveBufferSize(4096)])
            let client = try Connection(connectingTo: listener.localAddress)
            try client.setOption(.sendBufferSize(4096))
            guard let peer = try listener.accept(timeout: .seconds(5)) else {
                Issue.record("the connection was not accepted")
                return
            }
            let shared = SharedSocket(client)
            let bytes = [UInt8](repeating: 7, count: 64 << 20)
            let outcome = finishing(
                {
                    connectError { () throws(SocketError) in try shared.socket.send(bytes, timeout: .milliseconds(300))
                    }
                },
                release: {
                    // Unblocks a send that would wait for ever: the peer reads everything.
                    while let chunk = try? peer.receive(upTo: 1 << 20, timeout: .seconds(1)), !chunk.isEmpty {}
                }
            )
            let expected: SocketError?? = .some(.system(.send, .wouldBlock))
            #expect(outcome == expected)
            try peer.close()
        }
    }
}
