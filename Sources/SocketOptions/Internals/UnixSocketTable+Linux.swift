// SocketOptions: which Unix-domain sockets are bound to a file, asked of the kernel through
// NETLINK_SOCK_DIAG (unix_diag, what `ss -x` reads), without touching any of them.

#if os(Linux)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's table of Unix-domain sockets, asked with one `SOCK_DIAG_BY_FAMILY` dump request
/// that shows, for every socket bound to a file (`UDIAG_SHOW_VFS`), the device and inode of that
/// file. A socket file that no socket is bound to is stale, whatever state its socket would have
/// been in: this sees a server that has bound and not yet listened, never connects to anybody,
/// and cannot block (each receive waits at most a second).
///
/// It sees the sockets of this network namespace only: a server in another namespace that shares
/// the directory is invisible here (the caller confirms with a non-blocking connect).
enum UnixSocketTable {
    // linux/netlink.h, linux/sock_diag.h, linux/unix_diag.h: not in the Glibc module.
    private static let netlinkFamily: CInt = 16  // AF_NETLINK
    private static let sockDiagProtocol: CInt = 4  // NETLINK_SOCK_DIAG
    private static let sockDiagByFamily: UInt16 = 20  // SOCK_DIAG_BY_FAMILY
    private static let requestFlags: UInt16 = 0x1 | 0x300  // NLM_F_REQUEST | NLM_F_DUMP
    private static let doneType: UInt16 = 3  // NLMSG_DONE
    private static let errorType: UInt16 = 2  // NLMSG_ERROR
    private static let showVFS: UInt32 = 0x2  // UDIAG_SHOW_VFS
    private static let vfsAttribute: UInt16 = 1  // UNIX_DIAG_VFS
    private static let headerSize = 16  // struct nlmsghdr
    private static let messageSize = 16  // struct unix_diag_msg
    private static let receiveLimitMilliseconds: CInt = 1000

    /// The inodes of the sockets (as in `/proc/PID/fd`, `socket:[N]`) bound to `file`; empty when
    /// none is. A failure means the kernel could not be asked (no `CONFIG_UNIX_DIAG`, netlink
    /// refused by a sandbox) and says nothing about the file.
    static func sockets(boundTo file: FileIdentity) -> Result<[UInt64], Errno> {
        let fd = system_socket(netlinkFamily, platformDatagramType | platformCloseOnExecFlag, sockDiagProtocol)
        if fd < 0 { return .failure(currentErrno()) }
        defer { _ = system_close(fd) }
        if case .failure(let errno) = sendRequest(on: fd) { return .failure(errno) }
        return receive(on: fd, matching: file)
    }

