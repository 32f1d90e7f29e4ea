// SocketOptions tests: host names resolved with getaddrinfo, and text refused before any lookup.

import Glibc
import PlainThreads
import Synchronization
import Testing

@testable import SocketOptions

/// The addresses /etc/hosts gives `name`, in file order, each once (what the `files` source of
/// nsswitch returns); empty when the file does not list the name.
func hostsFileAddresses(_ name: String) -> [String] {
    var found: [String] = []
    for line in (readText("/etc/hosts") ?? "").split(separator: "\n") {
        let fields = line.prefix { $0 != "#" }.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2, fields.dropFirst().contains(where: { $0.lowercased() == name }) else { continue }
        let address = String(fields[0])
        if !found.contains(address) { found.append(address) }
    }
    return found
}

@Suite("Host names refused before any lookup")
struct ResolutionInputTests {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    @Test(
        "Text that is neither a host name nor an IP address in standard form is refused, and nothing is looked up",
        arguments: [
            "", "127.1", "0x7f.0.0.1", "1.2.3.256", "10.0.0.1.2", "bad host", "a..b", ".a", "-a.example", "a-.example",
            String(repeating: "a", count: 64) + ".example", "b\u{fc}cher.example", "a\u{0}b", "a/b", "a\u{1b}b",
            String(repeating: "a.", count: 127) + "ab", "::g", "[::1]",
        ]
    )
    func invalidHostRefused(host: String) {
        let (_, calls) = recording {
            #expect {
                _ = try SocketAddress.resolve(host: host, port: 80)
            } throws: { error in
                guard case .cannotResolve(host, .invalidHost(host, _))? = error as? SocketError else { return false }
                return true
            }
        }
        #expect(calls.isEmpty)
    }

    @Test(
        "A port out of range, missing, or a service name is refused before any lookup",
        arguments: ["localhost:70000", "localhost:http", "localhost:-1", "localhost:", "localhost", "localhost:080"]
    )
    func invalidPortRefused(text: String) {
        let (_, calls) = recording {
            #expect {
                _ = try SocketAddress.resolving(text)
            } throws: { error in
                guard case .cannotResolve(text, .invalidPort)? = error as? SocketError else { return false }
                return true
            }
        }
        #expect(calls.isEmpty)
    }

    @Test("Each EAI code getaddrinfo returns reaches the caller of resolve as its own failure, with no list to free")
    func lookupCodesReachTheCaller() {
        let codes: [(CInt, ResolutionFailure)] = [
            (EAI_NONAME, .noName), (EAI_AGAIN, .temporaryFailure), (EAI_FAIL, .permanentFailure),
            (EAI_SERVICE, .serviceNotSupported), (EAI_FAMILY, .familyNotSupported), (EAI_MEMORY, .outOfMemory),
            (EAI_BADFLAGS, .other(code: EAI_BADFLAGS, cName: "EAI_BADFLAGS")),
            (EAI_SOCKTYPE, .other(code: EAI_SOCKTYPE, cName: "EAI_SOCKTYPE")),
            // glibc's netdb.h: EAI_NODATA is -5, EAI_ADDRFAMILY -9 (GNU extensions).
            (-5, .noAddress), (-9, .other(code: -9, cName: "EAI_ADDRFAMILY")),
        ]
        for (code, failure) in codes {
            let recorder = SyscallRecorder()
            recorder.failLookup(with: code)
            recorder.failLookup(with: code)
            let (_, calls) = recording(recorder) {
                #expect(throws: SocketError.cannotResolve("example.test", failure)) {
                    _ = try SocketAddress.resolve(host: "example.test", port: 80)
                }
                #expect(throws: SocketError.cannotResolve("example.test:80", failure)) {
                    _ = try SocketAddress.resolving("example.test:80")
                }
            }
            // Two lookups, both ended with the code (none reached the C library), no list to free.
            #expect(calls.map(\.kind) == [.getaddrinfo, .getaddrinfo])
            #expect(calls.allSatisfy { $0.result == Int(code) })
        }
    }

    @Test("An empty host (\":8080\") is refused, saying to write 0.0.0.0:8080 or [::]:8080, before any lookup")
    func emptyHostNamesTheWildcards() {
        let (_, calls) = recording {
            #expect {
                _ = try SocketAddress.resolving(":8080")
            } throws: { error in
                guard case .cannotResolve(":8080", .invalidHost("", let reason))? = error as? SocketError else {
                    return false
                }
                return reason.contains("0.0.0.0:8080") && reason.contains("[::]:8080")
            }
        }
        #expect(calls.isEmpty)
    }

    @Test("An IP address in standard form round-trips without any lookup")
    func numericHostsRoundTrip() throws {
        let (results, calls) = try recording {
            [
                try SocketAddress.resolve(host: "127.0.0.1", port: 8080),
                try SocketAddress.resolve(host: "::1", port: 8080),
                try SocketAddress.resolving("[::1]:0"),
                try SocketAddress.resolving("192.0.2.7:65535"),
                try SocketAddress.resolving("unix:/run/app.sock"),
            ]
        }
        #expect(
            results == [
                [try SocketAddress("127.0.0.1:8080")], [try SocketAddress("[::1]:8080")],
                [try SocketAddress("[::1]:0")],
                [try SocketAddress("192.0.2.7:65535")], [try SocketAddress("unix:/run/app.sock")],
            ]
        )
        #expect(calls.isEmpty)
    }
    #endif

    @Test("Each EAI code maps to its own failure, and each description names the code and says what to do")
    func codesAreNamed() {
        let codes: [(CInt, ResolutionFailure, String)] = [
            (EAI_NONAME, .noName, "EAI_NONAME"), (EAI_AGAIN, .temporaryFailure, "EAI_AGAIN"),
            (EAI_FAIL, .permanentFailure, "EAI_FAIL"), (EAI_SERVICE, .serviceNotSupported, "EAI_SERVICE"),
            (EAI_FAMILY, .familyNotSupported, "EAI_FAMILY"), (EAI_MEMORY, .outOfMemory, "EAI_MEMORY"),
            (EAI_SYSTEM, .system(.tooManyOpenFiles), "EAI_SYSTEM"),
            (EAI_BADFLAGS, .other(code: EAI_BADFLAGS, cName: "EAI_BADFLAGS"), "EAI_BADFLAGS"),
            // glibc's netdb.h: EAI_NODATA is -5 (a GNU extension Swift's Glibc does not import).
            (-5, .noAddress, "EAI_NODATA"),
        ]
        for (code, failure, cName) in codes {
            #expect(HostResolution.failure(code: code, errno: .tooManyOpenFiles) == failure)
            #expect(failure.cName == cName)
            let text = SocketError.cannotResolve("example.test:80", failure).description
            #expect(text.hasPrefix("Cannot resolve \"example.test:80\": \(cName)"), "\(text)")
        }
        #expect(SocketError.cannotResolve("h", .system(.tooManyOpenFiles)).errno == .tooManyOpenFiles)
        #expect(SocketError.cannotResolve("h", .noName).errno == nil)
        #expect(SocketError.cannotResolve("h", .system(.tooManyOpenFiles)).description.contains("EMFILE"))
    }
}

