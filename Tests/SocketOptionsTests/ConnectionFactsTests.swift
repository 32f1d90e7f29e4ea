// SocketOptions tests: the read-only options that report facts about a socket or its peer: the
// socket's cookie, the peer's credentials, the path MTU, the NAPI id, the original destination.
//
// Each is checked against a witness outside the package: `ss -e` prints the cookie as "sk:", the
// peer's credentials are those of the process that connected (this one, or a child run as nobody),
// the path MTU over loopback is lo's MTU (IPv4 caps it at 65535, IP_MAX_MTU), the original
// destination is the port an nftables rule (nft, from .ci/tools) redirected in a private namespace.

import Foundation
import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("Facts a socket reports about itself and its peer")
    struct ConnectionFactsTests {
        @Test("SO_COOKIE is the number ss prints as sk:, stable, and different for another socket")
        func cookieIsWhatSsShows() throws {
            let listener = try listenerOnCleanPort()
            let other = try ListeningSocket(address: anyLoopbackPort)
            guard case .cookie(let cookie) = try listener.option(.cookie) else {
                Issue.record("no cookie")
                return
            }
            #expect(try listener.option(.cookie) == .cookie(cookie), "a cookie never changes")
            #expect(try other.option(.cookie) != .cookie(cookie))
            let ss = Process()
            ss.executableURL = URL(fileURLWithPath: "/usr/bin/ss")
            ss.arguments = ["-tlne", "sport = :\(listener.localAddress.port)"]
            let output = Pipe()
            ss.standardOutput = output
            try ss.run()
            ss.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(text.contains(" sk:\(String(cookie, radix: 16)) "), "ss -e printed: \(text)")
            try listener.close()
            try other.close()
        }

        @Test("SO_PEERCRED on a Unix connection names the connecting process: this one")
        func peerCredentialsOfThisProcess() throws {
            try withTemporaryDirectory { directory in
                let address = try SocketAddress.unix(path: directory + "/peer.sock")
                let listener = try ListeningSocket(address: address)
                let client = try Connection(connectingTo: address)
                let server = try listener.accept()
                let expected = PeerCredentials(processID: getpid(), userID: getuid(), groupID: getgid())
                #expect(try server.option(.peerCredentials) == .peerCredentials(expected))
                // The client's peer is the listener, created by this process too.
                #expect(try client.option(.peerCredentials) == .peerCredentials(expected))
                try server.close()
                try client.close()
                try listener.close()
            }
        }

        @Test("SO_PEERCRED names another user's process by its pid and uid 65534")
        func peerCredentialsOfAnotherUser() throws {
            try withTemporaryDirectory { directory in
                // The directory must let nobody reach the socket.
                chmod(directory, 0o755)
                let path = directory + "/peer.sock"
                let address = try SocketAddress.unix(path: path)
                let listener = try ListeningSocket(address: address, unixFileMode: 0o666)
                let child = Process()
                child.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                child.arguments = [
                    "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "/usr/bin/python3", "-c",
                    "import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.recv(1)", path,
                ]
                try child.run()
                defer { child.waitUntilExit() }
                guard let server = try listener.accept(timeout: .seconds(10)) else {
                    Issue.record("the child did not connect in 10 s")
                    return
                }
                let expected = PeerCredentials(processID: child.processIdentifier, userID: 65534, groupID: 65534)
                #expect(try server.option(.peerCredentials) == .peerCredentials(expected))
                try server.close()
                try listener.close()
            }
        }

        @Test("A TCP socket has no peer credentials: nil")
        func tcpHasNoPeerCredentials() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            #expect(try listener.option(.peerCredentials) == .peerCredentials(nil))
            try listener.close()
        }

        @Test("IP_MTU over loopback is lo's MTU, capped at 65535 for IPv4; unconnected it is ENOTCONN")
        func pathMTUOverLoopback() throws {
            let loMTU = Int((readText("/sys/class/net/lo/mtu") ?? "").trimmingCharacters(in: "\n")) ?? -1
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let server = try listener.accept()
            #expect(try client.option(.pathMTU) == .pathMTU(min(loMTU, 65535)))
            #expect(try server.option(.pathMTU) == .pathMTU(min(loMTU, 65535)))
            #expect(throws: SocketError.system(.getReadOnlyOption(.pathMTU), .notConnected)) {
                try listener.option(.pathMTU)
            }
            try server.close()
            try client.close()
            try listener.close()
        }

        @Test("SO_INCOMING_NAPI_ID is 0 over loopback, which has no NAPI instance")
        func napiIDIsZeroOnLoopback() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let server = try listener.accept()
            try client.send("ping")
            #expect(try server.receive(upTo: 4) == Array("ping".utf8))
            #expect(try server.option(.incomingNAPIID) == .incomingNAPIID(nil))
            try server.close()
            try client.close()
            try listener.close()
        }

        @Test("SO_ORIGINAL_DST of a connection no NAT rule redirected is the kernel's ENOENT")
        func originalDestinationWithoutRedirect() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let server = try listener.accept()
            #expect(throws: SocketError.system(.getReadOnlyOption(.originalDestination), .noSuchEntry)) {
                try server.option(.originalDestination)
            }
            try server.close()
            try client.close()
            try listener.close()
        }

        @Test(
            "SO_ORIGINAL_DST of a connection an nftables redirect sent elsewhere is the address the client dialled",
            arguments: [SocketAddress.ipv4Loopback(port: 0), .ipv6Any(port: 0)]
        )
        func originalDestinationAfterRedirect(listenerAddress: SocketAddress) throws {
            // The private namespace is empty, so the dialled port is free there whatever the machine runs.
            let dialledPort: UInt16 = 80
            let seen = try inPrivateNetworkNamespace { () throws -> RedirectedConnection in
                try runToEnd(["/usr/sbin/ip", "link", "set", "lo", "up"])
                // On `::` the connection arrives IPv4-mapped, and its original destination is still IPv4.
                let listener = try ListeningSocket(address: listenerAddress)
                let listeningPort = listener.localAddress.port
                // A NAT rule on the output hook applies to connections made on this host, as
                // iptables' `-t nat -A OUTPUT -j REDIRECT` does; conntrack then remembers the first address.
                try runToEnd(["/usr/sbin/nft", "add table ip proxy"])
                try runToEnd(["/usr/sbin/nft", "add chain ip proxy output { type nat hook output priority -100 ; }"])
                try runToEnd([
                    "/usr/sbin/nft",
                    "add rule ip proxy output ip daddr 127.0.0.1 tcp dport \(dialledPort) redirect to :\(listeningPort)",
                ])
                let client = try Connection(connectingTo: .ipv4Loopback(port: dialledPort), timeout: .seconds(10))
                guard let server = try listener.accept(timeout: .seconds(10)) else {
                    throw NamespaceFailure(step: "accept after the redirect", errno: 0)
                }
                let seen = RedirectedConnection(
                    listening: listeningPort,
                    clientPeer: peerAddress(of: client.rawDescriptor),
                    serverLocal: server.localAddress,
                    original: try server.option(.originalDestination),
                    originalValue: try server.value(.originalDestination)
                )
                try server.close()
                try client.close()
                try listener.close()
                return seen
            }
            #expect(seen.listening != dialledPort)
            // The client and the server see different ends of one connection: the rule did redirect it.
            #expect(seen.clientPeer == .ipv4Loopback(port: dialledPort))
            #expect(seen.serverLocal.port == seen.listening)
            #expect(seen.original == .originalDestination(.ipv4Loopback(port: dialledPort)))
            #expect(seen.originalValue == .ipv4Loopback(port: dialledPort))
        }
    }
}

/// What each side of a redirected connection saw, carried out of its namespace thread.
private struct RedirectedConnection {
    var listening: UInt16
    /// getpeername on the client: the address it dialled, since the kernel undoes the NAT for it.
    var clientPeer: SocketAddress?
    var serverLocal: SocketAddress
    var original: ReadOnlySocketOption
    var originalValue: SocketAddress
}

/// getpeername, read into a SocketAddress; nil when it fails.
private func peerAddress(of fd: CInt) -> SocketAddress? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = withUnsafeMutablePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
    }
    return result == 0 ? SocketAddress(storage: storage, length: length) : nil
}
