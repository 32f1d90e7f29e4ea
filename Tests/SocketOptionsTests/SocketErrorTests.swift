// SocketOptions tests: each error says what happened and what to do.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    // Under KernelTests: some of these bind real sockets and paths, which the descriptor-leak test
    // would see if it ran alongside. (The messages themselves read nothing.)
    @Suite("Error messages")
    struct SocketErrorTests {
        let address = SocketAddress.ipv4Any(port: 8080)

        @Test(
            "A read-only option's call names its own level: SO_ORIGINAL_DST is at IPPROTO_IP (SOL_IP), SO_TYPE at SOL_SOCKET"
        )
        func readOnlyOptionCallNamesItsLevel() {
            // linux/netfilter_ipv4.h: SO_ORIGINAL_DST is read with getsockopt(fd, SOL_IP, ...); SOL_IP is IPPROTO_IP.
            #expect(
                SocketError.Operation.getReadOnlyOption(.originalDestination).description
                    == "getsockopt(IPPROTO_IP, SO_ORIGINAL_DST)"
            )
            #expect(SocketError.Operation.getReadOnlyOption(.type).description == "getsockopt(SOL_SOCKET, SO_TYPE)")
        }

        @Test("EADDRINUSE names the address, both causes and both fixes")
        func addressInUse() {
            let message = SocketError.addressInUse(address, errno: .addressInUse).description
            for word in [
                "0.0.0.0:8080", "EADDRINUSE", "ss -ltnp 'sport = :8080'", "TIME_WAIT", ".reuseAddress(true)",
                ".reusePort(true)",
            ] {
                #expect(message.contains(word), "missing \(word) in: \(message)")
            }
            #expect(SocketError.addressInUse(address, errno: .addressInUse).errno == .addressInUse)
        }

        @Test("Other bind errors say what to use instead")
        func otherBindErrors() {
            #expect(SocketError.addressNotAvailable(address).description.contains("ip addr"))
            let denied = SocketError.permissionDenied(SocketAddress.ipv4Any(port: 80), errno: .permissionDenied)
                .description
            #expect(denied.contains("ip_unprivileged_port_start") && denied.contains("CAP_NET_BIND_SERVICE"))
        }

        @Test("Option errors name the option's C name and the fix")
        func optionErrors() {
            let unsupported = SocketError.optionNotSupported(
                .ipv6Only,
                socket: SocketKind(family: .ipv4, type: .stream),
                errno: nil
            )
            .description
            #expect(unsupported.contains("IPV6_V6ONLY") && unsupported.contains("IPv6 sockets only"))
            #expect(unsupported.contains("an IPv4 TCP socket"), "\(unsupported)")
            let invalid = SocketError.invalidValue(.receiveBufferSize(-1), reason: "r").description
            #expect(invalid.contains("SO_RCVBUF") && invalid.contains("-1 bytes"))
            // One byte is singular; every other count is plural.
            #expect(SocketOption.maxSegment(1).valueDescription == "1 byte")
            #expect(SocketOption.maxSegment(2).valueDescription == "2 bytes")
            let notKept = SocketError.optionNotKept(requested: .reusePort(true), effective: .reusePort(false))
                .description
            #expect(notKept.contains("SO_REUSEPORT") && notKept.contains("reads back off"))
        }

        @Test("Any other errno names the call, the C error and advice")
        func systemErrors() {
            let message = SocketError.system(.socket, .tooManyOpenFiles).description
            #expect(message.hasPrefix("socket() failed: EMFILE (too many open files)."))
            #expect(message.contains("ulimit -n"))
            #expect(
                SocketError.system(.setOption(.noDelay), .badFileDescriptor).description
                    .hasPrefix("setsockopt(IPPROTO_TCP, TCP_NODELAY) failed: EBADF")
            )
            #expect(Errno(rawValue: 9999).name == "errno 9999")
        }

        @Test("EADDRINUSE is several short lines, and port 0 speaks of the ephemeral range")
        func addressInUseLines() {
            let message = SocketError.addressInUse(address, errno: .addressInUse).description
            let lines = message.split(separator: "\n")
            #expect(lines.count > 1)
            #expect(lines.allSatisfy { $0.count <= 100 }, "\(message)")
            let portZero = SocketError.addressInUse(.ipv4Any(port: 0), errno: .addressInUse).description
            #expect(portZero.contains("net.ipv4.ip_local_port_range"), "\(portZero)")
            #expect(!portZero.contains("listening on port 0"), "\(portZero)")
        }

        @Test("A Unix path's EACCES is about directories, not privileged ports")
        func unixPermissionDenied() throws {
            let message = SocketError.permissionDenied(try .unix(path: "/run/app/app.sock"), errno: .permissionDenied)
                .description
            #expect(message.contains("write permission") && message.contains("directory"), "\(message)")
            #expect(!message.contains("ip_unprivileged_port_start") && !message.contains("CAP_NET_BIND_SERVICE"))
        }

        @Test("A kernel without a catalogued option says so, without contradicting itself; articles fit")
        func optionUnknownToKernel() {
            let tcp = SocketKind(family: .ipv4, type: .stream)
            let message = SocketError.optionNotSupported(.noDelay, socket: tcp, errno: .protocolNotAvailable)
                .description
            #expect(!message.contains("does not exist for an IPv4 TCP socket"), "\(message)")
            #expect(message.contains("kernel") && message.contains("IPv4 TCP"), "\(message)")
            let unix = SocketKind(family: .unix, type: .stream)
            let onUnix = SocketError.optionNotSupported(.noDelay, socket: unix, errno: nil).description
            #expect(onUnix.contains("a Unix-domain stream socket") && !onUnix.contains("an Unix"), "\(onUnix)")
        }

        @Test("EACCES from listen is not a bind error; EADDRNOTAVAIL from connect is not a foreign address")
        func errnoOfTheCallThatFailed() throws {
            let (_, _) = recording(.failing(.listen, with: .permissionDenied)) {
                let error = #expect(throws: SocketError.self) { _ = try ListeningSocket(address: anyLoopbackPort) }
                #expect(error == .system(.listen(anyLoopbackPort), .permissionDenied))
                #expect(error?.description.contains("Cannot bind") == false)
            }
            let holder = try ListeningSocket(address: anyLoopbackPort)
            let target = holder.localAddress
            let (_, _) = recording(.failing(.connect, with: .addressNotAvailable)) {
                let error = #expect(throws: SocketError.self) { _ = try Connection(connectingTo: target) }
                #expect(error == .system(.connect(target), .addressNotAvailable))
                #expect(error?.description.contains("ip_local_port_range") == true, "\(String(describing: error))")
            }
        }

        @Test("A Unix path under a missing directory or a file gets path advice, by the errno's name")
        func unixPathErrors() throws {
            try withTemporaryDirectory { directory in
                let missing = try SocketAddress.unix(path: directory + "/missing/app.sock")
                let noEntry = try #require(throws: SocketError.self) { _ = try ListeningSocket(address: missing) }
                #expect(noEntry == .system(.bind(missing), .noSuchEntry))
                #expect(noEntry.description.contains("mkdir") && !noEntry.description.contains("congestion"))
                let file = directory + "/file"
                let handle = try #require(fopen(file, "w"))
                fclose(handle)
                let underFile = try SocketAddress.unix(path: file + "/app.sock")
                let notDirectory = try #require(throws: SocketError.self) {
                    _ = try ListeningSocket(address: underFile)
                }
                #expect(notDirectory.description.contains("ENOTDIR (not a directory)"), "\(notDirectory)")
                #expect(!notDirectory.description.contains("system error"))
            }
        }

        @Test("A Unix path the package refuses says what it found and what to do; errno only where a call answered")
        func unixPathUnusable() throws {
            let address = try SocketAddress.unix(path: "/run/app/app.sock")
            let cases: [(UnixPathProblem, Errno?, [String])] = [
                (.notAFileName, nil, ["ends in \"/\"", "names a directory", "socket file itself"]),
                (
                    .lockFileNotRegular(.fifo), nil,
                    [
                        "/run/app/app.sock.lock", "is a FIFO", "not a regular file.",
                        "remove it (`rm /run/app/app.sock.lock`)",
                    ]
                ),
                (
                    .lockFileNotRegular(.directory), .isDirectory,
                    ["is a directory", "not a regular file (open: EISDIR)", "`rmdir /run/app/app.sock.lock`"]
                ),
                (
                    .lockFileNotRegular(.symbolicLink), .permissionDenied,
                    ["is a symbolic link, which is never followed", "(open: EACCES)"]
                ),
                (
                    .stagingDirectoryNotPrivate, nil,
                    ["/run/app/.app.sock.sockopt-XXXXXXXX", "can write /run/app", "only this server's user can write"]
                ),
                (.stagingNamesTaken, .fileExists, ["(mkdirat: EEXIST)", "remove the .app.sock.sockopt-* entries"]),
                (
                    .stagingPathTooLong(120), nil,
                    ["is 120 bytes", "the 107 that sun_path", "by 13 bytes or more", "mount /proc"]
                ),
            ]
            for (problem, errno, phrases) in cases {
                let error = SocketError.unixPathUnusable(address, problem, errno: errno)
                #expect(error.errno == errno, "\(problem)")
                let text = error.description.replacingOccurrences(of: "\n", with: " ")
                #expect(text.hasPrefix("Cannot bind unix:/run/app/app.sock: "), "\(text)")
                for phrase in phrases { #expect(text.contains(phrase), "missing \(phrase) in: \(text)") }
                #expect(!text.contains("system error") && !text.contains("See the"), "\(text)")
                if errno == nil { #expect(!text.contains("(open:") && !text.contains("(mkdirat:"), "\(text)") }
            }
            // A file in the working directory and one in /: the private directory's name beside it.
            let relative = SocketError.unixPathUnusable(try .unix(path: "app.sock"), .stagingNamesTaken, errno: nil)
            #expect(relative.description.contains("(.app.sock.sockopt-XXXXXXXX)"), "\(relative)")
            let root = SocketError.unixPathUnusable(
                try .unix(path: "/app.sock"),
                .stagingDirectoryNotPrivate,
                errno: nil
            )
            #expect(
                root.description.replacingOccurrences(of: "\n", with: " ").contains(
                    "(/.app.sock.sockopt-XXXXXXXX, mode"
                )
            )
        }

        @Test("Option values print as people read them")
        func optionDescriptions() {
            #expect(SocketOption.reuseAddress(true).description == "reuseAddress(on)")
            #expect(SocketOption.receiveBufferSize(131_072).description == "receiveBufferSize(131072 bytes)")
            #expect(SocketOption.receiveTimeout(.milliseconds(4)).valueDescription == "4 ms")
            #expect(SocketOption.linger(nil).valueDescription == "off")
            #expect(SocketOption.keepAliveIdle(.seconds(60)).valueDescription == "60 s")
            #expect(
                AppliedOption(requested: .receiveBufferSize(65536), effective: .receiveBufferSize(131_072)).description
                    == "SO_RCVBUF: requested 65536 bytes, kernel kept 131072 bytes"
            )
        }

        @Test("Every option name knows its level, C name and whether it must precede bind")
        func optionNames() {
            #expect(SocketOption.Name.reuseAddress.cName == "SO_REUSEADDR")
            #expect(SocketOption.Name.keepAliveIdle.cName == "TCP_KEEPIDLE")
            #expect(SocketOption.Name.ipv6Only.level == .ipv6)
            #expect(SocketOption.Name.timeToLive.level == .ipv4)
            #expect(
                SocketOption.Name.allCases.filter(\.mustPrecedeBind) == [
                    .reuseAddress, .reusePort, .bindToDevice, .bindToInterfaceIndex, .ipv4FreeBind, .transparent,
                    .bindAddressNoPort, .ipv6Only, .ipv6FreeBind, .ipv6Transparent,
                ]
            )
            #expect(SocketOption.Name.allCases.filter(\.isForListenersOnly) == [.fastOpen, .deferAccept])
            // Each option is one C option: no two share a C name (the OR-ed one-liner's lesson).
            #expect(Set(SocketOption.Name.allCases.map(\.cName)).count == SocketOption.Name.allCases.count)
            #expect(
                Set(SocketOption.Name.allCases.map { [$0.row.rawLevel, $0.row.rawName] }).count
                    == SocketOption.Name.allCases.count
            )
            for name in SocketOption.Name.allCases {
                #expect(!name.meaning.isEmpty && !name.validValues.isEmpty && !name.valueType.isEmpty, "\(name)")
            }
        }
    }
}
