// sockopt-demo: running part of the handover demo in a private network namespace, so that its
// sysctl (net.ipv4.tcp_migrate_req) and its TIME_WAIT sockets never touch the host's network.

#if os(Linux)
import Glibc
import PlainThreads
import Synchronization

/// Why no private network namespace could be made, or set up.
struct PrivateNetworkUnavailable: Error, CustomStringConvertible {
    var step: String
    var errno: CInt

    /// The text a skipped row shows.
    var description: String {
        if step == "unshare(CLONE_NEWNET)" && (errno == EPERM || errno == EACCES) {
            return "needs a private network namespace (run as root)"
        }
        return "no private network namespace: \(step) failed with \(String(cString: strerror(errno)))"
    }
}

/// Runs `body` on a thread of its own that has left the process's network namespace for a new one
/// whose loopback is up, and returns what it returned.
///
/// A network namespace belongs to a thread: `unshare(CLONE_NEWNET)` moves the calling thread only,
/// and threads it starts are in the new namespace too, so the rest of the process keeps the host's
/// network. /proc/sys/net, opened from the thread, is the namespace's: a sysctl written there
/// changes nothing on the host. The namespace goes away with its last thread and socket.
func inPrivateNetwork<Result: Sendable>(
    _ body: @escaping @Sendable () -> Result
) -> Swift.Result<Result, PrivateNetworkUnavailable> {
    let outcome = Mutex<Swift.Result<Result, PrivateNetworkUnavailable>?>(nil)
    let thread: pthread_t
    do {
        thread = try startThread {
            let result: Swift.Result<Result, PrivateNetworkUnavailable>
            if let problem = enterPrivateNetwork() {
                result = .failure(problem)
            } else {
                result = .success(body())
            }
            outcome.withLock { $0 = result }
        }
    } catch {
        return .failure(PrivateNetworkUnavailable(step: "pthread_create", errno: error.errorNumber))
    }
    pthread_join(thread, nil)
    return outcome.withLock { $0 } ?? .failure(PrivateNetworkUnavailable(step: "the namespace thread", errno: 0))
}

/// Moves the calling thread into a new network namespace and brings its loopback up.
private func enterPrivateNetwork() -> PrivateNetworkUnavailable? {
    // Glibc's module does not declare unshare (it needs _GNU_SOURCE): find it in the C library.
    typealias Unshare = @convention(c) (CInt) -> CInt
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unshare") else {
        return PrivateNetworkUnavailable(step: "dlsym(unshare)", errno: ENOSYS)
    }
    let cloneNewNet: CInt = 0x4000_0000  // CLONE_NEWNET, linux/sched.h
    guard unsafeBitCast(symbol, to: Unshare.self)(cloneNewNet) == 0 else {
        return PrivateNetworkUnavailable(step: "unshare(CLONE_NEWNET)", errno: errno)
    }
    return bringLoopbackUp()
}

/// `ip link set lo up`, with the ioctls themselves (SIOCGIFFLAGS, SIOCSIFFLAGS): a new namespace's
/// loopback is down.
private func bringLoopbackUp() -> PrivateNetworkUnavailable? {
    let fd = socket(AF_INET, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return PrivateNetworkUnavailable(step: "socket", errno: errno) }
    defer { close(fd) }
    var request = ifreq()
    withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { name in
        for (index, byte) in "lo".utf8.enumerated() { name[index] = byte }
    }
    guard ioctl(fd, UInt(SIOCGIFFLAGS), &request) == 0 else {
        return PrivateNetworkUnavailable(step: "ioctl(SIOCGIFFLAGS, lo)", errno: errno)
    }
    request.ifr_ifru.ifru_flags |= Int16(IFF_UP)
    guard ioctl(fd, UInt(SIOCSIFFLAGS), &request) == 0 else {
        return PrivateNetworkUnavailable(step: "ioctl(SIOCSIFFLAGS, lo up)", errno: errno)
    }
    return nil
}

/// Writes `net.ipv4.tcp_migrate_req` of the calling thread's network namespace. Returns the errno
/// of the open or write that failed (ENOENT: a kernel older than 5.14), or nil.
func setKernelMigration(_ on: Bool) -> CInt? {
    let fd = open("/proc/sys/net/ipv4/tcp_migrate_req", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return errno }
    defer { close(fd) }
    let text: [UInt8] = on ? Array("1\n".utf8) : Array("0\n".utf8)
    guard write(fd, text, text.count) == text.count else { return errno }
    return nil
}
#endif
