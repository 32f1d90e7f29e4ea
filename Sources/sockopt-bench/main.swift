// sockopt-bench: what the typed wrappers cost next to the bare system calls.
//
//   sockopt-bench                 time each operation and print nanoseconds per call
//   sockopt-bench OPERATION N     run one operation N times and print nothing else, for
//                                 valgrind (allocation counts) and callgrind (instructions)
//
// OPERATION is raw-set, raw-get, set (SocketOption.apply: set, then read back), get
// (SocketOption.Name.read) or set-timeout. Each works on one TCP socket, SO_RCVBUF for the int path,
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
            guard let applied = try? SocketOption.receiveBufferSize(65536 + index & 1023).apply(toDescriptor: fd),
                case .receiveBufferSize(let kept) = applied.effective
            else { fatalError("set failed") }
            sink &+= kept
        }
    case .get:
        for _ in 0..<count {
            guard case .receiveBufferSize(let kept)? = try? SocketOption.Name.receiveBufferSize.read(fromDescriptor: fd)
            else { fatalError("get failed") }
            sink &+= kept
        }
    case .setTimeout:
        for index in 0..<count {
            guard let applied = try? SocketOption.receiveTimeout(.milliseconds(1 + index & 7)).apply(toDescriptor: fd),
                case .receiveTimeout(let kept?) = applied.effective
            else { fatalError("set-timeout failed") }
            sink &+= Int(kept.components.seconds)
        }
    }
    return sink
}

let fd = socket(AF_INET, streamType, 0)
guard fd >= 0 else { fatalError("socket() failed") }

let arguments = Array(CommandLine.arguments.dropFirst())
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
