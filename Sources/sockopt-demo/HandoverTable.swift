// sockopt-demo handover: the table of results, and the machine it was measured on.

#if os(Linux)
import Glibc

/// One line per way, columns two spaces apart.
func handoverTable(_ rows: [HandoverRow]) -> String {
    let baseline = rows.first { $0.way == .baseline }?.outcome?.longestWait
    let header = [
        "way", "attempted", "served", "refused", "reset", "other", "longest wait", "over baseline", "switch",
    ]
    // A row that did not run says why after its title, outside the columns.
    let titleWidth = rows.map(\.way.title.count).max() ?? 0
    let lines = rows.map { row -> [String] in
        guard let outcome = row.outcome else {
            return [padded(row.way.title, titleWidth) + "  " + (row.skipped ?? "not run")]
        }
        let over = baseline.map { outcome.longestWait - $0 }
        return [
            row.way.title, "\(outcome.attempted)", "\(outcome.served)", "\(outcome.refused)", "\(outcome.reset)",
            "\(outcome.other)", milliseconds(outcome.longestWait),
            row.way == .baseline ? "-" : over.map(signedMilliseconds) ?? "-",
            row.switchTime.map(milliseconds) ?? "-",
        ]
    }
    return columns([header] + lines)
}

/// `+12.3 ms`, `-0.4 ms`, `0.0 ms`: a sign whenever the tenths are not zero.
func signedMilliseconds(_ duration: Duration) -> String {
    let text = milliseconds(duration)
    return text.hasPrefix("-") || text == "0.0 ms" ? text : "+" + text
}

/// `12.3 ms`, `-0.4 ms`.
func milliseconds(_ duration: Duration) -> String {
    let tenths = nanoseconds(duration) / 100_000
    let sign = tenths < 0 ? "-" : ""
    return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10) ms"
}

/// `machine: 2 CPUs, AMD EPYC, Linux 6.18.44 x86_64, load average 1.20 1.10 0.90`, from the
/// kernel's own answers (sysconf, /proc/cpuinfo, uname, /proc/loadavg).
func machineDescription() -> String {
    var parts = ["\(sysconf(Int32(_SC_NPROCESSORS_ONLN))) CPUs"]
    if let model = firstLine(of: "/proc/cpuinfo", startingWith: "model name") {
        parts.append(String(model.drop { $0 != ":" }.dropFirst().drop { $0 == " " }))
    }
    var names = utsname()
    if uname(&names) == 0 {
        let release = withUnsafeBytes(of: names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = withUnsafeBytes(of: names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        parts.append("Linux \(release) \(machine)")
    }
    if let load = firstLine(of: "/proc/loadavg", startingWith: "") {
        parts.append("load average " + load.split(separator: " ").prefix(3).joined(separator: " "))
    }
    return "machine: " + parts.joined(separator: ", ")
}

/// The first line of a small file (at most 64 KiB read) that starts with `prefix`.
private func firstLine(of path: String, startingWith prefix: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while bytes.count < 65536 {
        let count = read(fd, &buffer, buffer.count)
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
}
#endif
