// SocketOptions: choosing how a SO_REUSEPORT group spreads new connections over its listeners.

/// How a `SO_REUSEPORT` group spreads new connections over its listening sockets: the value of
/// ``SocketOptionAccess/balanceReusePortGroup(_:)``.
///
/// - ``kernelHash``: the kernel's own choice, with no program on the group. Linux hashes each
///   connection's first packet (the SYN) over the local address and port and the remote address and
///   port (`inet_ehashfn`, a keyed jhash whose key is chosen at boot and mixed with the network
///   namespace) and scales the hash to the number of listeners (`reciprocal_scale`). It is even on
///   average, not round-robin: 2,000 connections over 4 listeners give shares near 500, not 500 each.
/// - ``byCPU(listeners:)``: each connection goes to the listener whose index is the number of the
///   CPU that received its SYN, modulo `listeners`, by a classic BPF program on the group
///   (`SO_ATTACH_REUSEPORT_CBPF`). With one listener per CPU, each started in CPU order and served by
///   a thread pinned to that CPU, a connection is accepted and served on the CPU whose receive
///   queue took it (`SO_INCOMING_CPU` of the accepted socket is the listener's index), with warm
///   caches and no cross-CPU wake-up.
///
/// Indices are the group's: listen order, a leaver's slot going to the last member (see
/// ``ReusePortGroup``). The program is fixed when it is attached: after a listener joins or leaves,
/// balance the group again with the new count.
public struct ReusePortBalancing: Hashable, Sendable, CustomStringConvertible {
    enum Rule: Hashable, Sendable {
        case kernelHash
        case byCPU(listeners: Int)
    }

    let rule: Rule

    /// The kernel's hash of the connection's addresses and ports, with no program on the group:
    /// what a group does until a program is attached, and again once it is detached. The
    /// corresponding C option is `SO_DETACH_REUSEPORT_BPF`.
    public static var kernelHash: ReusePortBalancing { ReusePortBalancing(rule: .kernelHash) }

    /// Each connection to the listener at index `cpu % listeners`, where `cpu` is the CPU that
    /// received the connection's SYN (the number the kernel reports as the accepted socket's
    /// `SO_INCOMING_CPU`, and ``SocketFilter/reusePortSteeringByCPU(listeners:)`` loads).
    ///
    /// `listeners` must be the number of listeners in the group, 1...65535:
    /// - As many listeners as CPUs (numbered 0 to N-1): listener i serves CPU i.
    /// - More CPUs than listeners: the CPUs wrap around (`cpu % listeners`): with 2 listeners, CPUs
    ///   0, 2, 4... go to listener 0 and 1, 3, 5... to listener 1. Uneven when the CPU count is not a
    ///   multiple of the listener count.
    /// - Fewer CPUs than listeners: the listeners past the last CPU receive nothing.
    /// - A count larger than the group: an index past the group's end makes the kernel fall back to
    ///   its hash for that connection. A count smaller than the group leaves the listeners past it
    ///   idle.
    ///
    /// Which CPU receives a connection is the network card's and the kernel's choice (RSS, RPS);
    /// on loopback it is the CPU of the thread that called `connect`.
    /// The corresponding C option is `SO_ATTACH_REUSEPORT_CBPF`.
    public static func byCPU(listeners: Int) -> ReusePortBalancing {
        ReusePortBalancing(rule: .byCPU(listeners: listeners))
    }

    /// The number of listeners the CPU mode spreads over; nil for ``kernelHash``.
    public var listeners: Int? {
        if case .byCPU(let listeners) = rule { return listeners }
        return nil
    }

    /// `"the kernel's hash"`, `"by CPU over 4 listeners (CPU mod 4)"`.
    public var description: String {
        switch rule {
        case .kernelHash: "the kernel's hash"
        case .byCPU(let listeners):
            "by CPU over \(listeners) listener\(listeners == 1 ? "" : "s") (CPU mod \(listeners))"
        }
    }

