// sockopt-bench: what the library costs next to the bare system calls.
//
//   sockopt-bench [ROUNDS]        the library next to the bare calls, as ratios of medians over
//                                 ROUNDS interleaved rounds (1001 by default): a typed read, a set
//                                 with its readback, a listener's setup (see Comparison.swift)
//   sockopt-bench OPERATION N     run one operation N times and print nothing else, for
//                                 valgrind (allocation counts) and callgrind (instructions)
//   sockopt-bench diagnosis [PAIRS]
//                                 open PAIRS connected TCP pairs (9000 by default: 18,000 sockets),
//                                 then a listener on port P, and time AddressInUseDiagnosis of P
//                                 next to `ss -tanp 'sport = :P'` (both print the holder's process)
//
// OPERATION is one of Operation's raw values (Operations.swift). The reads and sets work on one
// listening TCP socket on 127.0.0.1, owned by a ListeningSocket that adopted it, with SO_RCVBUF for
// the int path and SO_RCVTIMEO for the timeval path (set-timeout).

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = Array(CommandLine.arguments.dropFirst())

/// Prints how to call the bench, to standard output when asked for and to standard error with
/// exit status 2 for arguments it cannot take: a usage mistake is not a crash.
func usage(asked: Bool) -> Never {
    let operations = Operation.allCases.map(\.rawValue).joined(separator: " ")
    let text = """
        usage: sockopt-bench [ROUNDS]            library next to bare calls, ROUNDS >= 10 (1001 by default)
               sockopt-bench OPERATION COUNT     one operation COUNT times, for valgrind and callgrind
                                                 OPERATION: \(operations)
               sockopt-bench diagnosis [PAIRS]   AddressInUseDiagnosis next to ss, with PAIRS TCP pairs

        """
    if asked {
        print(text, terminator: "")
        exit(0)
    }
    var bytes = Array(text.utf8)
    _ = write(2, &bytes, bytes.count)
    exit(2)
}

/// What the bench was asked to do, read from its arguments before any socket is opened.
enum Invocation {
    case compare(rounds: Int)
    case run(Operation, count: Int)
    case diagnosis(pairs: Int)

    /// Nil for arguments the bench cannot take. PAIRS is bounded by what a descriptor limit can
    /// hold (two sockets a pair), so that no count overflows.
    init?(_ arguments: [String]) {
        switch arguments.count {
        case 0:
            self = .compare(rounds: 1001)
        case 1 where arguments[0] == "diagnosis":
            self = .diagnosis(pairs: 9000)
        case 1:
            guard let rounds = Int(arguments[0]), rounds >= 10 else { return nil }
            self = .compare(rounds: rounds)
        case 2 where arguments[0] == "diagnosis":
            guard let pairs = Int(arguments[1]), pairs > 0, pairs <= 1_000_000 else { return nil }
            self = .diagnosis(pairs: pairs)
        case 2:
            guard let operation = Operation(rawValue: arguments[0]), let count = Int(arguments[1]), count >= 0 else {
                return nil
            }
            self = .run(operation, count: count)
        default:
            return nil
        }
    }
}

if let first = arguments.first, ["-h", "--help", "help"].contains(first) { usage(asked: true) }
guard let invocation = Invocation(arguments) else { usage(asked: false) }
if case .diagnosis(let pairs) = invocation { exit(benchmarkDiagnosis(pairs: pairs)) }

/// The one socket every read and set works on: listening on a port the kernel chose, so that the
/// typed read goes through an owner (`ListeningSocket`, which adopts it) while the bare calls use
/// its descriptor.
func benchListenerDescriptor() -> CInt {
    let fd = socket(AF_INET, streamType, 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let listening = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 && listen(fd, 16) == 0
        }
    }
    guard fd >= 0, listening else { fatalError("bench listener: errno \(errno)") }
    return fd
}

let fd = benchListenerDescriptor()
guard let listener = try? ListeningSocket(adopting: fd) else { fatalError("ListeningSocket(adopting:) failed") }

let sink =
    switch invocation {
    case .run(let operation, let count): operation.run(count: count, on: fd, listener: listener)
    case .compare(let rounds): compare(rounds: rounds, on: fd, listener: listener)
    case .diagnosis: 0  // Done above, before the bench's own socket.
    }
exit(sink == Int.min ? 1 : 0)
