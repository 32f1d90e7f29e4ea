// sockopt-bench: each operation the bench times, made once through the library and once with the
// bare C calls that do the same job.
//
// The bare side is what a careful C programmer writes, no more and no less: the same descriptor,
// a buffer of the value's own size, every return value checked (a server that ignored them would be
// wrong, not faster), and for a listener the same flags (close-on-exec, non-blocking) and the same
// calls in the same order as the library makes them. Each function runs its operation `count`
// times and returns a value folded from the results, so that the optimizer cannot drop a call.

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
let streamType = CInt(SOCK_STREAM.rawValue)
let closeOnExecAndNonBlocking = CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue)
#else
let streamType = SOCK_STREAM
let closeOnExecAndNonBlocking: CInt = 0
#endif

/// The value the set loops ask for on round `index`: it changes every call, so that no layer can
/// skip a set as a repeat, and stays within what SO_RCVBUF keeps as asked (doubled).
@inline(__always)
func requestedBufferSize(_ index: Int) -> Int { 65536 + (index & 1023) }

// MARK: reading SO_RCVBUF

@inline(never)
func bareGet(_ fd: CInt, count: Int) -> Int {
    var sink = 0
    for _ in 0..<count {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &length) == 0 else { fatalError("getsockopt: \(errno)") }
        sink &+= Int(value)
    }
    return sink
}

/// The typed read on the listener that owns `fd`: an `Int`, no pattern match.
@inline(never)
func libraryGet(_ listener: borrowing ListeningSocket, count: Int) -> Int {
    var sink = 0
    for _ in 0..<count {
        guard let kept = try? listener.value(.receiveBufferSize) else { fatalError("value(.receiveBufferSize) failed") }
        sink &+= kept
    }
    return sink
}

/// The read of the option as a SocketOption, on a borrowed descriptor.
@inline(never)
func libraryGetDescriptor(_ fd: CInt, count: Int) -> Int {
    var sink = 0
    for _ in 0..<count {
        guard case .receiveBufferSize(let kept)? = try? BorrowedSocket(borrowing: fd).option(.receiveBufferSize)
        else { fatalError("option(.receiveBufferSize) failed") }
        sink &+= kept
    }
    return sink
}

// MARK: setting SO_RCVBUF and reading back what the kernel kept

@inline(never)
func bareSet(_ fd: CInt, count: Int) -> Int {
    var sink = 0
    for index in 0..<count {
        var value = CInt(requestedBufferSize(index))
        guard setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, socklen_t(MemoryLayout<CInt>.size)) == 0 else {
            fatalError("setsockopt: \(errno)")
        }
        var kept: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kept, &length) == 0 else { fatalError("getsockopt: \(errno)") }
        sink &+= Int(kept)
    }
    return sink
}

@inline(never)
func librarySet(_ fd: CInt, count: Int) -> Int {
    var sink = 0
    for index in 0..<count {
        guard
            let applied = try? BorrowedSocket(borrowing: fd).setOption(.receiveBufferSize(requestedBufferSize(index))),
            case .receiveBufferSize(let kept) = applied.effective
        else { fatalError("setOption failed") }
        sink &+= kept
    }
    return sink
}

/// The typed write, `set(.receiveBufferSize, n)`: the same set through the key, the kept value an
/// `Int` (`AppliedValue.effective`) without a pattern match.
@inline(never)
func libraryTypedSet(_ fd: CInt, count: Int) -> Int {
    var sink = 0
    for index in 0..<count {
        guard let applied = try? BorrowedSocket(borrowing: fd).set(.receiveBufferSize, requestedBufferSize(index))
        else { fatalError("set(.receiveBufferSize, _) failed") }
        sink &+= applied.effective
    }
    return sink
}

/// The timeval path: SO_RCVTIMEO through the library (for the allocation check).
@inline(never)
func librarySetTimeout(_ fd: CInt, count: Int) -> Int {
    var sink = 0
    for index in 0..<count {
        guard let applied = try? BorrowedSocket(borrowing: fd).setOption(.receiveTimeout(.milliseconds(1 + index & 7))),
            case .receiveTimeout(let kept?) = applied.effective
        else { fatalError("set-timeout failed") }
        sink &+= Int(kept.components.seconds)
    }
    return sink
}

