// sockopt-demo: counts TCP sockets by state from /proc/net/tcp, to show TIME_WAIT as the kernel
// sees it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How many IPv4 TCP sockets on local port `port` are in `state` ("06" is TIME_WAIT, "0A" LISTEN);
/// nil where /proc/net/tcp cannot be read (not Linux).
func tcpSocketCount(localPort port: UInt16, state: String) -> Int? {
    guard let file = fopen("/proc/net/tcp", "r") else { return nil }
    defer { fclose(file) }
    let portHex = String(port, radix: 16, uppercase: true)
    let wanted = ":" + String(repeating: "0", count: 4 - portHex.count) + portHex
    var line = [CChar](repeating: 0, count: 512)
    var count = 0
    while fgets(&line, CInt(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = text.split(separator: " ")
        if fields.count > 3 && fields[1].hasSuffix(wanted) && fields[3] == state { count += 1 }
    }
    return count
}
