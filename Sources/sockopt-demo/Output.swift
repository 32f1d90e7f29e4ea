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

/// The requested/effective table for a listener's options, each column as wide as its longest
/// cell, so that long names (TCP_DEFER_ACCEPT, SO_BINDTODEVICE) and values keep the columns.
func optionTable(_ applied: [AppliedOption]) -> String {
    let header = ["option", "C name", "requested", "kernel kept", "why"]
    let rows = applied.map { option in
        [
            option.name.description, option.name.cName, option.requested.valueDescription,
            option.effective.valueDescription, option.adjustment ?? "kept as asked",
        ]
    }
    return columns([header] + rows)
}

/// Rows of cells as text columns two spaces apart, each as wide as its longest cell; the last
/// column is not padded.
func columns(_ rows: [[String]]) -> String {
    let count = rows.map(\.count).max() ?? 0
    let widths = (0..<count).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : padded(cell, widths[column])
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

/// A horizontal bar of `count` out of `total`, `width` characters at full scale.
func bar(_ count: Int, of total: Int, width: Int = 40) -> String {
    let filled = total == 0 ? 0 : (count * width + total / 2) / total
    return String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
}
