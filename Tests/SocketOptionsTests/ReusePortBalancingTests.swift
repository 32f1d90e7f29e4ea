// SocketOptions tests: choosing how a SO_REUSEPORT group spreads connections, checked against where
// the kernel really sends them and against the CPU the kernel says received each one.
//
// The expectations come from the kernel, not from the package: the program returns
// `cpu % count` (bpf_check_classic accepts BPF_MOD; run_bpf_filter takes the return value as the
// index, and an index past the end falls back to the hash); on loopback a connection's packets
// are processed on the CPU of the thread that sends them (the SYN in connect, on the client's CPU),
// and an accepted socket's SO_INCOMING_CPU is the CPU on which its handshake completed
// (sk_clone_lock). A Python probe on the test machine saw this before the code was written: of 100
// connections from threads pinned to CPU 0 and CPU 1 in turn, with `ld cpu; mod #2; ret a`, every
// one from CPU c was accepted by listener c with SO_INCOMING_CPU c; with the hash, the listener
// varied and SO_INCOMING_CPU was still the client's CPU.

import Glibc
import PlainThreads
import Testing

@testable import SocketOptions

/// What one connection showed: the CPU its client was pinned to, the listener that accepted it
/// (its index in listen order) and the accepted socket's SO_INCOMING_CPU, read with getsockopt.
struct BalancedConnection: Equatable {
    var clientCPU: Int
    var listener: Int
    var incomingCPU: Int
}

/// `count` listeners of one SO_REUSEPORT group on a loopback port the kernel chose, made (and so
/// listening, and indexed) in order.
final class ListenerGroup {
    let members: [NamedListener]
    let address: SocketAddress
    var descriptors: [Int32] { members.map { $0.listener.rawDescriptor } }

    init(count: Int) throws {
        var members: [NamedListener] = []
        var address = SocketAddress.ipv4Loopback(port: 0)
        for _ in 0..<count {
            let listener = try ListeningSocket(address: address, options: [.reusePort(true)])
            address = listener.localAddress
            members.append(NamedListener(listener))
        }
        self.members = members
        self.address = address
    }

    /// Makes `perCPU` connections from a thread pinned to each CPU of `cpus` in turn, one at a
    /// time; each is accepted by whichever listener the kernel queued it on, read and reset (so
    /// that no TIME_WAIT is left). Failures are returned as text, for the test to show.
    func connect(fromEachOf cpus: [Int], perCPU: Int) throws -> (connections: [BalancedConnection], failures: [String])
    {
        let connections = Locked<[BalancedConnection]>([])
        let failures = Locked<[String]>([])
        let address = address
        let descriptors = descriptors
        for cpu in cpus {
            let thread = try startThread {
                guard CPUAffinity.pinCurrentThread(to: cpu), CPUAffinity.currentCPU() == cpu else {
                    failures.withLock { $0.append("could not pin a thread to CPU \(cpu)") }
                    return
                }
                for _ in 0..<perCPU {
                    do {
                        let seen = try Self.connectOnce(to: address, listeners: descriptors, clientCPU: cpu)
                        connections.withLock { $0.append(seen) }
                    } catch {
                        failures.withLock { $0.append("from CPU \(cpu): \(error)") }
                        return
                    }
                }
            }
            pthread_join(thread, nil)
        }
        return (connections.withLock { $0 }, failures.withLock { $0 })
    }

    private static func connectOnce(
        to address: SocketAddress,
        listeners: [Int32],
        clientCPU: Int
    ) throws -> BalancedConnection {
        let client = try Connection(connectingTo: address, timeout: .seconds(2))
        // The server's side of the handshake may complete a moment after connect returns.
        var ready = listeners.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        guard poll(&ready, nfds_t(ready.count), 2000) > 0,
            let index = ready.firstIndex(where: { $0.revents & Int16(POLLIN) != 0 })
        else { throw SocketError.invalidArgument("no listener had the connection within 2 s") }
        let accepted = accept(listeners[index], nil, nil)
        guard accepted >= 0 else { throw SocketError.invalidArgument("accept failed: \(Errno(rawValue: errno))") }
        let incoming = rawIntOption(accepted, SOL_SOCKET, SO_INCOMING_CPU)
        // Closing with a zero linger resets the connection: neither side keeps a TIME_WAIT.
        var reset = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(accepted, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
        close(accepted)
        _ = client.rawDescriptor
        return BalancedConnection(clientCPU: clientCPU, listener: index, incomingCPU: Int(incoming))
    }

    /// The histogram of which listener accepted `connections`.
    func histogram(of connections: [BalancedConnection]) throws -> ListenerHistogram {
        var histogram = try ListenerHistogram(listeners: members.count)
        for connection in connections { try histogram.record(listener: connection.listener) }
        return histogram
    }
}

/// The counts the kernel must produce when connections from each CPU of `cpus` (`perCPU` each) go
/// to listener `cpu % count` of a group of `listeners`: the program's arithmetic, done here.
func expectedCounts(cpus: [Int], perCPU: Int, count: Int, listeners: Int) -> [Int] {
    var counts = Array(repeating: 0, count: listeners)
    for cpu in cpus { counts[cpu % count] += perCPU }
    return counts
}

extension KernelTests {
    @Suite struct ReusePortBalancingTests {
        static let perCPU = 16

