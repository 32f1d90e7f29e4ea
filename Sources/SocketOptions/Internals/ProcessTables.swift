// SocketOptions: reading the kernel's socket tables in /proc, for the EADDRINUSE diagnosis.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum ProcessTables {
    static func effectiveUID() -> UInt32 { UInt32(geteuid()) }

    static func findings(for address: SocketAddress) -> [AddressInUseDiagnosis.Finding] {
        #if os(Linux)
        if address.family == .unix { return unixFindings(for: address) }
        return ipFindings(port: address.port)
        #else
        return []
        #endif
    }

    #if os(Linux)
    /// One row of /proc/net/tcp or tcp6.
    struct TCPRow {
        var address: String
        var port: UInt16
        var state: UInt8
        var uid: UInt32
        var inode: UInt64
    }

    static let listenState: UInt8 = 0x0A
    static let timeWaitState: UInt8 = 0x06
    static let closeState: UInt8 = 0x07

    private static func ipFindings(port: UInt16) -> [AddressInUseDiagnosis.Finding] {
        guard port != 0 else { return [] }
        let rows = (tcpRows("/proc/net/tcp", ipv6: false) + tcpRows("/proc/net/tcp6", ipv6: true)).filter {
            $0.port == port
        }
        let wanted = Set(rows.filter { $0.state == listenState || $0.state == closeState }.map(\.inode))
        let owners = owners(ofInodes: wanted)
        var findings: [AddressInUseDiagnosis.Finding] = []
        for row in rows where row.state == listenState {
            findings.append(.listener(address: row.address, uid: row.uid, owner: owners[row.inode]))
        }
        for row in rows where row.state == closeState && row.inode != 0 {
            findings.append(.boundSocket(address: row.address, uid: row.uid, owner: owners[row.inode]))
        }
        let timeWait = rows.filter { $0.state == timeWaitState }.count
        if timeWait > 0 { findings.append(.timeWait(count: timeWait)) }
        return findings
    }

    private static func unixFindings(for address: SocketAddress) -> [AddressInUseDiagnosis.Finding] {
        guard let path = address.unixPath else {
            // An abstract name has no file: only a live socket can hold it.
            let name = address.host
            let inode = unixListeners().first { $0.path == name }?.inode
            return inode.map { [.liveUnixServer(path: name, owner: owners(ofInodes: [$0])[$0])] } ?? []
        }
        switch UnixPathState.probe(path) {
        case .stale: return [.staleUnixFile(path: path)]
        case .notASocket: return [.notASocket(path: path)]
        case .live:
            let inode = UnixPathState.sockets(boundTo: path).first ?? unixListeners().first { $0.path == path }?.inode
            return [.liveUnixServer(path: path, owner: inode.flatMap { owners(ofInodes: [$0])[$0] })]
        case .unknown: return []
        }
    }

    /// The lines of a small /proc file.
    private static func lines(_ path: String) -> [Substring] {
        guard let file = fopen(path, "r") else { return [] }
        defer { fclose(file) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, CInt(buffer.count), file) != nil {
            text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return text.split(separator: "\n")
    }

    static func tcpRows(_ path: String, ipv6: Bool) -> [TCPRow] {
        lines(path).dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 9 else { return nil }
            let local = fields[1].split(separator: ":")
            guard local.count == 2, let port = UInt16(local[1], radix: 16), let state = UInt8(fields[3], radix: 16),
                let uid = UInt32(fields[7]), let inode = UInt64(fields[9])
            else { return nil }
            let host = hostText(hex: local[0], ipv6: ipv6)
            return TCPRow(
                address: ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)",
                port: port,
                state: state,
                uid: uid,
                inode: inode
            )
        }
    }

    /// /proc prints each 32-bit word of the address as a host-order number.
    private static func hostText(hex: Substring, ipv6: Bool) -> String {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let end = hex.index(index, offsetBy: 8, limitedBy: hex.endIndex) ?? hex.endIndex
            let word = UInt32(hex[index..<end], radix: 16) ?? 0
            withUnsafeBytes(of: word) { bytes.append(contentsOf: $0) }
            index = end
        }
        if ipv6, bytes.count == 16 {
            let high = bytes[0..<8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let low = bytes[8..<16].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            return SocketAddress.hostText(.ipv6(high, low, scope: 0))
        }
        let raw = bytes.withUnsafeBytes { $0.count >= 4 ? $0.loadUnaligned(as: UInt32.self) : 0 }
        return SocketAddress.hostText(.ipv4(raw))
    }

    /// Listening Unix sockets: inode and path (abstract names start with @).
    private static func unixListeners() -> [(inode: UInt64, path: String)] {
        lines("/proc/net/unix").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            // Num RefCount Protocol Flags Type St Inode Path; flag 0x10000 is __SO_ACCEPTCON.
            guard fields.count >= 8, let flags = UInt32(fields[3], radix: 16), flags & 0x10000 != 0,
                let inode = UInt64(fields[6])
            else { return nil }
            return (inode, fields[7...].joined(separator: " "))
        }
    }

    /// The processes that hold sockets with these inodes, from /proc/PID/fd.
    static func owners(ofInodes inodes: Set<UInt64>) -> [UInt64: AddressInUseDiagnosis.Owner] {
        guard !inodes.isEmpty, let processes = opendir("/proc") else { return [:] }
        defer { closedir(processes) }
        var found: [UInt64: AddressInUseDiagnosis.Owner] = [:]
        while let entry = readdir(processes), found.count < inodes.count {
            let name = entryName(entry)
            guard let pid = Int32(name) else { continue }
            guard let descriptors = opendir("/proc/\(pid)/fd") else { continue }
            defer { closedir(descriptors) }
            while let fdEntry = readdir(descriptors) {
                let fdName = entryName(fdEntry)
                guard fdName.first?.isNumber == true else { continue }
                guard let inode = socketInode(link: "/proc/\(pid)/fd/\(fdName)"), inodes.contains(inode),
                    found[inode] == nil
                else { continue }
                found[inode] = AddressInUseDiagnosis.Owner(pid: pid, command: command(of: pid))
            }
        }
        return found
    }

    private static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
        withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// "socket:[12345]" → 12345.
    private static func socketInode(link: String) -> UInt64? {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink(link, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let target = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard target.hasPrefix("socket:["), target.hasSuffix("]") else { return nil }
        return UInt64(target.dropFirst(8).dropLast())
    }

    private static func command(of pid: Int32) -> String {
        lines("/proc/\(pid)/comm").first.map(String.init) ?? "?"
    }
    #endif
}
