// SocketOptions: every readable option of a socket at one moment, for people and for tools.

/// Every option a socket has, with its present value, read from the kernel in one go: of a
/// listener, a connection, or any descriptor, one the package did not create included.
///
/// ```swift
/// let snapshot = try BorrowedSocket(borrowing: fd).snapshot()
/// print(snapshot.table)                         // for people
/// print(snapshot.json)                          // for tools
/// for difference in snapshot.differences(from: try listener.snapshot()) { print(difference) }
/// ```
///
/// Options the socket's kind does not have are listed as unsupported, without a system call.
/// `SO_ERROR` is left out: reading it clears it, and a snapshot changes nothing. So are the
/// options the kernel takes but does not report (``SocketOption/Name/canReadBack``).
public struct SocketSnapshot: Hashable, Sendable, CustomStringConvertible {
    /// One option and what the kernel said of it.
    public struct Entry: Hashable, Sendable {
        /// The value an entry holds.
        public enum Value: Hashable, Sendable {
            /// A settable option's present value.
            case option(SocketOption)
            /// A read-only option's value.
            case readOnly(ReadOnlySocketOption)
            /// The socket has no such option (its kind lacks it, or the kernel said so).
            case unsupported
            /// Reading failed with this error.
            case failed(Errno)
        }

        /// The option's Swift name, such as `"receiveBufferSize"`.
        public let name: String
        /// The option's C name, such as `"SO_RCVBUF"`.
        public let cName: String
        /// The option's level.
        public let level: SocketOption.Level
        /// What was read.
        public let value: Value

        /// The value as a person reads it: `"131072 bytes"`, `"unsupported"`.
        public var valueDescription: String {
            switch value {
            case .option(let option): option.valueDescription
            case .readOnly(let option): option.valueDescription
            case .unsupported: "unsupported"
            case .failed(let errno): "error \(errno.name)"
            }
        }
    }

    /// An option whose value differs between two snapshots.
    public struct Difference: Hashable, Sendable, CustomStringConvertible {
        /// The option's Swift name.
        public let name: String
        /// The option's C name.
        public let cName: String
        /// The value in the snapshot ``SocketSnapshot/differences(from:)`` was called on.
        public let value: String
        /// The value in the other snapshot.
        public let otherValue: String

        /// `"SO_RCVBUF: 131072 bytes here, 16384 bytes there"`.
        public var description: String { "\(cName): \(value) here, \(otherValue) there" }
    }

    /// The kind of socket, when the kernel said.
    public let kind: SocketKind?
    /// The socket's own address (`getsockname`), when it has one the package can read.
    public let localAddress: SocketAddress?
    /// Every option, read-only ones first, then the settable ones in ``SocketOption/Name`` order.
    public let entries: [Entry]

    /// Reads every option of `descriptor`; see ``SocketOptionAccess/snapshot()``. The descriptor is
    /// not changed.
    init(descriptor: Int32) throws(SocketError) {
        _ = try OptionCalls.readOnly(.type, from: descriptor)
        let kind = SocketKind.read(descriptor)
        var entries: [Entry] = []
        for name in ReadOnlySocketOption.Name.allCases where name != .pendingError {
            let value: Entry.Value
            if let kind, !name.row.sockets.allows(kind) {
                value = .unsupported
            } else {
                do {
                    value = .readOnly(try OptionCalls.readOnly(name, from: descriptor))
                } catch {
                    value = error.errno.map { .failed($0) } ?? .unsupported
                }
            }
            entries.append(Entry(name: name.rawValue, cName: name.cName, level: name.level, value: value))
        }
        // A set-only option (a membership, detaching a filter) has no value to show.
        for name in SocketOption.Name.allCases where name.canReadBack {
            let value: Entry.Value
            if let kind, !name.row.sockets.allows(kind) {
                value = .unsupported
            } else {
                do {
                    value = .option(try OptionCalls.read(name, from: descriptor))
                } catch .optionNotSupported {
                    value = .unsupported
                } catch {
                    value = error.errno.map { .failed($0) } ?? .unsupported
                }
            }
            entries.append(Entry(name: name.rawValue, cName: name.cName, level: name.level, value: value))
        }
        self.kind = kind
        self.localAddress = try? SocketCalls.localAddress(descriptor)
        self.entries = entries
    }

    /// The entry for a settable option.
    public subscript(name: SocketOption.Name) -> Entry? { entries.first { $0.name == name.rawValue } }