        @Test("By CPU, each connection is accepted by the listener whose index is the CPU that received it")
        func byCPUSendsEachConnectionToTheListenerOfItsCPU() throws {
            // One listener per CPU this process may use. On a machine with one CPU the group has one
            // listener: every connection goes to it, and SO_INCOMING_CPU must still be that CPU.
            let cpus = CPUAffinity.allowedCPUs()
            try #require(!cpus.isEmpty)
            let group = try ListenerGroup(count: cpus.count)
            try group.members[0].listener.balanceReusePortGroup(.byCPU(listeners: cpus.count))
            let (connections, failures) = try group.connect(fromEachOf: cpus, perCPU: Self.perCPU)
            #expect(failures.isEmpty, "\(failures)")
            #expect(connections.count == cpus.count * Self.perCPU)
            for connection in connections {
                // On loopback the handshake is processed on the sending CPU.
                #expect(connection.incomingCPU == connection.clientCPU, "\(connection)")
                // The program returned that CPU modulo the listener count, and the kernel used it.
                #expect(connection.listener == connection.incomingCPU % cpus.count, "\(connection)")
            }
            let histogram = try group.histogram(of: connections)
            #expect(
                histogram.counts
                    == expectedCounts(cpus: cpus, perCPU: Self.perCPU, count: cpus.count, listeners: cpus.count)
            )
            print("by CPU, \(cpus.count) CPUs \(cpus), \(cpus.count) listeners:\n\(histogram)")
        }

        @Test("By CPU with more listeners than CPUs: the listeners past the last CPU receive nothing")
        func byCPUWithMoreListenersThanCPUsLeavesTheRestIdle() throws {
            let cpus = CPUAffinity.allowedCPUs()
            try #require(!cpus.isEmpty)
            let count = (cpus.max() ?? 0) + 2  // one listener more than the highest CPU number needs
            let group = try ListenerGroup(count: count)
            try group.members[count - 1].listener.balanceReusePortGroup(.byCPU(listeners: count))
            let (connections, failures) = try group.connect(fromEachOf: cpus, perCPU: Self.perCPU)
            #expect(failures.isEmpty, "\(failures)")
            let histogram = try group.histogram(of: connections)
            #expect(histogram.counts == expectedCounts(cpus: cpus, perCPU: Self.perCPU, count: count, listeners: count))
            #expect(histogram.counts[count - 1] == 0)
            #expect(histogram.fairness == nil)
            #expect(histogram.idleListeners.contains(count - 1))
            print("by CPU, CPUs \(cpus), \(count) listeners:\n\(histogram)")
        }

        @Test("By CPU with a count smaller than the group, the CPUs wrap around: listener = CPU mod count")
        func byCPUWrapsTheCPUsAroundTheListenerCount() throws {
            // A group of at least 2, balanced over one listener fewer: CPU c goes to c % (size - 1), so
            // the last listener gets nothing and, with 2 or more CPUs, some CPU wraps to a lower index
            // (on 2 CPUs, CPU 1 to listener 0). The hash would have given the last listener a share.
            let cpus = CPUAffinity.allowedCPUs()
            try #require(!cpus.isEmpty)
            let size = max(2, cpus.count)
            let group = try ListenerGroup(count: size)
            try group.members[0].listener.balanceReusePortGroup(.byCPU(listeners: size - 1))
            let (connections, failures) = try group.connect(fromEachOf: cpus, perCPU: Self.perCPU)
            #expect(failures.isEmpty, "\(failures)")
            for connection in connections {
                #expect(connection.listener == connection.incomingCPU % (size - 1), "\(connection)")
            }
            let histogram = try group.histogram(of: connections)
            #expect(
                histogram.counts == expectedCounts(cpus: cpus, perCPU: Self.perCPU, count: size - 1, listeners: size)
            )
            #expect(histogram.counts[size - 1] == 0)
            print("by CPU mod \(size - 1), CPUs \(cpus), \(size) listeners:\n\(histogram)")
        }

