// SocketOptions tests: the comparison with socket2, SwiftNIO and Go in Documentation/Options.md.
//
// The table between the COMPARISON markers must equal what this test renders: the column for this
// package from the catalogue itself (the Swift name of each C option), the others from
// `otherLibraries` (OtherLibraries.swift). After changing either, run
//     SOCKETOPTIONS_WRITE_GUIDE=1 swift test --filter ComparisonTableTests
// and read the diff. The test also holds the package to its claim: every option socket2 names on
// Linux is in the catalogue.

import Glibc
import Testing

@testable import SocketOptions

/// The options socket2 names on Linux, as issue 8 lists them.
let socket2LinuxOptions = """
    SO_ACCEPTCONN SO_BINDTODEVICE SO_BINDTOIFINDEX SO_BROADCAST SO_BUSY_POLL SO_COOKIE SO_DOMAIN SO_ERROR
    SO_INCOMING_CPU SO_KEEPALIVE SO_LINGER SO_MARK SO_OOBINLINE SO_ORIGINAL_DST SO_PASSCRED SO_PEERCRED
    SO_PRIORITY SO_PROTOCOL SO_RCVBUF SO_RCVTIMEO SO_REUSEADDR SO_REUSEPORT SO_SNDBUF SO_SNDTIMEO SO_TYPE
    SO_ATTACH_FILTER SO_DETACH_FILTER TCP_CONGESTION TCP_CORK TCP_KEEPCNT TCP_KEEPIDLE TCP_KEEPINTVL
    TCP_MAXSEG TCP_NODELAY TCP_NOTSENT_LOWAT TCP_QUICKACK TCP_THIN_LINEAR_TIMEOUTS TCP_USER_TIMEOUT
    IP_ADD_MEMBERSHIP IP_DROP_MEMBERSHIP IP_ADD_SOURCE_MEMBERSHIP IP_DROP_SOURCE_MEMBERSHIP IP_FREEBIND
    IP_HDRINCL IP_MULTICAST_ALL IP_MULTICAST_IF IP_MULTICAST_LOOP IP_MULTICAST_TTL IP_RECVTOS IP_TOS
    IP_TRANSPARENT IP_TTL IPV6_ADD_MEMBERSHIP IPV6_DROP_MEMBERSHIP IPV6_FREEBIND IPV6_HDRINCL
    IPV6_MULTICAST_ALL IPV6_MULTICAST_HOPS IPV6_MULTICAST_IF IPV6_MULTICAST_LOOP IPV6_RECVHOPLIMIT
    IPV6_RECVTCLASS IPV6_TCLASS IPV6_TRANSPARENT IPV6_UNICAST_HOPS IPV6_V6ONLY
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

extension KernelTests {
    @Suite("The comparison table in Documentation/Options.md")
    struct ComparisonTableTests {
        static let begin =
            "<!-- BEGIN GENERATED COMPARISON: edit OtherLibraries.swift or the catalogue, not this table -->"
        static let end = "<!-- END GENERATED COMPARISON -->"

        /// This package's name for a C option: a settable option's case, a read-only option's case,
        /// or the call that reads TCP_INFO.
        static func packageName(of cName: String) -> String? {
            if let name = SocketOption.Name.allCases.first(where: { $0.cName == cName }) { return "`.\(name)`" }
            if let name = ReadOnlySocketOption.Name.allCases.first(where: { $0.cName == cName }) {
                return "`.\(name)` (read only)"
            }
            return cName == "TCP_INFO" ? "`tcpInfo()`" : nil
        }

        static func renderedTable() -> String {
            var lines = [
                "| C option | This package | socket2 | SwiftNIO | Go |",
                "|---|---|---|---|---|",
            ]
            for row in otherLibraries {
                let cells = [
                    row.cName, packageName(of: row.cName) ?? "raw", row.socket2 ? "yes" : "no (libc)",
                    row.nio ?? "raw", row.go ?? "raw",
                ]
                lines.append("| " + cells.map { $0.replacingPipes() }.joined(separator: " | ") + " |")
            }
            let count = otherLibraries.filter { packageName(of: $0.cName) != nil }.count
            let socket2 = otherLibraries.filter(\.socket2).count
            lines += [
                "",
                "Typed: this package \(count), socket2 \(socket2), SwiftNIO \(otherLibraries.filter { $0.nio != nil }.count), "
                    + "Go \(otherLibraries.filter { $0.go != nil }.count), of \(otherLibraries.count) options.",
            ]
            return lines.joined(separator: "\n")
        }

        @Test("The comparison table in Documentation/Options.md matches the catalogue and OtherLibraries.swift")
        func tableMatchesData() throws {
            let path = KernelTests.OptionsGuideTests.guidePath
            let text = try #require(readText(path), "cannot read \(path)")
            let parts = text.components(separatedBy: Self.begin)
            try #require(parts.count == 2, "Options.md needs one \(Self.begin) marker")
            let rest = parts[1].components(separatedBy: Self.end)
            try #require(rest.count == 2, "Options.md needs one \(Self.end) marker")
            let expected = "\n" + Self.renderedTable() + "\n"
            if rest[0] != expected, getenv("SOCKETOPTIONS_WRITE_GUIDE") != nil {
                let file = try #require(fopen(path, "w"))
                fputs(parts[0] + Self.begin + expected + Self.end + rest[1], file)
                fclose(file)
            }
            #expect(
                rest[0] == expected,
                "the comparison in Documentation/Options.md is out of date: run SOCKETOPTIONS_WRITE_GUIDE=1 swift test"
            )
        }

        @Test("Every option socket2 names on Linux is in the catalogue: the package is a superset")
        func supersetOfSocket2() {
            let missing = socket2LinuxOptions.filter { Self.packageName(of: $0) == nil }
            #expect(missing.isEmpty, "socket2 names these and the catalogue does not: \(missing)")
            #expect(socket2LinuxOptions.count == 66)
        }

        @Test("The comparison has one row per option of the catalogue and of socket2's list, and no other")
        func oneRowPerOption() {
            let rows = otherLibraries.map(\.cName)
            #expect(Set(rows).count == rows.count, "a C name appears twice")
            let catalogue =
                SocketOption.Name.allCases.map(\.cName) + ReadOnlySocketOption.Name.allCases.map(\.cName) + ["TCP_INFO"]
            #expect(Set(rows) == Set(catalogue + socket2LinuxOptions))
            for row in otherLibraries where socket2LinuxOptions.contains(row.cName) != row.socket2 {
                Issue.record("\(row.cName): socket2 \(row.socket2 ? "has" : "lacks") it, but the list says otherwise")
            }
        }
    }
}
