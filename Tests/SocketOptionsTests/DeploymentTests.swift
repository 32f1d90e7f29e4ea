// SocketOptions tests: listeners for real deployments: dual stack, Unix domain, adoption,
// socket activation, hand-off.

import Glibc
import Testing

@testable import SocketOptions

/// A fresh directory under /tmp for socket files, removed with its contents afterwards.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    var template = Array("/tmp/socketoptions-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw SocketError.system(.socket, Errno(rawValue: errno)) }
    let directory = String(cString: made)
    defer {
        if let listing = opendir(directory) {
            while let entry = readdir(listing) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { unlink(directory + "/" + name) }
            }
            closedir(listing)
        }
        rmdir(directory)
    }
    return try body(directory)
}

func fileExists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
}

func fileMode(_ path: String) -> UInt32 {
    var status = stat()
    return lstat(path, &status) == 0 ? UInt32(status.st_mode) : 0
}

extension KernelTests {
    @Suite("Dual stack and IPv6")
    struct DualStackTests {
        @Test("A [::] listener serves IPv4 and IPv6 clients, whatever bindv6only says")
        func dualStackTakesBothFamilies() throws {
            let listener = try ListeningSocket(address: .ipv6Any(port: 0))
            #expect(listener.appliedOptions.last?.requested == .ipv6Only(false))
            #expect(try listener.option(.ipv6Only) == .ipv6Only(false))
            let port = listener.localAddress.port
            let v4 = try Connection(connectingTo: .ipv4Loopback(port: port))
            let fromV4 = try listener.accept()
            // An IPv4 client reaches an IPv6 socket as an IPv4-mapped address.
            #expect(fromV4.remoteAddress.host == "::ffff:127.0.0.1")
            let v6 = try Connection(connectingTo: .ipv6Loopback(port: port))
            let fromV6 = try listener.accept()
            #expect(fromV6.remoteAddress.host == "::1")
            _ = v4
            _ = v6
            // Dual stack holds the IPv4 wildcard too.
            #expect(throws: SocketError.addressInUse(.ipv4Any(port: port), errno: .addressInUse)) {
                _ = try ListeningSocket(address: .ipv4Any(port: port))
            }
        }