        @Test("The kernel's hash spreads 2,000 connections from one CPU over every listener")
        func kernelHashSpreadsOverEveryListener() throws {
            // All from one CPU, so that the CPU mode, attached first, would have sent every one to
            // one listener: balancing by the hash again must undo it. A listener with none of 2,000
            // over 4 by chance: 4 * (3/4)^2000.
            let cpus = CPUAffinity.allowedCPUs()
            let cpu = try #require(cpus.first)
            let size = max(4, cpus.count)
            let group = try ListenerGroup(count: size)
            try group.members[1].listener.balanceReusePortGroup(.byCPU(listeners: size))
            try group.members[2].listener.balanceReusePortGroup(.kernelHash)
            let (connections, failures) = try group.connect(fromEachOf: [cpu], perCPU: 2000)
            #expect(failures.isEmpty, "\(failures)")
            let histogram = try group.histogram(of: connections)
            #expect(histogram.total == 2000)
            #expect(histogram.idleListeners.isEmpty, "\(histogram)")
            #expect(histogram.fairness != nil)
            print("the kernel's hash, from CPU \(cpu), \(size) listeners:\n\(histogram)")
        }

        @Test("The kernel's hash on a group with no program is no error; nor twice")
        func kernelHashWithoutAProgramIsNoError() throws {
            let group = try ListenerGroup(count: 2)
            try group.members[0].listener.balanceReusePortGroup(.kernelHash)
            try group.members[1].listener.balanceReusePortGroup(.kernelHash)
            #expect(try group.members[0].listener.detachReusePortProgram() == false)
        }

        @Test("Balancing a listener without SO_REUSEPORT by CPU fails with the kernel's EINVAL")
        func byCPUOutsideAGroupIsEINVAL() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            #expect {
                try listener.balanceReusePortGroup(.byCPU(listeners: 1))
            } throws: { error in
                guard case .reusePortSteeringFailed(let failure) = error as? SocketError else { return false }
                return failure.call == .attach && failure.errno == .invalidArgument
            }
        }

        @Test(
            "A listener count outside 1...65535 is refused before any system call",
            arguments: [0, -1, Int.min, 65536, Int.max]
        )
        func byCPURefusesABadCountBeforeAnyCall(count: Int) throws {
            let group = try ListenerGroup(count: 1)
            let (_, calls) = recording {
                #expect {
                    try group.members[0].listener.balanceReusePortGroup(.byCPU(listeners: count))
                } throws: { error in
                    guard case .invalidArgument(let text) = error as? SocketError else { return false }
                    return text.contains("1...65535") && text.contains("\(count)")
                }
            }
            #expect(calls.isEmpty)
        }

        @Test("A remainder by the constant 0 is refused before the call, as the kernel's checker refuses it")
        func remainderByZeroIsRefusedBeforeTheCall() throws {
            let group = try ListenerGroup(count: 1)
            let fd = group.members[0].listener.rawDescriptor
            // The kernel: bpf_check_classic refuses BPF_ALU | BPF_MOD | BPF_K with k = 0 (EINVAL) and
            // takes it with k = 2; asked directly, without the package.
            #expect(attachRaw(SocketFilter.reusePortSteeringByCPU(listeners: 0), to: fd) == EINVAL)
            #expect(attachRaw(SocketFilter.reusePortSteeringByCPU(listeners: 2), to: fd) == 0)
            // The package: the same program is refused with no call.
            let (_, calls) = recording {
                #expect(throws: SocketError.self) {
                    try group.members[0].listener.attachReusePortProgram(.reusePortSteeringByCPU(listeners: 0))
                }
            }
            #expect(calls.isEmpty)
        }

        /// setsockopt(SO_ATTACH_REUSEPORT_CBPF) with `program`, by hand: 0 or the errno. Glibc's
        /// module has no `struct sock_filter` or `struct sock_fprog`: they are laid out here as
        /// linux/filter.h has them on a 64-bit little-endian machine (8 bytes per instruction; the
        /// program's length, padding, then the pointer).
        private func attachRaw(_ program: SocketFilter, to fd: CInt) -> CInt {
            var bytes: [UInt8] = []
            for instruction in program.instructions {
                withUnsafeBytes(of: instruction.code.littleEndian) { bytes += $0 }
                bytes += [instruction.jumpIfTrue, instruction.jumpIfFalse]
                withUnsafeBytes(of: instruction.k.littleEndian) { bytes += $0 }
            }
            return bytes.withUnsafeMutableBytes { buffer in
                var fprog: [UInt64] = [
                    UInt64(program.instructions.count), UInt64(UInt(bitPattern: buffer.baseAddress)),
                ]
                let result = setsockopt(fd, SOL_SOCKET, 51, &fprog, socklen_t(16))
                return result == 0 ? 0 : errno
            }
        }
    }
}
