// SocketOptions: the Darwin parts of publishing a Unix-domain socket file. Darwin is not where the
// package is tested; this keeps its build honest in principle.

#if canImport(Darwin)
import Darwin

/// Darwin has no O_PATH: the directory is opened for reading.
let platformDirectoryOpenFlags: CInt = O_RDONLY | O_DIRECTORY | O_CLOEXEC

/// Darwin has no /proc/self/fd that leads into a directory: the socket is bound through the full
/// path of the private directory, and where it landed is checked afterwards.
func platformDescriptorPath(_ fd: CInt) -> String? { nil }

/// Gives the directory open on `fd` (opened for reading) mode 0700.
func platformSetOwnerOnly(_ fd: CInt) -> CInt { system_fchmod(fd, 0o700) }

/// Darwin has no sock_diag: which sockets are bound to a file cannot be asked, and the staleness
/// check falls back to a non-blocking connect.
enum UnixSocketTable {
    static func sockets(boundTo file: FileIdentity) -> Result<[UInt64], Errno> { .failure(.notSupported) }
}
#endif