extension KernelTests {
    @Suite("Host names resolved with getaddrinfo")
    struct ResolutionLookupTests {
        @Test("localhost resolves to the addresses /etc/hosts gives it, each once")
        func localhostFromHostsFile() throws {
            let addresses = try SocketAddress.resolve(host: "localhost", port: 8080)
            #expect(Set(addresses).count == addresses.count, "no address twice: \(addresses)")
            #expect(addresses.allSatisfy { $0.port == 8080 })
            let listed = hostsFileAddresses("localhost")
            if listed.isEmpty {
                // Not in /etc/hosts: DNS or another source answered; localhost is loopback anyway.
                #expect(!addresses.isEmpty)
                #expect(addresses.allSatisfy { $0.host == "127.0.0.1" || $0.host == "::1" })
            } else {
                // getaddrinfo sorts by RFC 6724, so the order may differ from the file's: compare sets.
                #expect(Set(addresses.map(\.host)) == Set(listed), "/etc/hosts lists \(listed)")
            }
        }

        @Test("A text with a host name resolves as the host and port do, and the listener binds it")
        func resolvingTextBinds() throws {
            let addresses = try SocketAddress.resolving("localhost:0")
            #expect(addresses == (try SocketAddress.resolve(host: "localhost", port: 0)))
            let listener = try ListeningSocket(address: addresses[0])
            #expect(listener.localAddress.host == addresses[0].host)
            #expect(listener.localAddress.port != 0)
        }

