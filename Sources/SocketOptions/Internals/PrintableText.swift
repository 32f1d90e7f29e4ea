// SocketOptions: text that came from outside (peer paths, /proc names, the caller's own text),
// made safe to print, and read back.

/// Text from outside the program, escaped so that a terminal or a log shows it and never acts on it.
///
/// Control characters (C0, DEL, C1), the Unicode marks that reorder text, and the backslash itself
/// are escaped (`\x1b`, `\u{9b}`, `\\`); bytes that are not UTF-8 are written `\xff`. Everything
/// else passes as it is (`café` stays `café`). A peer chooses its own socket
/// path and a process its own name: neither may reach a terminal raw. ``unescaped(_:)`` reads the
/// form back, so an address printed this way parses to the same address. Package-wide, so that
/// `sockopt-demo` prints its own arguments the same way.
package enum PrintableText {
    package static func escaped(_ text: String) -> String { escaped(text.utf8) }

    /// The most bytes of a text from outside that a message quotes: a host name of 10 MB must not
    /// make a message of 10 MB (nor take a second to format).
    static let quotedLimit = 256

    /// `text` as a message quotes it: at most its first ``quotedLimit`` bytes (whole characters),
    /// then `… (N bytes)` with its full length, escaped as ``escaped(_:)`` escapes.
    package static func quoted(_ text: String) -> String { escaped(excerpt(text)) }

    /// At most the first ``quotedLimit`` bytes of `text`, cut between Unicode scalars, followed by
    /// `… (N bytes)` when anything was cut; for text that a message escapes as a whole later.
    static func excerpt(_ text: String) -> String {
        let count = text.utf8.count
        guard count > quotedLimit else { return text }
        var kept = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            let size = UTF8.width(scalar)
            if used + size > quotedLimit { break }
            kept.append(scalar)
            used += size
        }
        return String(kept) + "… (\(count) bytes)"
    }

    static func escaped<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        var result = ""
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        let array = Array(bytes)
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                offset += encoded.count
                let value = scalar.value
                if value == 0x5C {
                    result += "\\\\"
                } else if value < 0x20 || value == 0x7F {
                    result += "\\x" + hex(value, width: 2)
                } else if needsEscape(value) {
                    result += "\\u{" + hex(value, width: 1) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            case .error(let length):
                for byte in array[offset..<offset + length] { result += "\\x" + hex(UInt32(byte), width: 2) }
                offset += length
            case .emptyInput:
                return result
            }
        }
    }

    /// C1 controls and the bidirectional marks (LRE...RLO, LRI...PDI, LRM, RLM).
    private static func needsEscape(_ value: UInt32) -> Bool {
        (0x80...0x9F).contains(value) || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
            || value == 0x200E || value == 0x200F
    }

    /// The text ``escaped(_:)`` wrote, read back: `\\`, `\xNN` (00...7f: a String holds no byte
    /// that is not UTF-8) and `\u{N}`. Nil for any other backslash sequence, so that one text never
    /// has two readings.
    static func unescaped(_ text: String) -> String? {
        guard text.utf8.contains(0x5C) else { return text }
        var result = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\\" else {
                result.append(scalar)
                continue
            }
            switch scalars.next() {
            case "\\":
                result.append("\\")
            case "x":
                guard let high = scalars.next().flatMap(hexDigit), let low = scalars.next().flatMap(hexDigit),
                    high < 8, let decoded = Unicode.Scalar(high << 4 | low)
                else { return nil }
                result.append(decoded)
            case "u":
                guard scalars.next() == "{" else { return nil }
                var value: UInt32 = 0
                var digits = 0
                while true {
                    guard let next = scalars.next() else { return nil }
                    if next == "}" { break }
                    guard let digit = hexDigit(next), digits < 8 else { return nil }
                    value = value << 4 | digit
                    digits += 1
                }
                guard digits > 0, let decoded = Unicode.Scalar(value) else { return nil }
                result.append(decoded)
            default:
                return nil
            }
        }
        return String(result)
    }

    private static func hexDigit(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: scalar.value - 0x30
        case 0x61...0x66: scalar.value - 0x61 + 10
        case 0x41...0x46: scalar.value - 0x41 + 10
        default: nil
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
