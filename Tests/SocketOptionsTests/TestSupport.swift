// SocketOptions tests: helpers that read the kernel's answers directly, not through the library.

import Glibc
import Testing

@testable import SocketOptions

/// Raw getsockopt of an int option: the kernel's answer without the library in between.
func rawIntOption(_ fd: CInt, _ level: CInt, _ name: CInt) -> CInt {
    var value: CInt = -12345
    var length = socklen_t(MemoryLayout<CInt>.size)
    let result = getsockopt(fd, level, name, &value, &length)
    precondition(result == 0, "getsockopt(\(level), \(name)) failed: errno \(errno)")
    return value
}

/// A raw socket made with the C library, for tests of descriptors the package does not own.
func rawSocket(_ domain: CInt = AF_INET, _ type: CInt = CInt(SOCK_STREAM.rawValue)) -> CInt {
    let fd = socket(domain, type, 0)
    precondition(fd >= 0, "socket() failed: errno \(errno)")
    return fd
}

/// The open descriptors of this process, from /proc/self/fd.
func openDescriptors() -> Set<Int32> {
    guard let directory = opendir("/proc/self/fd") else { return [] }
    defer { closedir(directory) }
    let own = dirfd(directory)
    var found: Set<Int32> = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let fd = Int32(name), fd != own { found.insert(fd) }
    }
    return found
}