    /// The program of the CPU mode, or why the count cannot make one.
    var cpuProgram: Result<SocketFilter, SocketError>? {
        guard case .byCPU(let listeners) = rule else { return nil }
        guard listeners >= 1, listeners <= ReusePortGroup<Int>.maximumMembers else {
            return .failure(
                .invalidArgument(
                    "balancing by CPU needs the number of listeners in the SO_REUSEPORT group, "
                        + "1...\(ReusePortGroup<Int>.maximumMembers), not \(listeners)"
                )
            )
        }
        return .success(.reusePortSteeringByCPU(listeners: UInt16(listeners)))
    }
}

extension SocketFilter.Instruction {
    /// `ld #cpu`: loads into the accumulator the number of the CPU running the program (for a
    /// `SO_REUSEPORT` program, the CPU that received the packet). The corresponding C instruction is
    /// `BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_CPU)`: code 0x20, k 0xfffff024
    /// (`SKF_AD_OFF` is -0x1000, `SKF_AD_CPU` 36: linux/filter.h).
    public static var loadingCPU: Self {
        Self(code: 0x20, jumpIfTrue: 0, jumpIfFalse: 0, k: UInt32(bitPattern: -0x1000 + 36))
    }

    /// `mod #k`: the accumulator becomes its remainder by `k`. The kernel refuses a program with
    /// `k` = 0 (`EINVAL`), and so does the package, before the call. The corresponding C
    /// instruction is `BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, k)`: code 0x94.
    public static func remainder(dividingBy k: UInt32) -> Self {
        Self(code: 0x94, jumpIfTrue: 0, jumpIfFalse: 0, k: k)
    }

    /// `ret a`: returns the accumulator. The corresponding C instruction is
    /// `BPF_STMT(BPF_RET | BPF_A, 0)`: code 0x16.
    public static var returningAccumulator: Self {
        Self(code: 0x16, jumpIfTrue: 0, jumpIfFalse: 0, k: 0)
    }
}

extension SocketFilter {
    /// The program that sends each new connection of a `SO_REUSEPORT` group to the member at index
    /// `cpu % listeners`, `cpu` being the CPU that received its first packet:
    /// `ld #cpu; mod #listeners; ret a`. `listeners` 0 makes a program the kernel (and the package,
    /// before the call) refuses. See ``ReusePortBalancing/byCPU(listeners:)``.
    public static func reusePortSteeringByCPU(listeners: UInt16) -> SocketFilter {
        SocketFilter([.loadingCPU, .remainder(dividingBy: UInt32(listeners)), .returningAccumulator])
    }
}

#if os(Linux)
extension SocketOptionAccess where Self: ~Copyable {
    /// Chooses how this socket's `SO_REUSEPORT` group spreads new connections over its listeners:
    /// by the kernel's hash (the default) or by the CPU that received each connection. The choice
    /// belongs to the group, whichever member makes it, and replaces any steering program
    /// (``steerReusePortGroup(toIndex:)``). Linux only.
    ///
    /// ```swift
    /// // On 2 CPUs: one listener per CPU, made in CPU order, each served by a thread pinned to its CPU.
    /// let cpu0 = try ListeningSocket(address: address, options: [.reusePort(true)])
    /// let cpu1 = try ListeningSocket(address: cpu0.localAddress, options: [.reusePort(true)])
    /// try cpu0.balanceReusePortGroup(.byCPU(listeners: 2))
    /// ```
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for a listener count outside 1...65535, before
    ///   any system call; ``SocketError/reusePortSteeringFailed(_:)`` with the kernel's answer, as
    ///   for ``attachReusePortProgram(_:)`` (``ReusePortBalancing/byCPU(listeners:)``) and
    ///   ``detachReusePortProgram()`` (``ReusePortBalancing/kernelHash``: `ENOPROTOOPT` before
    ///   Linux 5.3; a group with no program is already balanced by the hash, and is no error). The
    ///   corresponding C options are `SO_ATTACH_REUSEPORT_CBPF` and `SO_DETACH_REUSEPORT_BPF`.
    public func balanceReusePortGroup(_ balancing: ReusePortBalancing) throws(SocketError) {
        switch balancing.cpuProgram {
        case nil: try detachReusePortProgram()
        case .failure(let error): throw error
        case .success(let program): try attachReusePortProgram(program)
        }
    }
}
#endif
