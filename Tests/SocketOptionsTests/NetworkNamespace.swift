// SocketOptions tests: code run in a private network namespace, for traffic that this machine's
// loopback cannot carry (IPv6 multicast: lo has no multicast route) and for sysctls that must not
// change for the rest of the machine.

import Glibc

/// Runs `body` on a thread of its own that has left the test process's network namespace for a new,
/// empty one, and returns what it returned.
///
/// A network namespace belongs to a thread, not to the process: `unshare(CLONE_NEWNET)` moves only
/// the calling thread, so the other tests, running on other threads, keep the machine's network.
/// Sockets made by `body` stay in the new namespace wherever they are used; a process spawned from
/// `body` starts in it (`ip`, `sysctl`). The namespace disappears with its last socket and thread.
func inPrivateNetworkNamespace<Result>(_ body: @escaping () throws -> Result) throws -> Result {
    let run = NamespaceRun { try body() }
    let context = Unmanaged.passRetained(run).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(
        &thread,
        nil,
        { raw in
            let run = Unmanaged<NamespaceRun>.fromOpaque(raw!).takeRetainedValue()
            // Glibc's module does not declare unshare (it needs _GNU_SOURCE): find it in the C library.
            typealias Unshare = @convention(c) (CInt) -> CInt
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unshare") else {
                run.result = .failure(NamespaceFailure(step: "dlsym(unshare)", errno: 0))
                return nil
            }
            let unshare = unsafeBitCast(symbol, to: Unshare.self)
            let cloneNewNet: CInt = 0x4000_0000  // CLONE_NEWNET, linux/sched.h
            guard unshare(cloneNewNet) == 0 else {
                run.result = .failure(NamespaceFailure(step: "unshare(CLONE_NEWNET)", errno: errno))
                return nil
            }
            run.result = Swift.Result { try run.body() }
            return nil
        },
        context
    )
    guard created == 0 else {
        Unmanaged<NamespaceRun>.fromOpaque(context).release()
        throw NamespaceFailure(step: "pthread_create", errno: created)
    }
    pthread_join(thread, nil)
    return try run.result!.get() as! Result
}

/// The work of one namespace thread and what came of it. The thread is joined before the result is
/// read, so the class needs no lock.
private final class NamespaceRun: @unchecked Sendable {
    let body: () throws -> Any
    var result: Swift.Result<Any, any Error>?
    init(_ body: @escaping () throws -> Any) { self.body = body }
}

struct NamespaceFailure: Error, CustomStringConvertible {
    var step: String
    var errno: CInt
    var description: String { "\(step) failed: errno \(errno)" }
}

/// Runs a command to its end with its output to /dev/null; throws unless it exits with status 0.
/// Started from inside ``inPrivateNetworkNamespace(_:)``, the command acts on that namespace.
func runToEnd(_ arguments: [String], timeout: Duration = .seconds(10)) throws {
    guard let pid = spawnQuietly(arguments) else { throw NamespaceFailure(step: "spawn \(arguments[0])", errno: errno) }
    let deadline = ContinuousClock.now + timeout
    var status: CInt = 0
    while waitpid(pid, &status, WNOHANG) == 0 {
        if ContinuousClock.now > deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            throw NamespaceFailure(step: "\(arguments.joined(separator: " ")) did not end in time", errno: 0)
        }
        usleep(5_000)
    }
    // WIFEXITED and WEXITSTATUS are macros that Swift does not import.
    let exitStatus = (status >> 8) & 0xFF
    guard status & 0x7F == 0, exitStatus == 0 else {
        throw NamespaceFailure(step: "\(arguments.joined(separator: " ")) exited with status \(status)", errno: 0)
    }
}

/// Two ends of a virtual Ethernet cable, `va` and `vb`, up in the current (private) namespace, each
/// with a usable link-local IPv6 address (and so its multicast route) when this returns.
///
/// `ip link set up` returns before IPv6 is configured on the link: the carrier of a veth end comes
/// on when both ends are up, but the kernel's operational state follows later, from the linkwatch
/// work queue, and only then does addrconf add the link's ff00::/8 route and its fe80:: address.
/// A send before that fails with ENETUNREACH, which a loaded machine shows. So wait, bounded, for
/// that very event: the address listed in if_inet6 without IFA_F_TENTATIVE. Duplicate address
/// detection is off (accept_dad=0 before the links exist), so the address is usable once listed.
func makeVethPair(timeout: Duration = .seconds(10)) throws -> (sender: Int, receiver: Int) {
    try runToEnd(["/usr/sbin/sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"])
    try runToEnd(["/usr/sbin/ip", "link", "set", "lo", "up"])
    try runToEnd(["/usr/sbin/ip", "link", "add", "va", "type", "veth", "peer", "name", "vb"])
    try runToEnd(["/usr/sbin/ip", "link", "set", "va", "up"])
    try runToEnd(["/usr/sbin/ip", "link", "set", "vb", "up"])
    let deadline = ContinuousClock.now + timeout
    while !(hasUsableLinkLocalAddress("va") && hasUsableLinkLocalAddress("vb")) {
        guard ContinuousClock.now < deadline else {
            let table = readText("/proc/thread-self/net/if_inet6") ?? "(unreadable)"
            throw NamespaceFailure(step: "veth link-local addresses not usable after \(timeout):\n\(table)", errno: 0)
        }
        usleep(5_000)
    }
    return (Int(if_nametoindex("va")), Int(if_nametoindex("vb")))
}

/// Whether the calling thread's namespace lists a link-local IPv6 address on `interface` that is
/// not tentative. if_inet6 rows: address, ifindex, prefix length, scope (0x20 link), flags
/// (IFA_F_TENTATIVE 0x40, IFA_F_DADFAILED 0x08), name; all hex.
func hasUsableLinkLocalAddress(_ interface: String) -> Bool {
    (readText("/proc/thread-self/net/if_inet6") ?? "").split(separator: "\n").contains { line in
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 6, fields[5] == Substring(interface), fields[3] == "20",
            let flags = UInt32(fields[4], radix: 16)
        else { return false }
        return flags & (0x40 | 0x08) == 0
    }
}