// MARK: a listener with two verified options, from socket to close

/// The two options both sides set and verify: the default one, and one a server commonly adds.
let setupOptions: [SocketOption] = [.reuseAddress(true), .receiveBufferSize(65536)]

/// 127.0.0.1, port 0: the kernel picks a free port, so that no run depends on a port being free.
let setupAddress = SocketAddress.ipv4Loopback(port: 0)

/// socket (close-on-exec, non-blocking), SO_REUSEADDR set and read back (must read non-zero),
/// SO_RCVBUF set and read back, bind, listen, getsockname (the port the kernel chose), close.
/// The calls `ListeningSocket.init` and `close()` make for an IPv4 address (checked with strace
/// in Documentation/Performance.md).
@inline(never)
func bareSetup(count: Int) -> Int {
    var sink = 0
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    for _ in 0..<count {
        let fd = socket(AF_INET, streamType | closeOnExecAndNonBlocking, 0)
        guard fd >= 0 else { fatalError("socket: \(errno)") }
        var on: CInt = 1
        guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<CInt>.size)) == 0 else {
            fatalError("setsockopt: \(errno)")
        }
        var reuse: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &length) == 0, reuse != 0 else {
            fatalError("getsockopt: \(errno)")
        }
        var size: CInt = 65536
        guard setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size)) == 0 else {
            fatalError("setsockopt: \(errno)")
        }
        var kept: CInt = 0
        length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kept, &length) == 0 else { fatalError("getsockopt: \(errno)") }
        var bound = sockaddr_storage()
        var boundLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let listening = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 && listen(fd, 128) == 0
            }
        }
        let named = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &boundLength) == 0 }
        }
        guard listening, named, bound.ss_family == sa_family_t(AF_INET) else { fatalError("listener: \(errno)") }
        let port = withUnsafeBytes(of: &bound) { $0.load(fromByteOffset: 2, as: UInt16.self) }
        guard close(fd) == 0 else { fatalError("close: \(errno)") }
        sink &+= Int(kept) &+ Int(UInt16(bigEndian: port))
    }
    return sink
}

@inline(never)
func librarySetup(count: Int) -> Int {
    var sink = 0
    // The address and options held in locals, as the bare side builds its sockaddr_in before its
    // loop: reading a global on every call (its lazy initialization check) is the caller's cost.
    let address = setupAddress
    let options = setupOptions
    for _ in 0..<count {
        do {
            let listener = try ListeningSocket(address: address, options: options, backlog: 128)
            sink &+= Int(listener.localAddress.port)
            try listener.close()
        } catch {
            fatalError("ListeningSocket: \(error)")
        }
    }
    return sink
}

// MARK: one operation alone, for valgrind and callgrind

/// The operations `sockopt-bench OPERATION COUNT` runs alone: under valgrind, running one 1,000 or
/// 20,000 times must allocate exactly as often (`.ci/bench`); under callgrind, they show where the
/// instructions go.
enum Operation: String, CaseIterable {
    case rawSet = "raw-set"
    case rawGet = "raw-get"
    case set
    case get
    case typedGet = "typed-get"
    case typedSet = "typed-set"
    case setTimeout = "set-timeout"
    case rawSetup = "raw-setup"
    case setup

    func run(count: Int, on fd: CInt, listener: borrowing ListeningSocket) -> Int {
        switch self {
        case .rawSet: bareSet(fd, count: count)
        case .rawGet: bareGet(fd, count: count)
        case .set: librarySet(fd, count: count)
        case .get: libraryGetDescriptor(fd, count: count)
        case .typedGet: libraryGet(listener, count: count)
        case .typedSet: libraryTypedSet(fd, count: count)
        case .setTimeout: librarySetTimeout(fd, count: count)
        case .rawSetup: bareSetup(count: count)
        case .setup: librarySetup(count: count)
        }
    }
}