        #if SOCKETOPTIONS_SYSCALL_RECORDING
        @Test("A lookup calls getaddrinfo once and frees its list once")
        func listIsFreed() throws {
            let (_, calls) = try recording { try SocketAddress.resolve(host: "localhost", port: 1) }
            #expect(calls.map(\.kind) == [.getaddrinfo, .freeaddrinfo])
        }

        @Test("getaddrinfo failing with EAI_SYSTEM gives its errno, and there is no list to free")
        func systemFailureCarriesErrno() {
            let (_, calls) = recording(.failing(.getaddrinfo, with: .tooManyOpenFiles)) {
                #expect(throws: SocketError.cannotResolve("localhost", .system(.tooManyOpenFiles))) {
                    _ = try SocketAddress.resolve(host: "localhost", port: 1)
                }
            }
            #expect(calls.map(\.kind) == [.getaddrinfo])
        }
        #endif

        @Test("A name in the .invalid domain (RFC 6761) fails with EAI_NONAME when the nameserver says NXDOMAIN")
        func invalidDomainIsNoName() throws {
            let name = "sockopt-\(UInt64.random(in: 0...UInt64.max)).invalid"
            try #require(hostsFileAddresses(name).isEmpty)
            // The nameservers of /etc/resolv.conf, on lo of a private namespace, answered by this test:
            // nothing depends on this machine's DNS.
            let outcome = try inPrivateNetworkNamespace {
                let responder = try NXDomainResponder(on: try loopbackNameservers())
                defer { responder.stop() }
                return (resolved(name), responder.answered.load(ordering: .acquiring))
            }
            #expect(outcome.0 == .failure(.cannotResolve(name, .noName)))
            #expect(outcome.1 > 0, "the lookup asked the nameserver on lo")
        }

        @Test("With no nameserver answering, a lookup fails with EAI_AGAIN, at once when the port refuses")
        func unansweredLookupIsTemporaryFailure() throws {
            let name = "sockopt-\(UInt64.random(in: 0...UInt64.max)).invalid"
            try #require(hostsFileAddresses(name).isEmpty)
            // The nameservers' addresses are on lo but nothing listens on port 53: each query meets an
            // ICMP port unreachable (ECONNREFUSED), so the resolver gives up without waiting its timeout.
            let result = try inPrivateNetworkNamespace {
                _ = try loopbackNameservers()
                return resolved(name)
            }
            #expect(result == .failure(.cannotResolve(name, .temporaryFailure)))
        }
    }
}

/// What `SocketAddress.resolve(host:port:)` gives for `name`, as a value.
private func resolved(_ name: String) -> Result<[SocketAddress], SocketError> {
    do throws(SocketError) {
        return .success(try SocketAddress.resolve(host: name, port: 80))
    } catch {
        return .failure(error)
    }
}

/// The nameservers glibc asks (resolv.conf(5)): the first three `nameserver` lines of
/// /etc/resolv.conf, or 127.0.0.1 when there is none.
func resolverNameservers() -> [String] {
    var servers: [String] = []
    for line in (readText("/etc/resolv.conf") ?? "").split(separator: "\n") {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if fields.count >= 2, fields[0] == "nameserver" { servers.append(String(fields[1])) }
    }
    return servers.isEmpty ? ["127.0.0.1"] : Array(servers.prefix(3))
}

/// In a private namespace (``inPrivateNetworkNamespace(_:)``): brings lo up and gives it each
/// nameserver's address (a /32 or /128), so that the resolver's queries stay on this thread's lo.
/// Returns the nameservers as socket addresses on port 53.
private func loopbackNameservers() throws -> [SocketAddress] {
    try runToEnd(["/usr/sbin/ip", "link", "set", "lo", "up"])
    var addresses: [SocketAddress] = []
    for server in resolverNameservers() {
        let ipv6 = server.contains(":")
        let address = try SocketAddress(ipv6 ? "[\(server)]:53" : "\(server):53")
        // lo already has 127.0.0.0/8 and ::1 once up.
        if !(server.hasPrefix("127.") || server == "::1") {
            try runToEnd(["/usr/sbin/ip", "addr", "add", "\(server)/\(ipv6 ? 128 : 32)", "dev", "lo"])
        }
        addresses.append(address)
    }
    return addresses
}

