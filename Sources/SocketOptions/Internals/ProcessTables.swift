// SocketOptions: reading the kernel's socket tables in /proc, for the EADDRINUSE diagnosis.
//
// Cost: one read of the calling thread's tcp and tcp6 tables (udp and udp6 for a datagram socket),
// filtered by port as it is read; the descriptor tables of /proc/PID/fd are walked only when a socket on the port
// has an inode to find, stop as soon as every inode has its process, and never look at more than
// `descriptorBudget` descriptors. Every open is close-on-exec and goes through Syscalls.swift.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum ProcessTables {
    static func effectiveUID() -> UInt32 { system_geteuid() }

    /// Descriptors looked at, at most, when searching the processes that hold sockets: a bound on
    /// the work of one diagnosis on a machine with very many open files.
    static let descriptorBudget = 1_000_000

    /// What the tables show, and whether the search of the owners ran to its end.
    struct Report {
        var findings: [AddressInUseDiagnosis.Finding] = []
        var ownersComplete = true
        var ephemeralPorts: ClosedRange<UInt16>?
    }

    static func report(
        for address: SocketAddress,
        type: SocketKind.SocketType,
        descriptorBudget: Int = descriptorBudget
    ) -> Report {
        #if os(Linux)
        if address.family == .unix { return unixReport(for: address, type: type, budget: descriptorBudget) }
        return ipReport(port: address.port, type: type, budget: descriptorBudget)
        #else
        return Report()
        #endif
    }

    #if os(Linux)
    /// One row of /proc/net/tcp, tcp6, udp or udp6 whose local port is the one asked about.
    struct Row {
        var address: String
        var remotePort: UInt16
        var state: UInt8
        var uid: UInt32
        var inode: UInt64
    }

    static let listenState: UInt8 = 0x0A
    static let timeWaitState: UInt8 = 0x06
    static let closeState: UInt8 = 0x07

    private static func ipReport(port: UInt16, type: SocketKind.SocketType, budget: Int) -> Report {
        var report = Report()
        report.ephemeralPorts = ephemeralPortRange()
        // Port 0 failed because no port was free: there is no one holder to name.
        guard port != 0 else { return report }
        let datagram = type == .datagram
        let tables = datagram ? ["udp", "udp6"] : ["tcp", "tcp6"]
        let rows =
            rows(networkTable(tables[0]), port: port, ipv6: false)
            + rows(networkTable(tables[1]), port: port, ipv6: true)
        let wanted: Set<UInt64> = Set(
            rows.filter { datagram || $0.state == listenState || $0.state == closeState }.map(\.inode).filter {
                $0 != 0
            }
        )
        let (owners, complete) = owners(ofInodes: wanted, budget: budget)
        report.ownersComplete = complete
        if datagram {
            for row in rows where row.inode != 0 {
                report.findings.append(.datagramSocket(address: row.address, uid: row.uid, owner: owners[row.inode]))
            }
            return report
        }
        for row in rows where row.state == listenState {
            report.findings.append(.listener(address: row.address, uid: row.uid, owner: owners[row.inode]))
        }
        for row in rows where row.state == closeState && row.inode != 0 {
            report.findings.append(.boundSocket(address: row.address, uid: row.uid, owner: owners[row.inode]))
        }
        // A client's connection: its local port came from the ephemeral range, its peer's did not.
        let range = report.ephemeralPorts
        let isClient = { (row: Row) -> Bool in
            guard let range else { return false }
            return range.contains(port) && !range.contains(row.remotePort)
        }
        let timeWait = rows.filter { $0.state == timeWaitState }
        let clients = timeWait.filter(isClient).count
        if timeWait.count > clients { report.findings.append(.timeWait(count: timeWait.count - clients)) }
        if clients > 0 { report.findings.append(.clientTimeWait(count: clients)) }
        return report
    }

    private static func unixReport(for address: SocketAddress, type: SocketKind.SocketType, budget: Int) -> Report {
        var report = Report()
        // /proc/net/unix writes an abstract name with @ first; SocketAddress's host does the same.
        let name = address.unixPath ?? address.host
        let inode = unixSockets(type: type).first { $0.path == Array(name.utf8) }?.inode
        let owner = { () -> AddressInUseDiagnosis.Owner? in
            guard let inode else { return nil }
            let (owners, complete) = owners(ofInodes: [inode], budget: budget)
            report.ownersComplete = complete
            return owners[inode]
        }
        guard let path = address.unixPath else {
            // An abstract name has no file: only a live socket can hold it.
            if inode != nil { report.findings = [.liveUnixServer(path: name, owner: owner())] }
            return report
        }
        switch UnixPathState.probe(path) {
        case .stale:
            if case .success(let file) = FileIdentity.named(path, in: AT_FDCWD), file.owner != effectiveUID() {
                report.findings = [.staleUnixFileOfAnotherUser(path: path, uid: file.owner)]
            } else {
                report.findings = [.staleUnixFile(path: path)]
            }
        case .notASocket: report.findings = [.notASocket(path: path)]
        case let state:
            // Our own listeners bind through /proc/self/fd, so /proc/net/unix does not show them under
            // their path: find the socket by the file's device and inode (sock_diag) first.
            let found = UnixPathState.sockets(boundTo: path).first ?? inode
            guard state == .live || found != nil else { break }
            var owner: AddressInUseDiagnosis.Owner?
            if let found {
                let (owners, complete) = owners(ofInodes: [found], budget: budget)
                report.ownersComplete = complete
                owner = owners[found]
            }
            report.findings = [.liveUnixServer(path: path, owner: owner)]
        }
        // The lock beside the path (held by an instance of this package, perhaps a server in
        // another network namespace, or by anyone who can write the directory).
        if let holder = lockHolder(of: path + ".lock") {
            report.findings.append(
                .heldLock(
                    path: path + ".lock",
                    owner: holder == 0 ? nil : .init(pid: holder, command: command(of: holder))
                )
            )
        }
        return report
    }

    /// The whole of one of the calling thread's network tables (`tcp`, `udp6`, `unix`, ...).
    ///
    /// A network namespace belongs to a thread: /proc/net and /proc/self/net show the tables of the
    /// process's main thread's namespace, so a diagnosis made on a thread that has entered another
    /// namespace (`unshare(CLONE_NEWNET)`, `setns`) would read the wrong machine's sockets there.
    /// /proc/thread-self/net shows the caller's own; kernels before 3.17 have no /proc/thread-self,
    /// and there /proc/self/net is the best there is. Every table starts with a header line, so an
    /// empty answer means the file could not be read.
    static func networkTable(_ name: String) -> [UInt8] {
        let own = contents("/proc/thread-self/net/" + name)
        guard own.isEmpty else { return own }
        // Either the kernel predates /proc/thread-self, or this table does not exist (no IPv6): only
        // the first may fall back, as the second would read another namespace's table.
        let threadSelf = system_openReadOnly("/proc/thread-self", flags: O_DIRECTORY)
        guard threadSelf < 0 else {
            _ = system_close(threadSelf)
            return []
        }
        return contents("/proc/self/net/" + name)
    }

    /// The whole of a /proc file: one open (close-on-exec), reads until the end, one close. A
    /// /proc table comes a page at a time, so the reads go to one buffer, and only what was read
    /// is kept.
    static func contents(_ path: String, limit: Int = 256 << 20) -> [UInt8] {
        let fd = system_openReadOnly(path)
        guard fd >= 0 else { return [] }
        defer { _ = system_close(fd) }
        var bytes: [UInt8] = []
        let chunk = min(1 << 16, limit)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 1)
        defer { buffer.deallocate() }
        while bytes.count < limit {
            guard case .success(let count) = valueOrErrno({ system_read(fd, buffer.baseAddress, chunk) }), count > 0
            else { break }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<min(count, limit - bytes.count)]))
        }
        return bytes
    }

    /// The rows of a {tcp,udp}{,6} network table (``networkTable(_:)``) whose local port is `port`.
    /// Every line is checked for its port first; only the matching ones are read whole.
    static func rows(_ text: [UInt8], port: UInt16, ipv6: Bool) -> [Row] {
        var rows: [Row] = []
        text.withUnsafeBufferPointer { bytes in
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
                defer { lineStart = lineEnd + 1 }
                // Fields: sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
                var fields: [Range<Int>] = []
                var index = lineStart
                while index < lineEnd && fields.count < 10 {
                    while index < lineEnd && bytes[index] == 0x20 { index += 1 }
                    let start = index
                    while index < lineEnd && bytes[index] != 0x20 { index += 1 }
                    if start < index { fields.append(start..<index) }
                    // The local port decides at once whether the rest of the line matters.
                    if fields.count == 2 {
                        let local = fields[1]
                        guard local.count > 5, bytes[local.upperBound - 5] == 0x3A,
                            hexValue(bytes, local.upperBound - 4..<local.upperBound) == UInt64(port)
                        else { break }
                    }
                }
                guard fields.count == 10 else { continue }
                let local = fields[1]
                let remote = fields[2]
                guard remote.count > 5,
                    let remotePort = hexValue(bytes, remote.upperBound - 4..<remote.upperBound),
                    let state = hexValue(bytes, fields[3]),
                    let uid = decimalValue(bytes, fields[7]),
                    let inode = decimalValue(bytes, fields[9])
                else { continue }
                let host = hostText(hex: Array(bytes[local.lowerBound..<local.upperBound - 5]), ipv6: ipv6)
                rows.append(
                    Row(
                        address: ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)",
                        remotePort: UInt16(truncatingIfNeeded: remotePort),
                        state: UInt8(truncatingIfNeeded: state),
                        uid: UInt32(truncatingIfNeeded: uid),
                        inode: inode
                    )
                )
            }
        }
        return rows
    }

    private static func hexValue(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty, range.count <= 16 else { return nil }
        var value: UInt64 = 0
        for index in range {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    private static func decimalValue(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty, range.count <= 19 else { return nil }
        var value: UInt64 = 0
        for index in range {
            let byte = bytes[index]
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + UInt64(byte - 0x30)
        }
        return value
    }

    /// /proc prints each 32-bit word of the address as a host-order number.
    private static func hostText(hex: [UInt8], ipv6: Bool) -> String {
        var bytes: [UInt8] = []
        hex.withUnsafeBufferPointer { text in
            var index = 0
            while index < text.count {
                let end = min(index + 8, text.count)
                let word = UInt32(truncatingIfNeeded: hexValue(text, index..<end) ?? 0)
                withUnsafeBytes(of: word) { bytes.append(contentsOf: $0) }
                index = end
            }
        }
        if ipv6, bytes.count == 16 {
            let high = bytes[0..<8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let low = bytes[8..<16].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            return SocketAddress.hostText(.ipv6(high, low, scope: 0))
        }
        let raw = bytes.withUnsafeBytes { $0.count >= 4 ? $0.loadUnaligned(as: UInt32.self) : 0 }
        return SocketAddress.hostText(.ipv4(raw))
    }

    /// net.ipv4.ip_local_port_range: where connect() and port 0 take their ports from.
    static func ephemeralPortRange() -> ClosedRange<UInt16>? {
        let text = contents("/proc/sys/net/ipv4/ip_local_port_range", limit: 64)
        let numbers = text.split { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A }.compactMap {
            UInt16(String(decoding: $0, as: UTF8.self))
        }
        guard numbers.count == 2, numbers[0] <= numbers[1] else { return nil }
        return numbers[0]...numbers[1]
    }

    /// Unix sockets of a type (a stream socket must be listening): inode and path bytes as
    /// /proc/net/unix prints them (abstract names start with @).
    private static func unixSockets(type: SocketKind.SocketType) -> [(inode: UInt64, path: [UInt8])] {
        let wantedType: UInt32 = type == .datagram ? 2 : type == .sequencedPacket ? 5 : 1
        return networkTable("unix").split(separator: 0x0A).dropFirst().compactMap { line in
            // Num RefCount Protocol Flags Type St Inode Path; flag 0x10000 is __SO_ACCEPTCON.
            let fields = line.split(separator: 0x20, maxSplits: 7, omittingEmptySubsequences: true)
            guard fields.count == 8,
                let flags = UInt32(String(decoding: fields[3], as: UTF8.self), radix: 16),
                let socketType = UInt32(String(decoding: fields[4], as: UTF8.self), radix: 16),
                socketType == wantedType, type == .datagram || flags & 0x10000 != 0,
                let inode = UInt64(String(decoding: fields[6], as: UTF8.self))
            else { return nil }
            return (inode, Array(fields[7]))
        }
    }

    /// The processes that hold sockets with these inodes, from /proc/PID/fd: stops when each has
    /// its process, or after `budget` descriptors (then `complete` is false).
    static func owners(
        ofInodes inodes: Set<UInt64>,
        budget: Int
    ) -> (owners: [UInt64: AddressInUseDiagnosis.Owner], complete: Bool) {
        guard !inodes.isEmpty else { return ([:], true) }
        guard let processes = system_opendir("/proc") else { return ([:], false) }
        defer { system_closedir(processes) }
        var found: [UInt64: AddressInUseDiagnosis.Owner] = [:]
        var budget = budget
        var link = [CChar](repeating: 0, count: 64)
        while found.count < inodes.count, budget > 0, let entry = system_readdir(processes) {
            guard let pid = entryNumber(entry) else { continue }
            guard let descriptors = system_opendir("/proc/\(pid)/fd") else { continue }
            defer { system_closedir(descriptors) }
            let directory = dirfd(descriptors)
            while found.count < inodes.count, budget > 0, let fdEntry = system_readdir(descriptors) {
                guard entryNumber(fdEntry) != nil else { continue }
                budget -= 1
                let count = withUnsafePointer(to: &fdEntry.pointee.d_name) { name in
                    name.withMemoryRebound(to: CChar.self, capacity: 256) { name in
                        system_readlinkat(directory, name, &link, link.count - 1)
                    }
                }
                guard count > 0, let inode = socketInode(link, count: count), inodes.contains(inode),
                    found[inode] == nil
                else { continue }
                found[inode] = AddressInUseDiagnosis.Owner(pid: pid, command: command(of: pid))
            }
        }
        return (found, found.count == inodes.count || budget > 0)
    }

    /// A directory entry's name as a number ("4242"), nil for ".", ".." and other names.
    private static func entryNumber(_ entry: UnsafeMutablePointer<dirent>) -> Int32? {
        withUnsafeBytes(of: &entry.pointee.d_name) { name in
            var value: Int64 = 0
            var digits = 0
            for byte in name {
                if byte == 0 { break }
                guard (0x30...0x39).contains(byte), digits < 10 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
                digits += 1
            }
            return digits > 0 && value <= Int64(Int32.max) ? Int32(value) : nil
        }
    }

    /// "socket:[12345]" → 12345.
    private static func socketInode(_ link: [CChar], count: Int) -> UInt64? {
        let prefix: [CChar] = [0x73, 0x6F, 0x63, 0x6B, 0x65, 0x74, 0x3A, 0x5B]  // "socket:["
        guard count > prefix.count + 1, link[count - 1] == 0x5D, Array(link[0..<prefix.count]) == prefix else {
            return nil
        }
        var value: UInt64 = 0
        for index in prefix.count..<(count - 1) {
            let byte = UInt8(bitPattern: link[index])
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value &* 10 &+ UInt64(byte - 0x30)
        }
        return value
    }

    /// The pid of the process that holds a flock on the file at `lockPath` (0 when /proc/locks
    /// shows a holder without a pid, as for another pid namespace's), from /proc/locks, matched by
    /// the file's device and inode; nil when nobody holds it or it cannot be told.
    private static func lockHolder(of lockPath: String) -> Int32? {
        guard case .success(let file) = FileIdentity.named(lockPath, in: AT_FDCWD), file.isRegularFile else {
            return nil
        }
        // glibc's encoding of dev_t; /proc/locks prints MAJOR:MINOR in hex, then the inode.
        let major = ((file.device >> 8) & 0xfff) | ((file.device >> 32) & ~UInt64(0xfff))
        let minor = (file.device & 0xff) | ((file.device >> 12) & ~UInt64(0xff))
        for line in contents("/proc/locks", limit: 16 << 20).split(separator: 0x0A) {
            let fields = line.split(separator: 0x20)
            // "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF"; a waiter's line has "->" second.
            guard fields.count >= 6, fields[1].elementsEqual("FLOCK".utf8) else { continue }
            let place = fields[5].split(separator: UInt8(ascii: ":"))
            guard place.count == 3,
                let lockMajor = UInt64(String(decoding: place[0], as: UTF8.self), radix: 16),
                let lockMinor = UInt64(String(decoding: place[1], as: UTF8.self), radix: 16),
                let inode = UInt64(String(decoding: place[2], as: UTF8.self)),
                lockMajor == major, lockMinor == minor, inode == file.inode
            else { continue }
            return Int32(String(decoding: fields[4], as: UTF8.self)) ?? 0
        }
        return nil
    }

    /// /proc/PID/comm, made printable; "?" when it cannot be read.
    private static func command(of pid: Int32) -> String {
        var bytes = contents("/proc/\(pid)/comm", limit: 64)
        if bytes.last == 0x0A { bytes.removeLast() }
        return bytes.isEmpty ? "?" : PrintableText.escaped(bytes)
    }
    #endif
}
