// SocketOptions: which file a name or a descriptor refers to, read without following symlinks.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The device and inode of a file, with its type, owner and permission bits: two names refer to
/// the same file when device and inode agree.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    /// The type bits of `st_mode` (`S_IFSOCK`, `S_IFREG`, `S_IFDIR`, ...).
    var type: UInt32
    /// The permission bits of `st_mode`, 0...0o7777.
    var permissions: UInt32
    var owner: UInt32

    init(_ status: stat) {
        device = UInt64(truncatingIfNeeded: status.st_dev)
        inode = UInt64(truncatingIfNeeded: status.st_ino)
        type = UInt32(status.st_mode) & UInt32(S_IFMT)
        permissions = UInt32(status.st_mode) & 0o7777
        owner = UInt32(status.st_uid)
    }

    var isSocket: Bool { type == UInt32(S_IFSOCK) }
    var isRegularFile: Bool { type == UInt32(S_IFREG) }
    var isDirectory: Bool { type == UInt32(S_IFDIR) }

    /// Whether both describe one file (device and inode), whatever its mode is now.
    func isSameFile(as other: FileIdentity) -> Bool { device == other.device && inode == other.inode }

    /// The file `name` names inside `directory` (or, with AT_FDCWD, a path), without following a
    /// final symlink (`fstatat` with `AT_SYMLINK_NOFOLLOW`).
    static func named(_ name: String, in directory: CInt) -> Result<FileIdentity, Errno> {
        var status = stat()
        return valueOrErrno { system_fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) }.map { _ in
            FileIdentity(status)
        }
    }

    /// The file a descriptor is open on (`fstat`).
    static func of(_ fd: CInt) -> Result<FileIdentity, Errno> {
        var status = stat()
        return valueOrErrno { system_fstat(fd, &status) }.map { _ in FileIdentity(status) }
    }

    /// The file `path` leads to, following symlinks (for /proc/self/fd/N: the directory open on N).
    static func reached(through path: String) -> Result<FileIdentity, Errno> {
        var status = stat()
        return valueOrErrno { system_fstatat(AT_FDCWD, path, &status, 0) }.map { _ in FileIdentity(status) }
    }
}