/// Each open descriptor of this process with what /proc/self/fd/N links to (`socket:[inode]`,
/// `pipe:[inode]`, a path): the number and the file it stands for.
func openDescriptorTargets() -> [Int32: String] {
    var targets: [Int32: String] = [:]
    var link = [CChar](repeating: 0, count: 4096)
    for fd in openDescriptors() {
        let count = readlink("/proc/self/fd/\(fd)", &link, link.count - 1)
        // Closed between the listing and the readlink: it is not open now.
        guard count >= 0 else { continue }
        targets[fd] = String(decoding: link[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    return targets
}

/// The descriptors open now that were not open at `before`, or that now stand for another file:
/// what the code run in between left open (its descriptor number and what it links to).
///
/// Only additions: a leak adds a descriptor. Comparing the whole set would also fail on
/// descriptors that the test runtime or Foundation closes meanwhile (a `Process`'s pipes are
/// closed from its own threads, after the process has ended). A leak that takes a number freed
/// meanwhile still shows, as that number linking to another file (each socket and pipe has an
/// inode of its own). Descriptors opened meanwhile by other code would show too: only
/// KernelTests opens descriptors, one test at a time.
func descriptorsAdded(since before: [Int32: String]) -> [Int32: String] {
    openDescriptorTargets().filter { fd, target in before[fd] != target }
}

/// The open descriptors that are sockets. For tests that compare before and after around code
/// that can make a sanitizer open descriptors of its own: ThreadSanitizer starts its symbolizer,
/// with pipes that stay open, the first time it symbolizes a report, a suppressed one included.
func openSocketDescriptors() -> Set<Int32> {
    openDescriptors().filter { fd in
        var status = stat()
        return fstat(fd, &status) == 0 && status.st_mode & S_IFMT == S_IFSOCK
    }
}

/// Reads a small text file such as a /proc or /proc/sys entry.
func readText(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var text = ""
    var buffer = [CChar](repeating: 0, count: 4096)
    while fgets(&buffer, CInt(buffer.count), file) != nil {
        text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    return text
}

/// A numeric sysctl such as `net/core/rmem_max`.
func sysctl(_ name: String) -> Int? {
    readText("/proc/sys/" + name).flatMap { Int($0.trimmingCharacters(in: " \n")) }
}

/// One row of the tcp or tcp6 table of the calling thread's network namespace
/// (/proc/thread-self/net: /proc/net shows the main thread's, wrong for a thread that has entered
/// a private namespace): a TCP socket with its
/// local port, its state (the kernel's hex code: 06 TIME_WAIT, 0A LISTEN) and its inode (0 for
/// TIME_WAIT and pending connections, which belong to no descriptor).
struct TCPTableRow: Equatable {
    var port: UInt16
    var state: String
    var inode: UInt64
}

/// Every TCP socket, IPv4 and IPv6, in any state, whose local port is `port`.
func tcpTableRows(localPort port: UInt16) -> [TCPTableRow] {
    var rows: [TCPTableRow] = []
    for path in ["/proc/thread-self/net/tcp", "/proc/thread-self/net/tcp6"] {
        guard let table = readText(path) else { continue }
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9 else { continue }
            let local = fields[1].split(separator: ":")
            guard local.count == 2, let rowPort = UInt16(local[1], radix: 16), rowPort == port,
                let inode = UInt64(fields[9])
            else { continue }
            rows.append(TCPTableRow(port: rowPort, state: String(fields[3]), inode: inode))
        }
    }
    return rows
}

/// How many IPv4 TCP sockets with local port `port` are in `state` (the kernel's hex state code,
/// 06 for TIME_WAIT, 0A for LISTEN), read from the calling thread's namespace's tcp table.
func tcpSockets(localPort port: UInt16, state: String) -> Int {
    guard let table = readText("/proc/thread-self/net/tcp") else { return 0 }
    let portHex = String(port, radix: 16, uppercase: true)
    let wantedPort = String(repeating: "0", count: 4 - portHex.count) + portHex
    var count = 0
    for line in table.split(separator: "\n").dropFirst() {
        let fields = line.split(separator: " ")
        guard fields.count > 3 else { continue }
        let local = fields[1].split(separator: ":")
        if local.count == 2 && local[1] == wantedPort && fields[3] == state { count += 1 }
    }
    return count
}

/// The inode of a socket descriptor, as /proc/net/tcp shows it.
func socketInode(_ fd: CInt) -> UInt64 {
    var status = stat()
    precondition(fstat(fd, &status) == 0, "fstat(\(fd)) failed: errno \(errno)")
    return UInt64(status.st_ino)
}

/// A listener on `address` (port 0) whose port no other TCP socket of this network namespace
/// uses, in any state, on any address, IPv4 or IPv6.
///
/// Port 0 gives a port that no socket *conflicts* with, not a clean one: the kernel may hand out
/// a port on which an earlier connection (ours or another process's) still sits in TIME_WAIT, if
/// that socket had SO_REUSEADDR like the new one, or if it is on an address the new one does not
/// overlap (IPv4 beside a v6-only `[::]`). A test that then counts what is on the port, or binds
/// the port on another address or family, would see that leftover. So choose and check: listen,
/// read /proc/net/tcp and tcp6, and take another port while any row on it is not this listener.
/// Once the listener holds the port, no new client can take it as its local port (connect only
/// reuses ports that connect itself took), so the check stays true.
func listenerOnCleanPort(
    _ address: SocketAddress = anyLoopbackPort,
    options: [SocketOption] = ListeningSocket.defaultOptions
) throws -> ListeningSocket {
    precondition(address.port == 0, "listenerOnCleanPort chooses the port itself")
    var leftovers: [(port: UInt16, rows: [TCPTableRow])] = []
    for _ in 0..<100 {
        let listener = try ListeningSocket(address: address, options: options)
        let inode = socketInode(listener.descriptor.rawValue)
        let others = tcpTableRows(localPort: listener.localAddress.port).filter { $0.inode != inode }
        if others.isEmpty { return listener }
        leftovers.append((listener.localAddress.port, others))
    }
    throw CleanPortNotFound(leftovers: leftovers)
}

/// 100 ports in a row came with leftovers: the namespace is crowded beyond what tests expect.
struct CleanPortNotFound: Error, CustomStringConvertible {
    var leftovers: [(port: UInt16, rows: [TCPTableRow])]
    var description: String {
        let ports = leftovers.prefix(5).map { "\($0.port): \($0.rows.map(\.state))" }
        return "no clean port in 100 tries; the first ports and the states of what sat on them: \(ports)"
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}

/// Runs `body` with `recorder` installed for this task and returns what it recorded.
func recording<Result>(
    _ recorder: SyscallRecorder = SyscallRecorder(),
    _ body: () throws -> Result
) rethrows -> (Result, [SyscallRecorder.Call]) {
    let result = try SyscallRecorder.$current.withValue(recorder) { try body() }
    return (result, recorder.calls)
}

extension SyscallRecorder {
    /// A recorder that makes the first call of `kind` fail with `errno`.
    static func failing(_ kind: Kind, with errno: Errno) -> SyscallRecorder {
        let recorder = SyscallRecorder()
        recorder.fail(kind, with: errno)
        return recorder
    }

    /// A recorder that makes getsockopt of `option` read back `value`.
    static func readingBack(_ option: SocketOption.Name, as value: CInt) -> SyscallRecorder {
        let recorder = SyscallRecorder()
        recorder.readBack(option, as: value)
        return recorder
    }
}

/// The loopback address with port 0, for a listener whose port the kernel chooses.
let anyLoopbackPort = SocketAddress.ipv4Loopback(port: 0)

/// Accepts until no connection arrives within `timeout`; returns how many were accepted.
func drain(_ listener: borrowing ListeningSocket, timeout: Duration = .milliseconds(200)) throws -> Int {
    var count = 0
    while let connection = try listener.accept(timeout: timeout) {
        try connection.close()
        count += 1
    }
    return count
}

extension ListeningSocket {
    /// The record of the option named `name`: a test that gives one option finds it among the
    /// defaults the listener set before it.
    func applied(_ name: SocketOption.Name) -> AppliedOption? {
        appliedOptions.first { $0.name == name }
    }
}

/// A small seeded generator (SplitMix64), for tests that draw many cases: a failing case
/// recurs on every run, and its seed finds it again.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
