// sockopt-bench: the EADDRINUSE diagnosis with many sockets open, next to `ss`.

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)

/// Seconds of the fastest of `rounds` runs of `body`, and the median.
func timed(rounds: Int, _ body: () -> Void) -> (best: Double, median: Double) {
    let clock = ContinuousClock()
    var times: [Double] = []
    for _ in 0..<rounds {
        let elapsed = clock.measure(body)
        times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    times.sort()
    return (times[0], times[times.count / 2])
}

/// A loopback listener on a port the kernel chooses; returns the descriptor and the port.
func rawListener() -> (CInt, UInt16) {
    let fd = socket(AF_INET, streamType | CInt(SOCK_CLOEXEC.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && listen(fd, 4096) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard fd >= 0, bound else { fatalError("listener: errno \(errno)") }
    return (fd, UInt16(bigEndian: address.sin_port))
}

func connectRaw(to port: UInt16) -> CInt {
    let fd = socket(AF_INET, streamType | CInt(SOCK_CLOEXEC.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    address.sin_port = port.bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
    guard fd >= 0, connected else { fatalError("connect: errno \(errno)") }
    return fd
}

/// Runs `ss ARGUMENTS` with its output thrown away; true when it exited 0.
func runSS(_ arguments: [String]) -> Bool {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let argv = (["ss"] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, "ss", &actions, nil, argv, environ) == 0 else { return false }
    var status: CInt = 0
    waitpid(pid, &status, 0)
    return status == 0
}

/// 18,000 sockets (by default) and then the listener, whose descriptor is the last one: the
/// diagnosis reads every descriptor of the process before it finds its owner, as ss does.
func benchmarkDiagnosis(pairs: Int) -> Int32 {
    var limit = rlimit()
    getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    guard Int(limit.rlim_cur) > pairs * 2 + 64 else {
        print("diagnosis: RLIMIT_NOFILE \(limit.rlim_cur) is too low for \(pairs) pairs")
        return 1
    }
    let (sink, sinkPort) = rawListener()
    var descriptors: [CInt] = [sink]
    for _ in 0..<pairs {
        descriptors.append(connectRaw(to: sinkPort))
        let accepted = accept(sink, nil, nil)
        // Close-on-exec, so that ss does not inherit 9,000 sockets and walk them too.
        guard accepted >= 0, fcntl(accepted, F_SETFD, FD_CLOEXEC) == 0 else { fatalError("accept: errno \(errno)") }
        descriptors.append(accepted)
    }
    let (held, port) = rawListener()
    descriptors.append(held)
    let address = SocketAddress.ipv4Loopback(port: port)

    let first = AddressInUseDiagnosis(address: address)
    guard case .listener(_, _, let owner?)? = first.findings.first, owner.pid == getpid() else {
        print("diagnosis: did not find this process holding port \(port): \(first.findings)")
        return 1
    }
    let ssArguments = ["-tanp", "sport = :\(port)"]
    guard runSS(ssArguments) else {
        print("diagnosis: `ss` is not available")
        return 1
    }
    let rounds = 11
    let ours = timed(rounds: rounds) { _ = AddressInUseDiagnosis(address: address) }
    let theirs = timed(rounds: rounds) { _ = runSS(ssArguments) }
    let sockets = descriptors.count
    print("diagnosis with \(sockets) sockets open, the holder's descriptor last (\(rounds) rounds, milliseconds):")
    print("                               best   median")
    let format = { (value: Double) in String(Int((value * 1000).rounded())) }
    print("AddressInUseDiagnosis          \(format(ours.best).padding(6)) \(format(ours.median))")
    print("ss -tanp 'sport = :P'          \(format(theirs.best).padding(6)) \(format(theirs.median))")
    let ratio = ours.median / theirs.median
    print("ratio (median, diagnosis / ss): \(Double(Int(ratio * 100)) / 100)")
    for descriptor in descriptors { close(descriptor) }
    return 0
}
#else
func benchmarkDiagnosis(pairs: Int) -> Int32 {
    print("diagnosis: /proc is Linux's; nothing to measure here")
    return 0
}
#endif
