// SocketOptions tests: the four reasons for SO_REUSEADDR and SO_REUSEPORT, on a real kernel.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("Address and port reuse")
    struct ReuseTests {
        @Test("A second listener on a port in use gets .addressInUse carrying its address")
        func secondListenerGetsAddressInUse() throws {
            let first = try ListeningSocket(address: anyLoopbackPort)
            let port = first.localAddress.port
            let taken = try SocketAddress("127.0.0.1:\(port)")
            #expect(throws: SocketError.addressInUse(taken, errno: .addressInUse)) {
                _ = try ListeningSocket(address: taken)
            }
            // SO_REUSEADDR never lets a second socket listen beside an active listener, and the
            // wildcard overlaps the loopback address.
            let wildcard = SocketAddress.ipv4Any(port: port)
            #expect(throws: SocketError.addressInUse(wildcard, errno: .addressInUse)) {
                _ = try ListeningSocket(address: wildcard, options: [.reuseAddress(true)])
            }
        }

        /// Makes `count` connections to `listener`, each closed by the server first, so that the
        /// server's side of each stays in TIME_WAIT on the listener's port. Throws if a client does
        /// not read what the server sent: it runs on a namespace thread, where nothing is recorded.
        private func closeConnectionsServerFirst(_ listener: borrowing ListeningSocket, count: Int) throws {
            for _ in 0..<count {
                let client = try Connection(connectingTo: listener.localAddress)
                let server = try listener.accept()
                try server.send("bye\n")
                try server.close()
                let received = try client.receiveAll()
                guard received == Array("bye\n".utf8) else {
                    throw NamespaceFailure(step: "the client read \(received), not \"bye\"", errno: 0)
                }
                try client.close()
            }
        }

        // The TIME_WAIT tests run in a namespace of their own: on the machine's, other processes'
        // connection storms fill the TIME_WAIT table, and the kernel then closes new TIME_WAIT
        // sockets at once (net.ipv4.tcp_max_tw_buckets; TcpExt TCPTimeWaitOverflow counts them).

        @Test("Restart through TIME_WAIT: binds with reuseAddress, .addressInUse without")
        func restartThroughTimeWait() throws {
            let (address, seen) = try inPrivateNetworkNamespace { () throws -> (SocketAddress, [String]) in
                try runToEnd(["/usr/sbin/ip", "link", "set", "lo", "up"])
                let old = try listenerOnCleanPort(options: [.reuseAddress(true)])
                let address = old.localAddress
                try closeConnectionsServerFirst(old, count: 3)
                try old.close()

                // The connections the server closed first hold the port now; nothing listens on it.
                var seen = [
                    "TIME_WAIT \(tcpSockets(localPort: address.port, state: "06"))",
                    "LISTEN \(tcpSockets(localPort: address.port, state: "0A"))",
                ]
                do throws(SocketError) {
                    _ = try ListeningSocket(address: address, options: [.reuseAddress(false)])
                    seen.append("bound without reuseAddress")
                } catch {
                    seen.append("without reuseAddress: \(error == .addressInUse(address, errno: .addressInUse))")
                }
                let restarted = try ListeningSocket(address: address, options: [.reuseAddress(true)])
                let client = try Connection(connectingTo: address)
                let accepted = try restarted.accept()
                seen.append(
                    "restarted on \(restarted.localAddress), accepted \(accepted.remoteAddress == client.localAddress)"
                )
                return (address, seen)
            }
            #expect(seen.count == 4)
            #expect(seen.first.flatMap { Int($0.dropFirst("TIME_WAIT ".count)) }.map { $0 >= 1 } == true, "\(seen)")
            #expect(
                seen.dropFirst()
                    == ["LISTEN 0", "without reuseAddress: true", "restarted on \(address), accepted true"]
            )
        }

        @Test("Restart through TIME_WAIT given only an unrelated option: the default SO_REUSEADDR binds it")
        func restartWithUnrelatedOption() throws {
            let (address, timeWait, restartedOn) = try inPrivateNetworkNamespace {
                () throws -> (SocketAddress, Int, SocketAddress) in
                try runToEnd(["/usr/sbin/ip", "link", "set", "lo", "up"])
                let old = try listenerOnCleanPort(options: [.receiveBufferSize(1 << 16)])
                let address = old.localAddress
                try closeConnectionsServerFirst(old, count: 3)
                try old.close()
                let timeWait = tcpSockets(localPort: address.port, state: "06")
                let restarted = try ListeningSocket(address: address, options: [.sendBufferSize(1 << 16)])
                return (address, timeWait, restarted.localAddress)
            }
            #expect(timeWait >= 1, "expected TIME_WAIT on the port")
            #expect(restartedOn == address)
        }

        @Test("Two reusePort listeners share one port and both receive connections")
        func reusePortSharesConnections() throws {
            let options: [SocketOption] = [.reuseAddress(true), .reusePort(true)]
            let first = try listenerOnCleanPort(options: options)
            let second = try ListeningSocket(address: first.localAddress, options: options)
            #expect(second.localAddress == first.localAddress)
            #expect(tcpSockets(localPort: first.localAddress.port, state: "0A") == 2)

            let connections = 64
            for _ in 0..<connections {
                // Each client hands its connection to the kernel's accept queue of one listener
                // (chosen by a hash of the addresses), then goes; the queue keeps it.
                try Connection(connectingTo: first.localAddress).close()
            }
            let toFirst = try drain(first)
            let toSecond = try drain(second)
            #expect(toFirst + toSecond == connections)
            // All 64 on one side has a chance of 2^-63 under a fair hash.
            #expect(toFirst > 0 && toSecond > 0, "first got \(toFirst), second got \(toSecond)")
        }

        @Test("Without reusePort on both, a second listener cannot join the port")
        func reusePortMustBeOnEverySocket() throws {
            let first = try ListeningSocket(address: anyLoopbackPort, options: [.reusePort(true)])
            #expect(throws: SocketError.addressInUse(first.localAddress, errno: .addressInUse)) {
                _ = try ListeningSocket(address: first.localAddress, options: [.reuseAddress(true)])
            }
            let plain = try ListeningSocket(address: anyLoopbackPort, options: [.reuseAddress(false)])
            #expect(throws: SocketError.addressInUse(plain.localAddress, errno: .addressInUse)) {
                _ = try ListeningSocket(address: plain.localAddress, options: [.reusePort(true)])
            }
        }
    }
}