        @Test("A v6-only listener refuses the IPv4 client and leaves 0.0.0.0:P free")
        func v6OnlyRefusesIPv4() throws {
            // A clean port: a leftover TIME_WAIT on the IPv4 side would hold 0.0.0.0:P.
            let listener = try listenerOnCleanPort(.ipv6Any(port: 0), options: [.reuseAddress(true), .ipv6Only(true)])
            let port = listener.localAddress.port
            #expect(throws: SocketError.system(.connect(.ipv4Loopback(port: port)), .connectionRefused)) {
                _ = try Connection(connectingTo: .ipv4Loopback(port: port))
            }
            let v4 = try ListeningSocket(address: .ipv4Any(port: port))
            #expect(v4.localAddress.port == port)
        }

        @Test("Scoped link-local addresses parse with an interface name or index")
        func scopedLinkLocal() throws {
            let named = try SocketAddress("[fe80::1%lo]:8080")
            // Printed with the index, not the name: a description does no I/O.
            #expect(named.description == "[fe80::1%\(if_nametoindex("lo"))]:8080")
            #expect(named.host == "fe80::1%\(if_nametoindex("lo"))")
            let numbered = try SocketAddress("[fe80::1%1]:8080")
            #expect(numbered == named, "lo is interface 1")
            let scope: UInt32 = named.withSockAddr { address, _ in
                address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_scope_id }
            }
            #expect(scope == if_nametoindex("lo"))
            #expect(throws: SocketError.invalidAddress("[fe80::1%nosuch0]:80")) {
                try SocketAddress("[fe80::1%nosuch0]:80")
            }
            #expect(SocketError.invalidAddress("[fe80::1%nosuch0]:80").description.contains("no network interface"))
        }
    }

    @Suite("Unix-domain listeners")
    struct UnixListenerTests {
        @Test("A Unix listener serves, sets the file mode, and removes its file on close")
        func servesAndCleansUp() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/app.sock"
                let listener = try ListeningSocket(address: try .unix(path: path), unixFileMode: 0o660)
                #expect(listener.localAddress == (try .unix(path: path)))
                #expect(fileMode(path) & 0o7777 == 0o660)
                #expect(fileMode(path) & UInt32(S_IFMT) == UInt32(S_IFSOCK))
                let client = try Connection(connectingTo: try .unix(path: path))
                let accepted = try listener.accept()
                try client.send("over unix")
                #expect(try accepted.receive() == Array("over unix".utf8))
                try listener.close()
                #expect(!fileExists(path))
            }
        }

        @Test("A stale socket file left by a dead server is removed and bound again")
        func staleFileRecovered() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/stale.sock"
                // A server that bound the path and died: its file stays, nothing listens.
                let dead = rawSocket(AF_UNIX, CInt(SOCK_STREAM.rawValue))
                let bound = try SocketAddress.unix(path: path).withSockAddr { bind(dead, $0, $1) }
                #expect(bound == 0)
                close(dead)
                #expect(fileExists(path))
                let listener = try ListeningSocket(address: try .unix(path: path))
                let client = try Connection(connectingTo: listener.localAddress)
                _ = try listener.accept()
                _ = client
            }
        }

        @Test("A live server's socket is never touched: .addressInUse, and it still serves")
        func liveServerUntouched() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/live.sock"
                let live = try ListeningSocket(address: try .unix(path: path))
                #expect(throws: SocketError.addressInUse(try .unix(path: path), errno: .wouldBlock)) {
                    _ = try ListeningSocket(address: try .unix(path: path))
                }
                let client = try Connection(connectingTo: try .unix(path: path))
                _ = try live.accept()
                _ = client
            }
        }

        @Test("A regular file at the path is never touched")
        func regularFileUntouched() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/data.txt"
                let file = try #require(fopen(path, "w"))
                fputs("precious", file)
                fclose(file)
                #expect(throws: SocketError.addressInUse(try .unix(path: path), errno: .fileExists)) {
                    _ = try ListeningSocket(address: try .unix(path: path))
                }
                #expect(readText(path) == "precious")
            }
        }

        @Test("Long, NUL-containing and empty paths are refused before any system call")
        func badPathsRefused() {
            let long = "/tmp/" + String(repeating: "x", count: 103)
            let (_, calls) = recording {
                #expect(throws: SocketError.invalidAddress("unix:" + long)) { _ = try SocketAddress.unix(path: long) }
                #expect(throws: SocketError.invalidAddress("unix:/tmp/a\u{0}b")) {
                    _ = try SocketAddress.unix(path: "/tmp/a\u{0}b")
                }
                #expect(throws: SocketError.invalidAddress("unix:")) { _ = try SocketAddress.unix(path: "") }
            }
            #expect(calls.isEmpty)
            #expect(SocketError.invalidAddress("unix:" + long).description.contains("is 108 bytes; sun_path holds 107"))
            // 107 bytes fit.
            #expect(throws: Never.self) {
                _ = try SocketAddress.unix(path: "/tmp/" + String(repeating: "x", count: 102))
            }
        }

        @Test("reusePort and TCP options on a Unix listener are refused before any system call")
        func unixRefusesIPOptions() throws {
            let address = try SocketAddress.unix(path: "/tmp/never-bound.sock")
            let (_, calls) = recording {
                #expect(
                    throws: SocketError.optionNotSupported(
                        .reusePort,
                        socket: SocketKind(family: .unix, type: .stream),
                        errno: nil
                    )
                ) {
                    _ = try ListeningSocket(address: address, options: [.reusePort(true)])
                }
                #expect(
                    throws: SocketError.optionNotSupported(
                        .noDelay,
                        socket: SocketKind(family: .unix, type: .stream),
                        errno: nil
                    )
                ) {
                    _ = try ListeningSocket(address: address, options: [.noDelay(true)])
                }
                #expect(throws: SocketError.invalidFileMode(0o10000)) {
                    _ = try ListeningSocket(address: address, unixFileMode: 0o10000)
                }
                #expect(throws: SocketError.invalidFileMode(0o600)) {
                    _ = try ListeningSocket(address: anyLoopbackPort, unixFileMode: 0o600)
                }
            }
            #expect(calls.isEmpty)
            // The kernel agrees: SO_REUSEPORT on a Unix socket is EOPNOTSUPP.
            let fd = rawSocket(AF_UNIX, CInt(SOCK_STREAM.rawValue))
            defer { close(fd) }
            var one: CInt = 1
            #expect(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<CInt>.size)) == -1)
            #expect(errno == EOPNOTSUPP)
        }

        @Test("An abstract-namespace listener serves and leaves no file")
        func abstractNamespace() throws {
            let name = "socketoptions-test-\(getpid())"
            let address = try SocketAddress.abstractUnix(name: name)
            #expect(address.description == "unix:@\(name)")
            #expect(try SocketAddress("unix:@\(name)") == address)
            let listener = try ListeningSocket(address: address)
            #expect(listener.localAddress == address)
            let client = try Connection(connectingTo: address)
            _ = try listener.accept()
            _ = client
            #expect(!fileExists(name) && !fileExists("@" + name))
        }

        @Test("An abstract-namespace datagram socket is bound at its name, which its peers answer to")
        func abstractNamespaceDatagram() throws {
            let address = try SocketAddress.abstractUnix(name: "socketoptions-datagram-\(getpid())")
            let server = try DatagramSocket(address: address)
            #expect(server.localAddress == address)
            let client = try DatagramSocket(
                address: try SocketAddress.abstractUnix(name: "socketoptions-datagram-client-\(getpid())")
            )
            try client.send([7], to: address, timeout: .seconds(5))
            let datagram = try #require(try server.receive(timeout: .seconds(5)))
            #expect(datagram.bytes == [7])
            #expect(datagram.sender == client.localAddress)
            try client.close()
            try server.close()
        }
    }

    @Suite("Adopting, activation and hand-off")
    struct AdoptionTests {
        @Test("A listening socket made elsewhere is adopted, made close-on-exec, and serves")
        func adoptsListener() throws {
            let fd = rawSocket()
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            #expect(bound == 0 && listen(fd, 8) == 0)
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC == 0)
            let listener = try ListeningSocket(adopting: fd)
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
            #expect(listener.localAddress.host == "127.0.0.1" && listener.localAddress.port != 0)
            #expect(listener.appliedOptions.isEmpty)
            let client = try Connection(connectingTo: listener.localAddress)
            _ = try listener.accept()
            _ = client
            try listener.close()
            #expect(fcntl(fd, F_GETFD) == -1, "the adopted descriptor is owned and closed")
        }

        @Test("Adoption refuses a UDP socket, a connected socket, a non-socket and fd -1, and leaves them open")
        func adoptionRefuses() throws {
            let udp = TestSocketKind.udp4.makeSocket()
            defer { close(udp) }
            #expect {
                _ = try ListeningSocket(adopting: udp)
            } throws: { error in
                guard case .notAListener(udp, let reason) = error as? SocketError else { return false }
                return reason.contains("datagram")
            }
            #expect(fcntl(udp, F_GETFD) != -1)

            let server = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: server.localAddress)
            #expect {
                _ = try ListeningSocket(adopting: client.descriptor.rawValue)
            } throws: { error in
                guard case .notAListener(_, let reason) = error as? SocketError else { return false }
                return reason.contains("not listening")
            }

            var ends: [CInt] = [0, 0]
            #expect(pipe(&ends) == 0)
            defer { for end in ends { close(end) } }
            #expect(throws: SocketError.notAListener(descriptor: ends[0], reason: "it is not a socket")) {
                _ = try ListeningSocket(adopting: ends[0])
            }
            #expect(throws: SocketError.notAListener(descriptor: -1, reason: "-1 is not a descriptor")) {
                _ = try ListeningSocket(adopting: -1)
            }
        }

        @Test("releaseDescriptor hands the socket off open, and leaves a Unix file in place")
        func releaseHandsOff() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let address = listener.localAddress
            let fd = listener.releaseDescriptor()
            #expect(fcntl(fd, F_GETFD) != -1)
            let client = try Connection(connectingTo: address)
            let adopted = try ListeningSocket(adopting: fd)
            _ = try adopted.accept()
            _ = client

            try withTemporaryDirectory { directory in
                let path = directory + "/handed.sock"
                let unixListener = try ListeningSocket(address: try .unix(path: path))
                let unixFD = unixListener.releaseDescriptor()
                #expect(fileExists(path))
                close(unixFD)
            }
        }

        @Test(
            "The activation environment is read by the protocol's rules",
            arguments: [
                (String?.none, String?.none, String?.none, [SocketActivation.Descriptor]()),
                ("4242", "2", nil, [.init(rawValue: 3, name: nil), .init(rawValue: 4, name: nil)]),
                ("4242", "2", "http:admin", [.init(rawValue: 3, name: "http"), .init(rawValue: 4, name: "admin")]),
                ("1", "2", nil, []),  // another process's variables, inherited: not ours
                ("4242", "0", nil, []),
                ("4242", "0", "", []),  // no descriptors, no names: an empty LISTEN_FDNAMES
            ]
        )
        func activationEnvironment(
            pid: String?,
            fds: String?,
            names: String?,
            expected: [SocketActivation.Descriptor]
        )
            throws
        {
            #expect(try SocketActivation.parse(pid: pid, fds: fds, names: names, ownPID: 4242) == expected)
        }

        @Test("A malformed activation environment is .invalidActivation")
        func activationMalformed() {
            for (pid, fds, names) in [
                (String?.none, "1", String?.none), ("x", "1", nil), ("4242", "-1", nil),
                ("4242", "2", "only-one"),
            ] {
                #expect(throws: SocketError.self) {
                    _ = try SocketActivation.parse(pid: pid, fds: fds, names: names, ownPID: 4242)
                }
            }
        }
    }
}
