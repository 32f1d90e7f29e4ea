// SocketOptions tests: snapshots of every option of a socket, as a table, as JSON, compared.

import Foundation
import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("Snapshots")
    struct SnapshotTests {
        @Test("A snapshot of a raw socket holds every option, with the kernel's values")
        func snapshotOfRawSocket() throws {
            let fd = TestSocketKind.tcp4.makeSocket()
            defer { close(fd) }
            var one: CInt = 1
            #expect(setsockopt(fd, CInt(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<CInt>.size)) == 0)
            let snapshot = try SocketSnapshot(descriptor: fd)
            #expect(snapshot.kind == SocketKind(family: .ipv4, type: .stream))
            #expect(snapshot[.noDelay]?.value == .option(.noDelay(true)))
            #expect(snapshot[.reuseAddress]?.value == .option(.reuseAddress(false)))
            #expect(snapshot[.ipv6Only]?.value == .unsupported)
            #expect(snapshot[.ipv4MulticastTimeToLive]?.value == .unsupported)
            #expect(snapshot.entries.contains { $0.cName == "SO_TYPE" && $0.value == .readOnly(.type(.stream)) })
            #expect(!snapshot.entries.contains { $0.cName == "SO_ERROR" }, "reading SO_ERROR would clear it")
            let names = snapshot.entries.map(\.name)
            #expect(Set(names).count == names.count)
            // Every option but SO_ERROR and the set-only ones, which have no value to show.
            let readable = SocketOption.Name.allCases.filter(\.canReadBack)
            #expect(names.count == readable.count + ReadOnlySocketOption.Name.allCases.count - 1)
        }

        @Test("The table lists supported options with their C names and values")
        func table() throws {
            let listener = try ListeningSocket(
                address: anyLoopbackPort,
                options: [.reuseAddress(true), .noDelay(true)]
            )
            let table = try listener.snapshot().table
            let lines = table.split(separator: "\n")
            #expect(lines.contains { $0.contains("SO_REUSEADDR") && $0.hasSuffix(" on") })
            #expect(lines.contains { $0.contains("SO_ACCEPTCONN") && $0.hasSuffix(" on") })
            #expect(!table.contains("IPV6_V6ONLY"), "an IPv4 socket has no IPV6_V6ONLY")
        }

        @Test("The JSON parses, and its values are typed")
        func json() throws {
            let listener = try ListeningSocket(
                address: anyLoopbackPort,
                options: [.receiveBufferSize(65536), .receiveTimeout(.milliseconds(500)), .congestionControl("reno")]
            )
            let text = try listener.snapshot().json
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let kind = try #require(object["kind"] as? [String: Any])
            #expect(kind["family"] as? String == "IPv4" && kind["type"] as? String == "stream")
            let options = try #require(object["options"] as? [[String: Any]])
            func entry(_ cName: String) -> [String: Any]? { options.first { $0["cName"] as? String == cName } }
            #expect(entry("SO_RCVBUF")?["value"] as? Int == 131_072)
            #expect(entry("SO_RCVBUF")?["text"] as? String == "131072 bytes")
            // 500 ms is a whole number of ticks at HZ 100, 250 and 1000.
            #expect(entry("SO_RCVTIMEO")?["value"] as? Double == 0.5)
            #expect(entry("SO_SNDTIMEO")?["value"] is NSNull)
            // Options given join the defaults: SO_REUSEADDR is on although only other options were given.
            #expect(entry("SO_REUSEADDR")?["value"] as? Bool == true)
            #expect(entry("SO_ACCEPTCONN")?["text"] as? String == "on")
            #expect(entry("TCP_CONGESTION")?["value"] as? String == "reno")
            #expect(entry("IPV6_V6ONLY")?["supported"] as? Bool == false)
            #expect(entry("SO_ACCEPTCONN")?["value"] as? Bool == true)
            #expect(object["localAddress"] as? String == listener.localAddress.description)

            let record = listener.applied(.receiveBufferSize)
            let json = try #require(record).json
            let applied = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(applied["cName"] as? String == "SO_RCVBUF")
            #expect(applied["requested"] as? Int == 65536 && applied["kept"] as? Int == 131_072)
            #expect(applied["adjusted"] as? Bool == true)
        }

        @Test("Two snapshots compare: a listener and its accepted connection differ where the kernel says")
        func differences() throws {
            let listener = try ListeningSocket(
                address: anyLoopbackPort,
                options: [.reuseAddress(true), .priority(3), .noDelay(true)]
            )
            let client = try Connection(connectingTo: listener.localAddress)
            let accepted = try listener.accept()
            let differences = try listener.snapshot().differences(from: accepted.snapshot())
            let byName = Dictionary(uniqueKeysWithValues: differences.map { ($0.cName, $0) })
            #expect(byName["SO_ACCEPTCONN"]?.value == "on" && byName["SO_ACCEPTCONN"]?.otherValue == "off")
            // SO_PRIORITY is not inherited; TCP_NODELAY and SO_REUSEADDR are.
            #expect(byName["SO_PRIORITY"]?.description == "SO_PRIORITY: 3 here, 0 there")
            #expect(byName["TCP_NODELAY"] == nil && byName["SO_REUSEADDR"] == nil)
            #expect(try listener.snapshot().differences(from: listener.snapshot()).isEmpty)
            _ = client
        }

        @Test("A descriptor that is not a socket cannot be snapshotted")
        func notASocket() {
            #expect(throws: SocketError.system(.getReadOnlyOption(.type), .badFileDescriptor)) {
                _ = try SocketSnapshot(descriptor: -1)
            }
        }
    }
}
