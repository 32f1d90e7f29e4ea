// SocketOptions: whether a Unix-domain socket file is still in use, told without blocking and
// without connecting to a server the kernel can show us.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a path that bind found in use is.
enum UnixPathState: Sendable {
    /// A socket file that no socket is bound to: a dead server's leftover.
    case stale
    /// A socket file a socket is bound to (listening, or bound and not yet listening).
    case live
    /// Something that is not a socket (a regular file, a directory, a symlink).
    case notASocket
    /// Nothing there any more, or it cannot be told.
    case unknown
}

extension UnixPathState {
    /// Looks at `path` without changing anything (`fstatat` without following a symlink, then
    /// ``judge(_:reachedThrough:)``). Never blocks, never connects to a socket the kernel shows.
    static func probe(_ path: String) -> UnixPathState {
        switch FileIdentity.named(path, in: AT_FDCWD) {
        case .failure: return .unknown
        case .success(let file) where !file.isSocket: return .notASocket
        case .success(let file): return judge(file, reachedThrough: path)
        }
    }

    /// The inodes of the sockets bound to the socket file at `path` (as in `/proc/PID/fd`), from the
    /// kernel's table: a listener of this package is bound under a private name, so /proc/net/unix
    /// and `ss -x` do not show it under its path.
    static func sockets(boundTo path: String) -> [UInt64] {
        guard case .success(let file) = FileIdentity.named(path, in: AT_FDCWD), file.isSocket,
            case .success(let sockets) = UnixSocketTable.sockets(boundTo: file)
        else { return [] }
        return sockets
    }

    /// Whether the socket file `file`, which `path` names, is stale.
    ///
    /// Stale means: the kernel's table of Unix sockets (sock_diag, ``UnixSocketTable``) shows no
    /// socket bound to the file's device and inode, and a non-blocking connect through `path` is
    /// refused. The table alone decides "live", so a server that has bound and not yet listened is
    /// live, and a live server never sees a connection from us. The connect runs only when the
    /// table shows nobody: it is the word of a server in another network namespace (which the table
    /// cannot show) and the whole check where the table cannot be read; being non-blocking, it
    /// cannot wait on a full accept queue (EAGAIN: live).
    static func judge(_ file: FileIdentity, reachedThrough path: String) -> UnixPathState {
        if case .success(let holders) = UnixSocketTable.sockets(boundTo: file), !holders.isEmpty { return .live }
        return connectRefused(path)
    }

    private static func connectRefused(_ path: String) -> UnixPathState {
        guard let address = try? SocketAddress.unix(path: path) else { return .unknown }
        let fd = platformSocketCloseOnExec(AF_UNIX, platformStreamType)
        guard fd >= 0 else { return .unknown }
        defer { _ = system_close(fd) }
        let flags = system_fcntl(fd, F_GETFL)
        guard flags >= 0, system_fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { return .unknown }
        let result = address.withSockAddr { sockaddr, length in
            valueOrErrno(retryOnInterrupt: false) { system_connect(fd, sockaddr, length) }
        }
        switch result {
        case .success: return .live
        case .failure(let errno) where errno == .connectionRefused: return .stale
        // A full accept queue (EAGAIN), a connection on its way, a socket of another type: somebody is there.
        case .failure(let errno) where errno == .wouldBlock || errno.rawValue == EINPROGRESS: return .live
        case .failure(let errno) where errno.rawValue == EPROTOTYPE: return .live
        case .failure: return .unknown
        }
    }
}
