// sockopt-bench: what the typed wrappers cost next to the bare system calls.
//
//   sockopt-bench                 time each operation and print nanoseconds per call
//   sockopt-bench OPERATION N     run one operation N times and print nothing else, for
//                                 valgrind (allocation counts) and callgrind (instructions)
//   sockopt-bench diagnosis [PAIRS]
//                                 open PAIRS connected TCP pairs (9000 by default: 18,000 sockets),
//                                 then a listener on port P, and time AddressInUseDiagnosis of P
//                                 next to `ss -tanp 'sport = :P'` (both print the holder's process)
//
// OPERATION is raw-set, raw-get, set (BorrowedSocket.setOption: set, then read back), get
// (BorrowedSocket.option) or set-timeout. Each works on one TCP socket, SO_RCVBUF for the int path,
// SO_RCVTIMEO for the timeval path (set-timeout).

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
let streamType = CInt(SOCK_STREAM.rawValue)
#else
let streamType = SOCK_STREAM
#endif

enum Operation: String, CaseIterable {
    case rawSet = "raw-set"
    case rawGet = "raw-get"
    case set
    case get
    case setTimeout = "set-timeout"
}

/// Runs `operation` `count` times on `fd`; returns a value derived from the results so the
/// optimizer cannot drop the calls.
@inline(never)
func run(_ operation: Operation, count: Int, on fd: CInt) -> Int {
    var sink = 0
    switch operation {
    case .rawSet:
        for index in 0..<count {
            var value = CInt(65536 + index & 1023)
            sink &+= Int(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, socklen_t(MemoryLayout<CInt>.size)))
        }
    case .rawGet:
        for _ in 0..<count {
            var value: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            sink &+= Int(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &length)) &+ Int(value)
        }
    case .set:
        for index in 0..<count {
            guard let applied = try? BorrowedSocket(borrowing: fd).setOption(.receiveBufferSize(65536 + index & 1023)),
                case .receiveBufferSize(let kept) = applied.effective
            else { fatalError("set failed") }
            sink &+= kept
        }
    case .get:
        for _ in 0..<count {
            guard case .receiveBufferSize(let kept)? = try? BorrowedSocket(borrowing: fd).option(.receiveBufferSize)
            else { fatalError("get failed") }
            sink &+= kept
        }
    case .setTimeout:
        for index in 0..<count {
            guard
                let applied = try? BorrowedSocket(borrowing: fd).setOption(
                    .receiveTimeout(.milliseconds(1 + index & 7))
                ),
                case .receiveTimeout(let kept?) = applied.effective
            else { fatalError("set-timeout failed") }
            sink &+= Int(kept.components.seconds)
        }
    }
    return sink
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "diagnosis" {
    let pairs = arguments.count > 1 ? Int(arguments[1]) ?? 9000 : 9000
    exit(benchmarkDiagnosis(pairs: pairs))
}

let fd = socket(AF_INET, streamType, 0)
guard fd >= 0 else { fatalError("socket() failed") }

if arguments.count == 2, let operation = Operation(rawValue: arguments[0]), let count = Int(arguments[1]) {
    let sink = run(operation, count: count, on: fd)
    exit(sink == Int.min ? 1 : 0)
}
guard arguments.isEmpty else {
    fatalError("usage: sockopt-bench [OPERATION COUNT], OPERATION one of raw-set raw-get set get set-timeout")
}

let count = 200_000
let clock = ContinuousClock()
print("operation     ns/call   (\(count) calls each; set = setsockopt + getsockopt read-back)")
for operation in Operation.allCases {
    _ = run(operation, count: count / 10, on: fd)  // warm up
    var best = Duration.seconds(1000)
    for _ in 0..<5 {
        let elapsed = clock.measure { _ = run(operation, count: count, on: fd) }
        best = min(best, elapsed)
    }
    let nanoseconds = Double(best.components.attoseconds) / 1e9 + Double(best.components.seconds) * 1e9
    let perCall = nanoseconds / Double(count)
    let name = operation.rawValue.padding(13)
    print("\(name) \(Int(perCall.rounded()))")
}
close(fd)

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

// MARK: the EADDRINUSE diagnosis next to ss

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