/// A DNS server that answers every query NXDOMAIN (RFC 1035 4.1.1: the query's ID and question,
/// flags QR, RD, RA and RCODE 3), on UDP sockets of its own, from a thread of its own, until
/// ``stop()`` or for 30 s at most. The sockets live in the namespace of the thread that made them.
private final class NXDomainResponder: Sendable {
    let answered = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let descriptors: [CInt]
    private let thread: Locked<pthread_t?> = Locked(nil)

    init(on addresses: [SocketAddress]) throws {
        var descriptors: [CInt] = []
        for address in addresses {
            var storage = sockaddr_storage()
            let length = address.withSockAddr { raw, length in
                withUnsafeMutableBytes(of: &storage) {
                    $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(length)))
                }
                return length
            }
            let fd = socket(CInt(storage.ss_family), CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw NamespaceFailure(step: "socket", errno: errno) }
            descriptors.append(fd)
            let bound = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else {
                let error = errno
                for fd in descriptors { close(fd) }
                throw NamespaceFailure(step: "bind \(address)", errno: error)
            }
        }
        self.descriptors = descriptors
        do {
            let started = try startThread { [self] in self.serve() }
            thread.withLock { $0 = started }
        } catch {
            for fd in descriptors { close(fd) }
            throw error
        }
    }

    /// Ends the thread, then closes the sockets.
    func stop() {
        stopped.store(true, ordering: .releasing)
        if let running = thread.withLock({ $0 }) { pthread_join(running, nil) }
        for fd in descriptors { close(fd) }
    }

    private func serve() {
        let deadline = ContinuousClock.now + .seconds(30)
        var polled = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while !stopped.load(ordering: .acquiring), ContinuousClock.now < deadline {
            guard poll(&polled, nfds_t(polled.count), 20) > 0 else { continue }
            for entry in polled where entry.revents & Int16(POLLIN) != 0 { answer(on: entry.fd) }
        }
    }

    private func answer(on fd: CInt) {
        var query = [UInt8](repeating: 0, count: 512)
        var peer = sockaddr_storage()
        var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let count = withUnsafeMutablePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                recvfrom(fd, &query, query.count, 0, $0, &peerLength)
            }
        }
        guard count > 12 else { return }
        // The question: the name's labels up to the empty one, then QTYPE and QCLASS.
        var end = 12
        while end < count, query[end] != 0 { end += Int(query[end]) + 1 }
        end += 5
        guard end <= count else { return }
        let reply =
            Array(query[0..<2]) + [0x81, 0x83] + Array(query[4..<6]) + [0, 0, 0, 0, 0, 0]
            + Array(query[12..<end])
        let sent = withUnsafePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, reply.count, 0, $0, peerLength) }
        }
        if sent == reply.count { answered.add(1, ordering: .releasing) }
    }
}

/// The longest a lookup of an unknown name may take under /etc/resolv.conf (resolv.conf(5)):
/// `timeout` (5 s) for each of `attempts` (2) tries of each nameserver (1 to 3), for the name
/// and each search domain, twice when the IPv4 and IPv6 queries go one after the other; plus a
/// margin for a loaded machine.
func resolverBound() -> Duration {
    var timeout = 5
    var attempts = 2
    var servers = 0
    var searches = 0
    for line in (readText("/etc/resolv.conf") ?? "").split(separator: "\n") {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let keyword = fields.first else { continue }
        switch keyword {
        case "nameserver": servers += 1
        case "search", "domain": searches = fields.count - 1
        case "options":
            for option in fields.dropFirst() {
                if option.hasPrefix("timeout:") { timeout = min(30, Int(option.dropFirst(8)) ?? timeout) }
                if option.hasPrefix("attempts:") { attempts = min(5, Int(option.dropFirst(9)) ?? attempts) }
            }
        default: continue
        }
    }
    let perName = timeout * attempts * max(1, min(servers, 3)) * 2
    return .seconds(perName * (1 + searches) + 10)
}
