// SocketOptions: the Linux parts of publishing a Unix-domain socket file.

#if os(Linux)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How a directory is opened to be used only as the base of *at calls: O_PATH needs no read
/// permission on it (a socket directory is often 0711 or 0730). The Glibc module is not built with
/// _GNU_SOURCE, so O_PATH is spelled here (010000000 on every architecture Swift supports).
let platformDirectoryOpenFlags: CInt = 0o10_000_000 | O_DIRECTORY | O_CLOEXEC

/// A path that reaches the directory open on `fd` through the descriptor itself, whatever name the
/// directory has now: /proc/self/fd/N. The caller checks that it really leads there.
func platformDescriptorPath(_ fd: CInt) -> String? { "/proc/self/fd/\(fd)" }

/// Gives the directory open on `fd` (an O_PATH descriptor, which fchmod refuses) mode 0700 through
/// /proc/self/fd/N, which leads to that very directory whatever its name is now (as glibc's
/// fchmodat does for AT_SYMLINK_NOFOLLOW).
func platformSetOwnerOnly(_ fd: CInt) -> CInt { system_fchmodat(AT_FDCWD, "/proc/self/fd/\(fd)", 0o700, 0) }
#endif
