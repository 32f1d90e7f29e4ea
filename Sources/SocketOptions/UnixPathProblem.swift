// SocketOptions: what the package found that keeps a Unix-domain path from being bound, where no
// system call said so by itself, and what to do about it.

/// Why a Unix-domain path could not be bound, as the package found it on the file system (or in the
/// path itself) while it made the socket file; thrown as
/// ``SocketError/unixPathUnusable(_:_:errno:)``.
///
/// A socket file is made under a lock file beside it (`PATH.lock`), and a listener's in a private
/// directory beside it (`.NAME.sockopt-XXXXXXXX`), which is linked to the path once it listens (see
/// ``ListeningSocket/init(address:options:backlog:unixFileMode:)``). These are the ways that can go
/// wrong that no system call reports as such: the error's `errno` is the answer of the call that
/// met the problem where one did, and nil where the package decided alone. The corresponding C
/// calls are `openat`, `fstat` and `mkdirat`.
public enum UnixPathProblem: Hashable, Sendable, CustomStringConvertible {
    /// The path does not end in a file name: its last component is empty (it ends in `/`), `.` or
    /// `..`, so it names a directory, not a socket file to create. Refused before any system call.
    case notAFileName

    /// Something that is not a regular file is at `PATH.lock`, the name of the lock file beside the
    /// socket file. The package never takes the lock on it nor removes it. `errno` is what `openat`
    /// (`O_CREAT | O_NOFOLLOW`) answered (`EISDIR` for a directory, `ELOOP` for a symbolic link,
    /// `EACCES` for another user's symbolic link in a sticky directory, `ENXIO` for a socket), nil
    /// when the open succeeded (a FIFO, a device) and `fstat` told what it is.
    case lockFileNotRegular(FileType)

    /// The private directory the package had just made beside the path (`mkdirat`, mode 0700) was,
    /// once opened, not a directory of this process's user that nobody else can write, or its mode
    /// was not 0700 after the package set it: somebody who can write the socket's directory
    /// replaced or changed it meanwhile. Nothing was bound in it; a directory that is not the one
    /// the package made is left where it is.
    case stagingDirectoryNotPrivate

    /// Every name tried for the private directory (`.NAME.sockopt-` and 8 random letters, 8 tries)
    /// existed already: `errno` is `mkdirat`'s `EEXIST`.
    case stagingNamesTaken

    /// The path of the private directory with the socket's name in it is this many bytes, more than
    /// `sun_path` holds (``SocketAddress/maximumUnixPathLength``), and `/proc/self/fd`, through which
    /// the package reaches the directory by a short path, does not lead to it (/proc is not mounted;
    /// Darwin has no such path). Refused before bind.
    case stagingPathTooLong(Int)

    /// What is at a name, when it is not a regular file. The corresponding C constants are the
    /// `S_IF*` types of `st_mode`.
    public enum FileType: Hashable, Sendable, CustomStringConvertible {
        /// `S_IFDIR`.
        case directory
        /// `S_IFLNK`, never followed.
        case symbolicLink
        /// `S_IFIFO`, a named pipe.
        case fifo
        /// `S_IFSOCK`, a socket file.
        case socket
        /// `S_IFCHR` or `S_IFBLK`, a character or block device.
        case device

        /// "a directory", "a FIFO (named pipe)", ...
        public var description: String {
            switch self {
            case .directory: "a directory"
            case .symbolicLink: "a symbolic link"
            case .fifo: "a FIFO (named pipe)"
            case .socket: "a socket file"
            case .device: "a device"
            }
        }
    }

    /// What was found, in a few words.
    public var description: String {
        switch self {
        case .notAFileName: "the path ends in \"/\", \".\" or \"..\": it names no file"
        case .lockFileNotRegular(let type): "the lock file's name (PATH.lock) is \(type), not a regular file"
        case .stagingDirectoryNotPrivate: "the private directory made beside the path was replaced or changed"
        case .stagingNamesTaken: "every name tried for the private directory beside the path exists"
        case .stagingPathTooLong(let length):
            "the private directory's path with the socket's name is \(length) bytes, more than sun_path's "
                + "\(SocketAddress.maximumUnixPathLength)"
        }
    }

    /// The whole message of ``SocketError/unixPathUnusable(_:_:errno:)``: what was found at `address`,
    /// the call that met it, and what to do. No I/O.
    func message(binding address: SocketAddress, errno: Errno?) -> String {
        let path = PrintableText.escaped(address.host)
        let (directory, name) = Self.split(path)
        // The private directory's name as the user would see it beside the path.
        let staging = (directory == "." ? "" : directory == "/" ? "/" : directory + "/") + ".\(name).sockopt-XXXXXXXX"
        let answer = { (call: String) in errno.map { " (\(call): \($0.name))" } ?? "" }
        switch self {
        case .notAFileName:
            return "Cannot bind \(address): the path ends in \"/\", \".\" or \"..\", so it names a directory, not a "
                + "socket file to create. Give the path of the socket file itself, without a trailing slash "
                + "(/run/app.sock, or /run/app/server.sock inside a directory)."
        case .lockFileNotRegular(let type):
            let what = type == .symbolicLink ? "a symbolic link, which is never followed" : "\(type)"
            let remove = type == .directory ? "rmdir" : "rm"
            return MessageText.wrapped([
                "Cannot bind \(address): \(path).lock, the lock file beside the socket file, is \(what), not a "
                    + "regular file\(answer("open")).",
                "The package never takes the lock on it nor removes it: remove it (`\(remove) \(path).lock`), or "
                    + "choose another path.",
            ])
        case .stagingDirectoryNotPrivate:
            return MessageText.wrapped([
                "Cannot bind \(address): the private directory made for the socket file beside the path "
                    + "(\(staging), mode 0700) was replaced or changed before the socket "
                    + "was bound in it: it was not a directory of this process's user that nobody else can write.",
                "Something that can write \(directory) is interfering. Nothing was bound; a directory that is not "
                    + "the package's own was left where it is. Put the socket in a directory that only this server's "
                    + "user can write.",
            ])
        case .stagingNamesTaken:
            return MessageText.wrapped([
                "Cannot bind \(address): every name tried for the private directory beside the path "
                    + "(\(staging)) exists already\(answer("mkdirat")).",
                "Something fills \(directory) with such names: remove the .\(name).sockopt-* entries that no "
                    + "server is starting with, find what makes them, or put the socket in a directory that only this "
                    + "server's user can write.",
            ])
        case .stagingPathTooLong(let length):
            let limit = SocketAddress.maximumUnixPathLength
            return MessageText.wrapped([
                "Cannot bind \(address): the socket is bound first in a private directory beside the path, and "
                    + "that path with the socket's name (\(staging)/s) is \(length) "
                    + "bytes, more than the \(limit) that sun_path holds. /proc/self/fd, which would reach the "
                    + "directory by a short path, does not lead to it (is /proc mounted?).",
                "Shorten the socket file's path by \(length - limit) bytes or more, or mount /proc.",
            ])
        }
    }

    /// "DIR/NAME" → ("DIR", "NAME"); "NAME" → (".", "NAME"); "/NAME" → ("/", "NAME"), as the
    /// socket file's directory is found.
    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let name = String(path[path.index(after: slash)...])
        return (slash == path.startIndex ? "/" : String(path[..<slash]), name)
    }
}