    /// The options whose values differ between this snapshot and `other`, in this snapshot's order.
    public func differences(from other: SocketSnapshot) -> [Difference] {
        entries.compactMap { entry in
            guard let otherEntry = other.entries.first(where: { $0.name == entry.name }) else { return nil }
            guard otherEntry.value != entry.value else { return nil }
            return Difference(
                name: entry.name,
                cName: entry.cName,
                value: entry.valueDescription,
                otherValue: otherEntry.valueDescription
            )
        }
    }

    /// A table for people: level, C name, Swift name, value; unsupported options left out.
    public var table: String {
        var lines = ["\(pad("level", 13)) \(pad("C name", 24)) \(pad("option", 24)) value"]
        for entry in entries where entry.value != .unsupported {
            lines.append(
                "\(pad(entry.level.cName, 13)) \(pad(entry.cName, 24)) \(pad(entry.name, 24)) \(entry.valueDescription)"
            )
        }
        return lines.joined(separator: "\n")
    }

    public var description: String { table }

    /// The snapshot as a JSON object, for tools:
    /// `{"kind": {"family": "IPv4", "type": "stream"}, "localAddress": "127.0.0.1:8080",
    /// "options": [{"name": ..., "cName": ..., "level": ...,
    /// "supported": true, "value": ..., "text": ...}, ...]}`. Durations are in seconds, `null` where
    /// the option is off.
    public var json: String {
        var out = "{\"kind\": "
        if let kind {
            out +=
                "{\"family\": \(JSON.string(kind.family.description)), \"type\": \(JSON.string(kind.type.description))}"
        } else {
            out += "null"
        }
        out += ", \"localAddress\": " + (localAddress.map { JSON.string($0.description) } ?? "null")
        out += ", \"options\": ["
        for (index, entry) in entries.enumerated() {
            if index > 0 { out += ", " }
            out += "{\"name\": \(JSON.string(entry.name)), \"cName\": \(JSON.string(entry.cName)), "
            out += "\"level\": \(JSON.string(entry.level.cName)), "
            switch entry.value {
            case .option(let option):
                out += "\"supported\": true, \"value\": \(JSON.value(option.entry.value)), "
            case .readOnly(let option):
                out += "\"supported\": true, \"value\": \(JSON.value(option.entry.value)), "
            case .unsupported:
                out += "\"supported\": false, \"value\": null, "
            case .failed(let errno):
                out += "\"supported\": true, \"value\": null, \"error\": \(JSON.string(errno.name)), "
            }
            out += "\"text\": \(JSON.string(entry.valueDescription))}"
        }
        return out + "]}"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

/// The little JSON the package writes, without Foundation. Package-wide: the demo writes its own
/// JSON with it. DEL and the C1 controls are escaped too, so that no JSON of ours moves a terminal.
package enum JSON {
    package static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func value(_ value: OptionCodec.SwiftValue) -> String {
        switch value {
        case .bool(let on): on ? "true" : "false"
        case .int(let value): "\(value)"
        case .duration(nil), .text(nil), .errno(nil): "null"
        case .duration(let time?): seconds(time)
        case .text(let text?): string(text)
        case .ipv4(let address): string(address.description)
        case .socketType(let type): string(type.description)
        case .family(let family): string(family.description)
        case .errno(let errno?): string(errno.name)
        case .optionalInt(let value?): "\(value)"
        case .optionalInt(nil), .peerCredentials(nil), .action: "null"
        case .pathMTUDiscovery(let mode): string("\(mode)".prefix { $0 != " " }.description)
        case .ipv4Membership(let membership): string(membership.description)
        case .ipv4SourceMembership(let membership): string(membership.description)
        case .ipv6Membership(let membership): string(membership.description)
        case .filter(let program): "\(program.instructions.count)"
        case .unsigned64(let value): "\(value)"
        case .peerCredentials(let credentials?):
            "{\"pid\": \(credentials.processID), \"uid\": \(credentials.userID), \"gid\": \(credentials.groupID)}"
        case .address(let address): string(address.description)
        }
    }

    /// Seconds with up to 6 decimals (a finer fraction is cut): 0.004, 60, 1.5, -0.25. A duration
    /// whose seconds do not fit Int64 is written as a JSON number in exponent form.
    static func seconds(_ time: Duration) -> String {
        guard let (whole, attoseconds) = time.checkedComponents else {
            return String(describing: time / .seconds(1))
        }
        let micros = (attoseconds / 1_000_000_000_000).magnitude
        if micros == 0 { return "\(whole)" }
        var fraction = String(micros)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let sign = whole == 0 && attoseconds < 0 ? "-" : ""
        return "\(sign)\(whole).\(fraction)"
    }
}
