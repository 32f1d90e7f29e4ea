// SocketOptions: the file of a Unix-domain socket bound to a path: made where nobody else can
// touch it, published at its path only when it is ready, a stale one left by a dead server
// recovered without ever removing a live server's, and removed when its socket is done.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The socket file a listener (or a datagram socket) bound to a path.
///
/// A datagram socket is bound at the path itself (``bindInPlace(_:to:)``: its bound name is the
/// sender address its peers answer to); a listener is published as follows.
/// ``bind(_:to:mode:beforePublishing:)`` does, with `DIR/NAME` the requested path:
/// 1. opens `DIR` once and does everything else relative to that descriptor;
/// 2. takes the lock `DIR/NAME.lock` (`flock`, not waiting: held by another instance, the path is
///    in use), which serializes the instances that use this package on one path;
/// 3. makes a private directory `DIR/.NAME.sockopt-XXXXXXXX` (0700) and binds the socket inside
///    it, reaching it through its descriptor (`/proc/self/fd/N/NAME`), so that nobody who can
///    write `DIR` can redirect the bind or the mode change by renaming or swapping names;
/// 4. sets the file's mode there (`fchmodat`: nobody else can put a symlink in that directory);
/// 5. lets the caller listen (`beforePublishing`);
/// 6. links the ready file to `DIR/NAME` with `linkat`, which never replaces an existing name:
///    the socket file appears at its path already listening, with its final mode;
/// 7. on `EEXIST`, a stale socket file at the path (see ``UnixPathState/judge(_:reachedThrough:)``)
///    is first moved into the private directory and judged again there, then removed; a live one,
///    or anything that is not a socket, stays where it is (`.addressInUse`);
/// 8. removes the private directory.
///
/// When its owner goes, the file at the path is removed, but only if it is still this socket's file
/// (device and inode, looked up through the directory descriptor): a newer server may have replaced
/// it. Then the lock is released and its file removed.
///
/// A class, so that handing the descriptor off can disarm it; only its one owner, a ListeningSocket
/// or DatagramSocket, which are ~Copyable, ever touches it.
final class UnixSocketFile: @unchecked Sendable {
    private struct Staging {
        /// The private directory's name in the parent directory.
        var name: String
        var descriptor: CInt
        var identity: FileIdentity
        /// A path that leads to the private directory: through its descriptor where /proc allows.
        var path: String
        /// The socket's name inside it, once bound.
        var socketName: String?
        /// A stale socket file moved in from the path, judged stale there, not yet removed.
        var staleName: String?
        /// Set when a stranger's file could not be put back: the directory is then left in place.
        var keep = false
    }

    let address: SocketAddress
    private let path: String
    private let parent: CInt
    private let name: String
    private var lock: CInt = -1
    private var lockIdentity: FileIdentity?
    private var staging: Staging?
    private var socketIdentity: FileIdentity?
    private var armed = false

    private var lockName: String { name + ".lock" }

    private init(address: SocketAddress, path: String, parent: CInt, name: String) {
        self.address = address
        self.path = path
        self.parent = parent
        self.name = name
    }

    /// Binds `socket` to `address` (a Unix-domain path) as described above; `beforePublishing`
    /// runs between the bind and the moment the file appears at its path (ListeningSocket listens
    /// there). Every descriptor it opens is closed, and the private directory removed, on every
    /// path out; `socket` itself stays the caller's.
    static func bind(
        _ socket: CInt,
        to address: SocketAddress,
        mode: UInt32?,
        beforePublishing prepare: (CInt) throws(SocketError) -> Void
    ) throws(SocketError) -> UnixSocketFile {
        let (file, directory) = try locked(address)
        let staging = try file.makeStaging(beside: directory)
        let socketName = try file.bindInStaging(socket, in: staging)
        if let mode {
            if case .failure(let errno) = valueOrErrno({ system_fchmodat(staging.descriptor, socketName, mode, 0) }) {
                throw .system(.chmod(address), errno)
            }
        }
        try prepare(socket)
        try file.publish(socketName, from: staging)
        file.removeStaging()
        return file
    }

