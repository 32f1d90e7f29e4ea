// sockopt-demo serve: where a serve offers its take-over, a Unix socket only this user can reach.

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)
/// The rendezvous of `serve --reuse-port` on one address: `DIR/sockopt-demo-serve-ADDRESS.sock`, in a
/// directory that only this user can write.
///
/// The directory is `$XDG_RUNTIME_DIR` when it is set, else `/run/user/UID` when it exists, else
/// `/tmp/sockopt-demo-UID` (made 0700 when absent); it must be a real directory (not a symlink:
/// `lstat`), owned by this effective user, with no permission for group or others, below
/// directories that only root or this user can write (or sticky ones, like /tmp), or there is no
/// rendezvous (no fallback: two serves that fell back differently would never meet). Anyone else who could write it could
/// put their own socket at the path, and a new serve would take its listener from them, or hand
/// them the steering of our port. A `/tmp/sockopt-demo-UID` that someone else made first, or that
/// is a symlink, is refused, never used or removed. In the directory, the library makes the socket
/// file (mode 0600, published only once listening, never over an existing file, with a lock
/// beside it) and removes it when the listener closes, if it is still the same file.
enum TakeOverRendezvous {
    /// The socket address of the rendezvous for a serve listening on `address`, or why there is none.
    static func address(for served: SocketAddress) -> Result<SocketAddress, RendezvousProblem> {
        let directory: String
        switch privateDirectory() {
        case .success(let found): directory = found
        case .failure(let problem): return .failure(problem)
        }
        let path = directory + "/sockopt-demo-serve-" + fileName(for: served) + ".sock"
        do {
            return .success(try SocketAddress.unix(path: path))
        } catch {
            return .failure(RendezvousProblem(text: "the rendezvous path \(path) cannot be used: \(error)"))
        }
    }

    /// `127.0.0.1:8080` as `127.0.0.1_3a8080`: letters, digits, `.` and `-` kept, every other byte
    /// as `_` and two hex digits, so that two addresses never share a name and none holds a `/`.
    static func fileName(for address: SocketAddress) -> String {
        var name = ""
        for byte in address.description.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"):
                name.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                name += "_" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return name
    }

    /// The first usable private directory, or why none is.
    private static func privateDirectory() -> Result<String, RendezvousProblem> {
        let uid = geteuid()
        let chosen: String
        if let runtime = getenv("XDG_RUNTIME_DIR").map({ String(cString: $0) }), runtime.hasPrefix("/") {
            chosen = runtime
        } else if isDirectory("/run/user/\(uid)") {
            chosen = "/run/user/\(uid)"
        } else {
            chosen = "/tmp/sockopt-demo-\(uid)"
            // mkdir never follows a symlink at the last component: EEXIST, then lstat says what is there.
            _ = mkdir(chosen, 0o700)
        }
        // No fallback to the next one: two serves that fell back differently would never meet.
        switch safeDirectory(chosen, uid: uid) {
        case .success(let directory): return .success(directory)
        case .failure(let problem):
            return .failure(
                RendezvousProblem(
                    text: "no private directory for the take-over rendezvous: \(problem.text). Set XDG_RUNTIME_DIR to "
                        + "a directory of yours with mode 0700, in directories that only you or root can write"
                )
            )
        }
    }

    /// `path` as its real path, when it is a directory that only `uid` can use and no one else can
    /// swap: every directory above it (symlinks resolved) is owned by root or `uid` and not
    /// writable by group or others, unless it is sticky like /tmp (where others cannot rename or
    /// remove what is not theirs). Checking the directory alone is not enough: whoever can write
    /// its parent can rename it away and put a directory of their own at its name between the check
    /// and the bind. The real path is the one used, so that no symlink above it, in a directory the
    /// check did not cover, can be changed afterwards.
    static func safeDirectory(_ given: String, uid: uid_t) -> Result<String, RendezvousProblem> {
        // A trailing slash would make lstat follow a symlink at the last component, and `.` or `..`
        // name another directory than the last one written: the directory is named by itself.
        var path = given
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/.") || path.hasSuffix("/..") {
            return .failure(
                RendezvousProblem(text: "\(PrintableText.escaped(given)) ends in . or ..: name the directory itself")
            )
        }
        if let problem = problem(with: path, uid: uid) { return .failure(RendezvousProblem(text: problem)) }
        // The last component was checked with lstat (not a symlink); the directories above it are
        // resolved, and the real ones checked.
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else {
            return .failure(RendezvousProblem(text: "\(PrintableText.escaped(path)) is not an absolute path"))
        }
        let parentPath = slash == path.utf8.startIndex ? "/" : String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        guard let resolved = realpath(parentPath, nil) else {
            return .failure(
                RendezvousProblem(
                    text: "the directory above \(PrintableText.escaped(path)) cannot be resolved (errno \(errno))"
                )
            )
        }
        let parent = String(cString: resolved)
        free(resolved)
        var ancestor = parent
        while true {
            if let problem = ancestorProblem(ancestor, above: path, uid: uid) {
                return .failure(RendezvousProblem(text: problem))
            }
            guard ancestor != "/", let up = ancestor.utf8.lastIndex(of: UInt8(ascii: "/")) else { break }
            ancestor = up == ancestor.utf8.startIndex ? "/" : String(ancestor[..<up])
        }
        let real = parent == "/" ? "/" + name : parent + "/" + name
        // The directory at the real path is the one checked: nothing above it could be swapped.
        if let problem = problem(with: real, uid: uid) { return .failure(RendezvousProblem(text: problem)) }
        return .success(real)
    }

    /// Why `ancestor`, a real directory above the rendezvous directory `path`, lets someone other
    /// than `uid` and root swap what lies below it; nil when it does not.
    private static func ancestorProblem(_ ancestor: String, above path: String, uid: uid_t) -> String? {
        var status = stat()
        guard lstat(ancestor, &status) == 0 else {
            return "\(PrintableText.escaped(ancestor)), above \(PrintableText.escaped(path)), cannot be read "
                + "(errno \(errno))"
        }
        guard status.st_uid == 0 || status.st_uid == uid else {
            return "\(PrintableText.escaped(ancestor)), above \(PrintableText.escaped(path)), belongs to uid "
                + "\(status.st_uid), who could swap what is below it"
        }
        let sticky = status.st_mode & S_ISVTX != 0
        guard status.st_mode & 0o022 == 0 || sticky else {
            return "\(PrintableText.escaped(ancestor)), above \(PrintableText.escaped(path)), has mode "
                + "\(String(status.st_mode & 0o777, radix: 8)): others could rename what is below it (only a "
                + "sticky directory, like /tmp, may be open to others)"
        }
        return nil
    }

    private static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// Why `path` is not a directory that only `uid` can use, or nil when it is.
    private static func problem(with path: String, uid: uid_t) -> String? {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            return "\(PrintableText.escaped(path)) cannot be read (errno \(errno))"
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            return "\(PrintableText.escaped(path)) is not a directory (a symlink or a file)"
        }
        guard status.st_uid == uid else {
            return "\(PrintableText.escaped(path)) belongs to uid \(status.st_uid), not to you (uid \(uid))"
        }
        guard status.st_mode & 0o077 == 0 else {
            return "\(PrintableText.escaped(path)) has mode \(String(status.st_mode & 0o777, radix: 8)), "
                + "open to others (0700 wanted)"
        }
        return nil
    }
}

/// Why a serve has no rendezvous: printed, with what to do.
struct RendezvousProblem: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
}
#endif
