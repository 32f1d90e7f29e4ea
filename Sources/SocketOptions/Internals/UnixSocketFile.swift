// SocketOptions: the file a Unix-domain listener creates, removed safely when it is done, and a
// stale one left by a dead server recovered safely.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The socket file a listener bound. When the listener closes, the file is removed, but only if
/// it is still the same file (device and inode): a newer server may have replaced it.
///
/// A class, so that handing the descriptor off can disarm it; only its one owner, a
/// ListeningSocket, which is ~Copyable, ever touches `armed`.
final class UnixSocketFile: @unchecked Sendable {
    let path: String
    private let device: UInt64
    private let inode: UInt64
    private var armed = true

    init?(path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        self.path = path
        self.device = UInt64(truncatingIfNeeded: status.st_dev)
        self.inode = UInt64(truncatingIfNeeded: status.st_ino)
    }

    /// Leaves the file in place when the owner goes (the descriptor was handed off).
    func disarm() { armed = false }

    deinit {
        guard armed else { return }
        var status = stat()
        guard lstat(path, &status) == 0, UInt64(truncatingIfNeeded: status.st_dev) == device,
            UInt64(truncatingIfNeeded: status.st_ino) == inode,
            status.st_mode & S_IFMT == S_IFSOCK
        else { return }
        _ = system_unlink(path)
    }
}

/// What a path that bind found in use is.
enum UnixPathState {
    /// A socket file nobody listens on: connect() was refused.
    case stale
    /// A socket file a live server listens on.
    case live
    /// Something that is not a socket (a regular file, a directory).
    case notASocket
    /// Nothing there any more, or it cannot be told.
    case unknown
}

extension UnixPathState {
    /// Looks at `path` without changing anything: lstat, then a connect() probe for a socket.
    static func probe(_ path: String) -> UnixPathState {
        var status = stat()
        guard lstat(path, &status) == 0 else { return .unknown }
        guard status.st_mode & S_IFMT == S_IFSOCK else { return .notASocket }
        guard let address = try? SocketAddress.unix(path: path) else { return .unknown }
        let fd = platformSocketCloseOnExec(AF_UNIX, platformStreamType)
        guard fd >= 0 else { return .unknown }
        defer { _ = system_close(fd) }
        let result = address.withSockAddr { sockaddr, length in
            valueOrErrno { system_connect(fd, sockaddr, length) }
        }
        switch result {
        case .success: return .live
        case .failure(let errno) where errno == .connectionRefused: return .stale
        // A full accept queue answers EAGAIN on a Unix socket: somebody is there.
        case .failure(let errno) where errno == .wouldBlock: return .live
        case .failure: return .unknown
        }
    }
}