    /// Binds `socket` (a datagram socket) at `address` itself, under the lock, recovering a stale
    /// socket file in the way as ``bind(_:to:mode:beforePublishing:)`` does.
    ///
    /// A datagram socket's bound name is the source address of everything it sends: bound through
    /// `/proc/self/fd/N/NAME`, a peer that answers to it would reach nothing (ENOTDIR) or, through
    /// its own descriptor N, somebody else. A datagram socket has no file mode to set and nothing
    /// to do before it is ready, so it needs no private directory except to recover a stale file.
    static func bindInPlace(_ socket: CInt, to address: SocketAddress) throws(SocketError) -> UnixSocketFile {
        let (file, directory) = try locked(address)
        for _ in 0..<4 {
            let result = address.withSockAddr { sockaddr, length in
                valueOrErrno { system_bind(socket, sockaddr, length) }
            }
            switch result {
            case .success:
                // Nobody else holds the lock, and only our own close removes the file while we do; a
                // process that ignores the lock and can write the directory still can.
                let bound: FileIdentity
                switch FileIdentity.named(file.name, in: file.parent) {
                case .success(let found) where found.isSocket: bound = found
                case .success: throw .socketFileReplaced(address, errno: nil)
                case .failure(let errno): throw .socketFileReplaced(address, errno: errno)
                }
                file.socketIdentity = bound
                file.armed = true
                file.removeStaging()
                return file
            case .failure(let errno) where errno == .addressInUse:
                if file.staging == nil { try file.makeStaging(beside: directory) }
                guard try file.removeIfStale() else { throw .addressInUse(address, errno: errno) }
            case .failure(let errno):
                throw SocketCalls.addressError(errno, address: address, operation: .bind(address))
            }
        }
        // Each of the tries was answered EADDRINUSE, and each time another server took the path.
        throw .addressInUse(address, errno: .addressInUse)
    }

    /// Opens the directory of `address`'s path once and takes the lock beside the socket file: the
    /// first steps of both kinds of bind. A throw after the open releases the file, whose deinit
    /// closes the directory and lets the lock go.
    private static func locked(_ address: SocketAddress) throws(SocketError) -> (UnixSocketFile, directory: String) {
        guard let path = address.unixPath else {
            throw .invalidArgument("\(address) is not a Unix-domain path; a socket file is made only for one")
        }
        let (directory, name) = try split(path, address: address)
        let parent = system_openat(AT_FDCWD, directory, platformDirectoryOpenFlags, 0)
        if parent < 0 { throw SocketCalls.addressError(currentErrno(), address: address, operation: .bind(address)) }
        let file = UnixSocketFile(address: address, path: path, parent: parent, name: name)
        try file.takeLock()
        return (file, directory)
    }

    /// Leaves the file in place when the owner goes (the descriptor was handed off). The lock is
    /// still released: the socket file itself, bound by a live socket, keeps the path taken.
    func disarm() { armed = false }

    deinit {
        if armed, let socketIdentity, case .success(let now) = FileIdentity.named(name, in: parent), now.isSocket,
            now.isSameFile(as: socketIdentity)
        {
            _ = system_unlinkat(parent, name, 0)
        }
        removeStaging()
        releaseLock()
        _ = system_close(parent)
    }

