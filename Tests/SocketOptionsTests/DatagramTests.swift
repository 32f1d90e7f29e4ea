// SocketOptions tests: bound datagram sockets.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("DatagramSocket")
    struct DatagramTests {
        @Test("A datagram goes out and comes back with its sender")
        func echo() throws {
            let server = try DatagramSocket(address: anyLoopbackPort)
            let client = try DatagramSocket(address: anyLoopbackPort)
            try client.send(Array("ping".utf8), to: server.localAddress)
            let received = try server.receive()
            #expect(received.bytes == Array("ping".utf8))
            #expect(received.sender == client.localAddress)
            try server.send(Array("pong".utf8), to: received.sender)
            #expect(try client.receive(timeout: .seconds(5))?.bytes == Array("pong".utf8))
            #expect(try client.receive(timeout: .milliseconds(20)) == nil)
            #expect(
                try BorrowedSocket(borrowing: server.descriptor.rawValue).option(.type) == .type(.datagram)
            )
        }

        @Test("Two reusePort sockets on one port both receive datagrams from many source ports")
        func reusePortSpreadsDatagrams() throws {
            let options: [SocketOption] = [.reusePort(true)]
            let first = try DatagramSocket(address: anyLoopbackPort, options: options)
            let second = try DatagramSocket(address: first.localAddress, options: options)
            #expect(second.localAddress == first.localAddress)
            let count = 64
            for index in 0..<count {
                // A new socket each time: a new source port, so a new hash.
                let sender = try DatagramSocket(address: anyLoopbackPort)
                try sender.send([UInt8(index)], to: first.localAddress)
            }
            var toFirst = 0
            while try first.receive(timeout: .milliseconds(200)) != nil { toFirst += 1 }
            var toSecond = 0
            while try second.receive(timeout: .milliseconds(200)) != nil { toSecond += 1 }
            #expect(toFirst + toSecond == count)
            #expect(toFirst > 0 && toSecond > 0, "first got \(toFirst), second got \(toSecond)")
        }

        @Test("UDP options are verified, and TCP options refused before any call")
        func options() throws {
            let socket = try DatagramSocket(
                address: .ipv6Any(port: 0),
                options: [.broadcast(true), .ipv6MulticastHops(5), .receiveBufferSize(65536)]
            )
            #expect(
                socket.appliedOptions.map(\.effective) == [
                    .broadcast(true), .ipv6MulticastHops(5), .receiveBufferSize(131_072), .ipv6Only(false),
                ]
            )
            #expect(try socket.option(.ipv6MulticastHops) == .ipv6MulticastHops(5))
            let (_, calls) = recording {
                #expect(throws: SocketError.optionNotSupported(.noDelay, socket: TestSocketKind.udp4.kind, errno: nil))
                {
                    _ = try DatagramSocket(address: anyLoopbackPort, options: [.noDelay(true)])
                }
            }
            #expect(calls.isEmpty)
        }

        @Test("A second socket on a used port without reusePort is .addressInUse, and nothing leaks")
        func addressInUse() throws {
            let holder = try DatagramSocket(address: anyLoopbackPort)
            let before = openDescriptorTargets()
            #expect(throws: SocketError.addressInUse(holder.localAddress, errno: .addressInUse)) {
                _ = try DatagramSocket(address: holder.localAddress)
            }
            #expect(descriptorsAdded(since: before).isEmpty)
        }
    }
}
