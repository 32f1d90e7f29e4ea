// SocketOptions tests: options on accepted connections, what they inherit, and TCP_INFO.

import Glibc
import Testing

@testable import SocketOptions

/// The catalogue rows a TCP listener can take and whose value on an accepted connection is
/// predictable: the listener's value, or the default of a new socket.
let inheritanceRows = catalogue.filter { row in
    (row.kinds.contains(.tcp4) || row.kinds.contains(.tcp6)) && !row.option.name.isForListenersOnly
        // The negotiated MSS and the CPU that handled the handshake depend on the path, not on the listener.
        && row.option.name != .maxSegment && row.option.name != .incomingCPU
}

extension KernelTests {
    @Suite("Options on connections")
    struct ConnectionOptionsTests {
        @Test(
            "An accepted connection starts with the listener's value exactly where the option is inherited",
            arguments: inheritanceRows
        )
        func acceptedConnectionsInherit(row: CatalogueCase) throws {
            let kind: TestSocketKind = row.kinds.contains(.tcp4) ? .tcp4 : .tcp6
            let address = kind == .tcp4 ? anyLoopbackPort : SocketAddress.ipv6Loopback(port: 0)
            let listener = try ListeningSocket(address: address, options: [row.option])
            let client = try Connection(connectingTo: listener.localAddress)
            let accepted = try listener.accept()
            let record = listener.applied(row.option.name)
            let onListener = try #require(record).effective
            let expected = row.option.name.isInheritedByAcceptedConnections ? onListener : row.defaultValue(kind)
            #expect(try accepted.option(row.option.name) == expected)
            _ = client
        }

        @Test("The options the issue names are inherited: no delay, keepalive, buffer sizes")
        func namedOptionsAreInherited() throws {
            let listener = try ListeningSocket(
                address: anyLoopbackPort,
                options: [.noDelay(true), .keepAlive(true), .receiveBufferSize(65536), .sendBufferSize(65536)]
            )
            let client = try Connection(connectingTo: listener.localAddress)
            let accepted = try listener.accept()
            let fd = accepted.descriptor.rawValue
            #expect(rawIntOption(fd, CInt(IPPROTO_TCP), TCP_NODELAY) == 1)
            #expect(rawIntOption(fd, SOL_SOCKET, SO_KEEPALIVE) == 1)
            #expect(rawIntOption(fd, SOL_SOCKET, SO_RCVBUF) == 131_072)
            #expect(rawIntOption(fd, SOL_SOCKET, SO_SNDBUF) == 131_072)
            #expect(rawIntOption(client.descriptor.rawValue, CInt(IPPROTO_TCP), TCP_NODELAY) == 0)
        }

        @Test("A connection takes the options that make sense there and reads them back")
        func connectionSetsOptions() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let accepted = try listener.accept()
            let fd = accepted.descriptor.rawValue
            #expect(try accepted.setOption(.noDelay(true)).effective == .noDelay(true))
            #expect(rawIntOption(fd, CInt(IPPROTO_TCP), TCP_NODELAY) == 1)
            #expect(try accepted.setOption(.keepAliveIdle(.seconds(30))).effective == .keepAliveIdle(.seconds(30)))
            #expect(rawIntOption(fd, CInt(IPPROTO_TCP), TCP_KEEPIDLE) == 30)
            #expect(try accepted.setOption(.userTimeout(.seconds(10))).effective == .userTimeout(.seconds(10)))
            #expect(rawIntOption(fd, CInt(IPPROTO_TCP), TCP_USER_TIMEOUT) == 10_000)
            #expect(try accepted.setOption(.linger(.seconds(2))).effective == .linger(.seconds(2)))
            #expect(try accepted.setOption(.sendBufferSize(32768)).effective == .sendBufferSize(65536))
            #expect(try client.setOption(.receiveTimeout(.seconds(1))).effective == .receiveTimeout(.seconds(1)))
        }

        @Test(
            "A connection refuses options that must precede bind or are for listeners, before any call",
            arguments: [
                SocketOption.reuseAddress(true), .reusePort(true), .bindToDevice("lo"), .fastOpen(16),
                .deferAccept(.seconds(5)),
            ]
        )
        func connectionRefusesListenerOptions(option: SocketOption) throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let (_, calls) = recording {
                #expect {
                    try client.setOption(option)
                } throws: { error in
                    guard case .optionNotApplicable(let name, let reason) = error as? SocketError else { return false }
                    return name == option.name && reason.contains("listener")
                }
            }
            #expect(calls.isEmpty)
        }

        @Test("TCP_INFO reports an established connection and a listener's queue")
        func tcpInfo() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort, backlog: 7)
            let client = try Connection(connectingTo: listener.localAddress)
            let second = try Connection(connectingTo: listener.localAddress)
            let listening = try listener.tcpInfo()
            #expect(listening.state == .listen)
            #expect(listening.acceptQueueLimit == 7)
            #expect(listening.unacknowledged == 2, "two connections wait in the accept queue")

            let accepted = try listener.accept()
            try client.send("hello")
            #expect(try accepted.receive() == Array("hello".utf8))
            let info = try accepted.tcpInfo()
            #expect(info.state == .established)
            #expect(info.roundTripTime > .zero && info.roundTripTime < .seconds(1))
            #expect(info.congestionWindow >= 1)
            #expect(info.totalRetransmits == 0)
            try client.close()
            _ = try accepted.receive()
            #expect(try accepted.tcpInfo().state == .closeWait)
            _ = second
        }

        @Test("A listener whose backlog exceeds somaxconn keeps somaxconn, as TCP_INFO shows")
        func backlogIsCapped() throws {
            let somaxconn = try #require(sysctl("net/core/somaxconn"))
            let listener = try ListeningSocket(address: anyLoopbackPort, backlog: somaxconn + 1000)
            #expect(try listener.tcpInfo().acceptQueueLimit == somaxconn)
        }
    }
}