    /// "DIR/NAME" → ("DIR", "NAME"); "NAME" → (".", "NAME"); "/NAME" → ("/", "NAME"). A path
    /// whose last component is empty, "." or ".." names no file to create: refused before any call.
    /// The directory and the file name of `path`; refuses a path that names no file (it ends in "/",
    /// "." or ".."). Touches nothing: SocketSetup calls it before any system call.
    static func split(_ path: String, address: SocketAddress) throws(SocketError) -> (String, String) {
        let bytes = Array(path.utf8)
        let slash = bytes.lastIndex(of: UInt8(ascii: "/"))
        let name = String(decoding: bytes[(slash.map { $0 + 1 } ?? 0)...], as: UTF8.self)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw .unixPathUnusable(address, .notAFileName, errno: nil)
        }
        let directory: String
        switch slash {
        case nil: directory = "."
        case 0?: directory = "/"
        case let index?: directory = String(decoding: bytes[..<index], as: UTF8.self)
        }
        return (directory, name)
    }

    // MARK: The lock

    private func takeLock() throws(SocketError) {
        // A lock file that another instance removed (and perhaps made again) after we opened it is
        // no lock: open it again, a few times at most.
        for _ in 0..<3 {
            let fd = system_openat(parent, lockName, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o600)
            if fd < 0 {
                let errno = currentErrno()
                // What is at the name says more than the errno of open (EISDIR; ELOOP, or EACCES
                // for another user's symlink in a sticky directory; ENXIO for a socket), which the
                // error carries all the same.
                if case .success(let found) = FileIdentity.named(lockName, in: parent), !found.isRegularFile {
                    throw notALockFile(found, openErrno: errno)
                }
                throw lockError(errno)
            }
            lock = fd
            let identity: FileIdentity
            switch FileIdentity.of(fd) {
            case .success(let found): identity = found
            case .failure(let errno): throw lockError(errno)
            }
            // Opened: a FIFO or a device (O_NONBLOCK keeps a FIFO's open from waiting for a writer).
            guard identity.isRegularFile else { throw notALockFile(identity, openErrno: nil) }
            switch valueOrErrno({ system_flock(fd, LOCK_EX | LOCK_NB) }) {
            case .success: break
            case .failure(let errno) where errno == .wouldBlock: throw .addressInUse(address, errno: errno)
            case .failure(let errno): throw lockError(errno)
            }
            if case .success(let named) = FileIdentity.named(lockName, in: parent), named.isSameFile(as: identity) {
                lockIdentity = identity
                return
            }
            _ = system_close(fd)
            lock = -1
        }
        // No call refused: the lock file was removed or replaced under each of the tries.
        throw .addressInUse(address, errno: nil)
    }

    private func lockError(_ errno: Errno) -> SocketError {
        .system(.lockFile(address), errno)
    }

    /// Something that is not a regular file at NAME.lock: the error names what it is, found by
    /// `fstatat` or `fstat`, with the errno of the open that refused it (nil when it opened). Its
    /// text says to remove it; the lock is never taken on it, nor is it removed.
    private func notALockFile(_ found: FileIdentity, openErrno: Errno?) -> SocketError {
        let type: UnixPathProblem.FileType
        switch found.type {
        case UInt32(S_IFDIR): type = .directory
        case UInt32(S_IFLNK): type = .symbolicLink
        case UInt32(S_IFIFO): type = .fifo
        case UInt32(S_IFSOCK): type = .socket
        default: type = .device  // S_IFCHR, S_IFBLK: the types left besides S_IFREG
        }
        return .unixPathUnusable(address, .lockFileNotRegular(type), errno: openErrno)
    }

    /// Removes the lock file while it is still held (another instance that opened it meanwhile
    /// finds its name gone and opens a new one), then lets it go. A lock file of another user is
    /// left where it is.
    private func releaseLock() {
        guard lock >= 0 else { return }
        if let lockIdentity, lockIdentity.owner == system_geteuid(),
            case .success(let named) = FileIdentity.named(lockName, in: parent), named.isSameFile(as: lockIdentity)
        {
            _ = system_unlinkat(parent, lockName, 0)
        }
        _ = system_close(lock)
        lock = -1
    }

    // MARK: The private directory

    /// Makes the private directory, keeps it in `staging` (from which ``removeStaging()`` undoes it
    /// on every way out) and returns it.
    @discardableResult
    private func makeStaging(beside directory: String) throws(SocketError) -> Staging {
        var generator = SystemRandomNumberGenerator()
        var taken: Errno?
        for _ in 0..<8 {
            let stagingName = "." + name + ".sockopt-" + Self.randomSuffix(using: &generator)
            switch valueOrErrno({ system_mkdirat(parent, stagingName, 0o700) }) {
            case .success: break
            case .failure(let errno) where errno.rawValue == EEXIST:
                taken = errno
                continue
            case .failure(let errno): throw SocketCalls.addressError(errno, address: address, operation: .bind(address))
            }
            let fd = system_openat(parent, stagingName, platformDirectoryOpenFlags | O_NOFOLLOW, 0)
            if fd < 0 {
                let errno = currentErrno()
                _ = system_unlinkat(parent, stagingName, AT_REMOVEDIR)
                throw SocketCalls.addressError(errno, address: address, operation: .bind(address))
            }
            let identity: FileIdentity
            switch FileIdentity.of(fd) {
            case .success(let found): identity = found
            case .failure(let errno):
                _ = system_close(fd)
                _ = system_unlinkat(parent, stagingName, AT_REMOVEDIR)
                throw .system(.bind(address), errno)
            }
            var made = Staging(
                name: stagingName,
                descriptor: fd,
                identity: identity,
                path: directory + "/" + stagingName
            )
            staging = made
            // Someone who can write the parent may have swapped our new directory for one of theirs
            // between mkdirat and openat: only a directory of ours that nobody else can write will do.
            // No call refused anything: the error is the package's own.
            guard identity.isDirectory, identity.owner == system_geteuid(), identity.permissions & 0o077 == 0 else {
                staging?.keep = true
                throw .unixPathUnusable(address, .stagingDirectoryNotPrivate, errno: nil)
            }
            // mkdirat's 0700 less the umask: with 0o200 in the umask (umask 222, 277, 377) the
            // directory is 0500 or 0400 and nobody but root could bind in it. Set 0700 through the
            // descriptor, which is the directory we just checked, whatever its name is now.
            if identity.permissions & 0o700 != 0o700 {
                if case .failure(let errno) = valueOrErrno({ platformSetOwnerOnly(fd) }) {
                    throw .system(.bind(address), errno)
                }
                switch FileIdentity.of(fd) {
                case .success(let found) where found.isSameFile(as: identity) && found.permissions == 0o700:
                    made.identity = found
                    staging = made
                case .success: throw .unixPathUnusable(address, .stagingDirectoryNotPrivate, errno: nil)
                case .failure(let errno): throw .system(.bind(address), errno)
                }
            }
            if let throughDescriptor = platformDescriptorPath(fd),
                case .success(let reached) = FileIdentity.reached(through: throughDescriptor),
                reached.isSameFile(as: identity)
            {
                made.path = throughDescriptor
                staging = made
            }
            return made
        }
        // mkdirat answered EEXIST to every name: somebody fills the directory with such names.
        throw .unixPathUnusable(address, .stagingNamesTaken, errno: taken)
    }

    private static func randomSuffix(using generator: inout SystemRandomNumberGenerator) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        var suffix: [UInt8] = []
        for _ in 0..<8 { suffix.append(letters[Int(generator.next() % UInt64(letters.count))]) }
        return String(decoding: suffix, as: UTF8.self)
    }

    /// Binds the socket inside the private directory, under the final name when the path fits (so
    /// that `ss -x` shows it), and checks that the file landed there.
    private func bindInStaging(_ socket: CInt, in staging: Staging) throws(SocketError) -> String {
        let limit = SocketAddress.maximumUnixPathLength
        let socketName = (staging.path + "/" + name).utf8.count <= limit ? name : "s"
        // Through /proc/self/fd/N the path is always short; through the directory's own path (no
        // /proc, or Darwin) it may not fit sun_path even as DIR/.NAME.sockopt-XXXXXXXX/s.
        let bindPath = staging.path + "/" + socketName
        guard let bindAddress = try? SocketAddress.unix(path: bindPath) else {
            throw .unixPathUnusable(address, .stagingPathTooLong(bindPath.utf8.count), errno: nil)
        }
        try SocketCalls.bind(socket, to: bindAddress, reportingAs: address)
        self.staging?.socketName = socketName
        // Without /proc the bind went through the directory's full path: a stranger could have
        // renamed our directory away meanwhile. Nobody else can write in it, so the file is ours
        // exactly when it is there.
        let bound: FileIdentity
        switch FileIdentity.named(socketName, in: staging.descriptor) {
        case .success(let found) where found.isSocket: bound = found
        case .success: throw .socketFileReplaced(address, errno: nil)
        case .failure(let errno): throw .socketFileReplaced(address, errno: errno)
        }
        socketIdentity = bound
        return socketName
    }

    /// Removes our socket's private name (after publishing, the file keeps its public one), then the
    /// private directory, if it is still ours and holds nothing of anybody else's.
    private func removeStaging() {
        guard let staging else { return }
        if let socketName = staging.socketName { _ = system_unlinkat(staging.descriptor, socketName, 0) }
        if let staleName = staging.staleName { _ = system_unlinkat(staging.descriptor, staleName, 0) }
        if !staging.keep, case .success(let named) = FileIdentity.named(staging.name, in: parent),
            named.isSameFile(as: staging.identity)
        {
            _ = system_unlinkat(parent, staging.name, AT_REMOVEDIR)
        }
        _ = system_close(staging.descriptor)
        self.staging = nil
    }

    // MARK: Publishing

    /// Links the ready socket file to its path, never over an existing name; a stale socket file in
    /// the way is recovered, a few times at most (each time, another server may take the path).
    private func publish(_ socketName: String, from staging: Staging) throws(SocketError) {
        for _ in 0..<4 {
            switch valueOrErrno({ system_linkat(staging.descriptor, socketName, parent, name, 0) }) {
            case .success:
                armed = true
                return
            case .failure(let errno) where errno.rawValue == EEXIST:
                guard try removeIfStale() else { throw .addressInUse(address, errno: errno) }
            case .failure(let errno):
                throw SocketCalls.addressError(errno, address: address, operation: .bind(address))
            }
        }
        // Each of the tries was answered EEXIST, and each time another server took the path.
        throw .addressInUse(address, errno: .fileExists)
    }

    /// Removes the socket file at the path if it is stale; returns whether the path may be free now.
    ///
    /// The file is never removed by its name in the shared directory: a server could recover the
    /// path and listen between our check and an unlink. It is moved into our private directory
    /// first, judged again there (what we moved is what we judge), and removed only then; if it
    /// turns out live, or not a socket, it goes back (`linkat`, which never replaces what may have
    /// appeared at the path meanwhile).
    private func removeIfStale() throws(SocketError) -> Bool {
        guard let staging else { return false }
        switch FileIdentity.named(name, in: parent) {
        case .failure(let errno): return errno == .noSuchEntry
        case .success(let found) where !found.isSocket: return false
        // Another user's file is not ours to remove, stale or not (a root server in a sticky
        // directory could): the path stays in use.
        case .success(let found) where found.owner != system_geteuid(): return false
        case .success(let found):
            guard UnixPathState.judge(found, reachedThrough: path) == .stale else { return false }
        }
        let movedName = staging.socketName == "old" ? "old-1" : "old"
        switch valueOrErrno({ system_renameat(parent, name, staging.descriptor, movedName) }) {
        case .success: break
        case .failure(let errno) where errno == .notPermitted || errno == .permissionDenied:
            throw .system(.removeStaleFile(address), errno)
        case .failure(let errno): return errno == .noSuchEntry
        }
        if case .success(let moved) = FileIdentity.named(movedName, in: staging.descriptor), moved.isSocket,
            UnixPathState.judge(moved, reachedThrough: staging.path + "/" + movedName) == .stale
        {
            if system_unlinkat(staging.descriptor, movedName, 0) != 0 { self.staging?.staleName = movedName }
            return true
        }
        if system_linkat(staging.descriptor, movedName, parent, name, 0) == 0 {
            _ = system_unlinkat(staging.descriptor, movedName, 0)
        } else {
            // Something else took the path meanwhile: rather than lose the file we moved, leave it
            // in the private directory, and the directory in place.
            self.staging?.keep = true
        }
        return false
    }
}
