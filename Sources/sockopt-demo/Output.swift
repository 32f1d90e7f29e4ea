// sockopt-demo: printing helpers.

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a line to standard output at once, unbuffered: a script that reads "listening on ..."
/// through a pipe sees it before the first connection.
func say(_ line: String) {
    write(line + "\n", to: STDOUT_FILENO)
}

func printError(_ message: String) {
    write("sockopt-demo: \(message)\n", to: STDERR_FILENO)
}

private func write(_ text: String, to descriptor: CInt) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}

func heading(_ title: String) {
    say("\n== \(title)")
}

/// Pads `text` on the right to `width` characters.
func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// The requested/effective table for a listener's options.
func optionTable(_ applied: [AppliedOption]) -> String {
    let header = [
        padded("option", 20), padded("C name", 14), padded("requested", 14), padded("kernel kept", 14), "why",
    ]
    var lines = [header.joined(separator: " ")]
    for option in applied {
        let row = [
            padded(option.name.description, 20),
            padded(option.name.cName, 14),
            padded(option.requested.valueDescription, 14),
            padded(option.effective.valueDescription, 14),
            option.adjustment ?? "kept as asked",
        ]
        lines.append(row.joined(separator: " "))
    }
    return lines.joined(separator: "\n")
}

/// A horizontal bar of `count` out of `total`, `width` characters at full scale.
func bar(_ count: Int, of total: Int, width: Int = 40) -> String {
    let filled = total == 0 ? 0 : (count * width + total / 2) / total
    return String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
}
