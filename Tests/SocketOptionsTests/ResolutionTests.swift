// SocketOptions tests: host names resolved with getaddrinfo, and text refused before any lookup.

import Glibc
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

        @Test("A name in the .invalid domain (RFC 6761) fails with EAI_NONAME, within the resolver's bound")
        func invalidDomainIsNoName() throws {
            // A name /etc/hosts cannot hold: a fresh random label, checked against the file.
            let name = "sockopt-\(UInt64.random(in: 0...UInt64.max)).invalid"
            try #require(hostsFileAddresses(name).isEmpty)
            // The lookup goes to the DNS servers of /etc/resolv.conf; it cannot be interrupted, so
            // the test waits on another thread for at most the bound that file sets, and fails
            // rather than hangs if the resolver takes longer.
            let bound = resolverBound()
            let outcome = Mutex<Result<[SocketAddress], SocketError>?>(nil)
            let thread = try startThread {
                let result: Result<[SocketAddress], SocketError>
                do throws(SocketError) {
                    result = .success(try SocketAddress.resolve(host: name, port: 80))
                } catch {
                    result = .failure(error)
                }
                outcome.withLock { $0 = result }
            }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: bound)
            while outcome.withLock({ $0 == nil }) && clock.now < deadline {
                var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
                nanosleep(&pause, nil)
            }
            guard let result = outcome.withLock({ $0 }) else {
                Issue.record("getaddrinfo(\(name)) took longer than the resolver's bound, \(bound)")
                pthread_detach(thread)
                return
            }
            pthread_join(thread, nil)
            // A DNS server answered NXDOMAIN; with none reachable it would be EAI_AGAIN.
            #expect(result == .failure(.cannotResolve(name, .noName)))
        }
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