    private static func sendRequest(on fd: CInt) -> Result<Void, Errno> {
        // struct nlmsghdr (16 bytes) + struct unix_diag_req (24 bytes), host byte order.
        var request = [UInt8](repeating: 0, count: headerSize + 24)
        request.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: UInt32(bytes.count), toByteOffset: 0, as: UInt32.self)
            bytes.storeBytes(of: sockDiagByFamily, toByteOffset: 4, as: UInt16.self)
            bytes.storeBytes(of: requestFlags, toByteOffset: 6, as: UInt16.self)
            bytes.storeBytes(of: 1, toByteOffset: 8, as: UInt32.self)  // sequence number
            bytes[headerSize] = UInt8(AF_UNIX)  // sdiag_family; sdiag_protocol 0
            bytes.storeBytes(of: UInt32.max, toByteOffset: headerSize + 4, as: UInt32.self)  // every state
            bytes.storeBytes(of: showVFS, toByteOffset: headerSize + 12, as: UInt32.self)
        }
        var kernel = sockaddr_storage()
        kernel.ss_family = sa_family_t(netlinkFamily)  // nl_pid 0: the kernel
        let sent = request.withUnsafeBytes { bytes in
            withUnsafePointer(to: &kernel) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    valueOrErrno { system_sendto(fd, bytes.baseAddress, bytes.count, 0, address, 12) }
                }
            }
        }
        return sent.map { _ in () }
    }

    private static func receive(on fd: CInt, matching file: FileIdentity) -> Result<[UInt64], Errno> {
        let wantedInode = UInt32(truncatingIfNeeded: file.inode)
        var found: [UInt64] = []
        var buffer = [UInt8](repeating: 0, count: 32768)
        while true {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            switch valueOrErrno({ system_poll(&entry, 1, receiveLimitMilliseconds) }) {
            case .success(0): return .failure(.timedOut)
            case .success: break
            case .failure(let errno): return .failure(errno)
            }
            let received = buffer.withUnsafeMutableBytes { bytes in
                valueOrErrno { system_recv(fd, bytes.baseAddress, bytes.count, CInt(MSG_DONTWAIT)) }
            }
            guard case .success(let count) = received else {
                if case .failure(let errno) = received, errno != .wouldBlock { return .failure(errno) }
                continue
            }
            if count == 0 { return .failure(.connectionReset) }
            var done = false
            let parsed: Errno? = buffer.withUnsafeBytes { bytes in
                var offset = 0
                while offset + headerSize <= count {
                    let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                    let type = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
                    guard length >= headerSize, offset + length <= count else { return .invalidArgument }
                    if type == doneType {
                        done = true
                        return nil
                    }
                    if type == errorType {
                        let code =
                            length >= headerSize + 4
                            ? bytes.loadUnaligned(fromByteOffset: offset + headerSize, as: Int32.self) : -EINVAL
                        return Errno(rawValue: code == 0 ? EINVAL : -code)
                    }
                    if let socket = socketInode(in: bytes, at: offset, length: length, file: file, inode: wantedInode) {
                        found.append(socket)
                    }
                    offset += (length + 3) & ~3
                }
                return nil
            }
            if let parsed { return .failure(parsed) }
            if done { return .success(found) }
        }
    }

    /// The socket's inode when the unix_diag_msg at `offset` is bound to `file`.
    private static func socketInode(
        in bytes: UnsafeRawBufferPointer,
        at offset: Int,
        length: Int,
        file: FileIdentity,
        inode wantedInode: UInt32
    ) -> UInt64? {
        guard length >= headerSize + messageSize else { return nil }
        let socketInode = bytes.loadUnaligned(fromByteOffset: offset + headerSize + 4, as: UInt32.self)
        var attribute = offset + headerSize + messageSize
        let end = offset + length
        while attribute + 4 <= end {
            let attributeLength = Int(bytes.loadUnaligned(fromByteOffset: attribute, as: UInt16.self))
            let attributeType = bytes.loadUnaligned(fromByteOffset: attribute + 2, as: UInt16.self)
            guard attributeLength >= 4, attribute + attributeLength <= end else { return nil }
            if attributeType == vfsAttribute && attributeLength >= 12 {
                // struct unix_diag_vfs: the inode (32 bits: a longer one is cut, which can only make
                // an unrelated socket look bound to the file, never the reverse) and the device in the
                // kernel's own encoding (major << 20 | minor).
                let vfsInode = bytes.loadUnaligned(fromByteOffset: attribute + 4, as: UInt32.self)
                let vfsDevice = bytes.loadUnaligned(fromByteOffset: attribute + 8, as: UInt32.self)
                if vfsInode == wantedInode && userDevice(kernel: vfsDevice) == file.device {
                    return UInt64(socketInode)
                }
                return nil
            }
            attribute += (attributeLength + 3) & ~3
        }
        return nil
    }

    /// The kernel's dev_t (major << 20 | minor) as stat's st_dev encodes it (glibc's makedev).
    static func userDevice(kernel device: UInt32) -> UInt64 {
        let major = UInt64(device >> 20)
        let minor = UInt64(device & 0xFFFFF)
        return (minor & 0xFF) | ((major & 0xFFF) << 8) | ((minor & ~0xFF) << 12) | ((major & ~0xFFF) << 32)
    }
}
#endif
