// SocketOptions: steering the new connections of a SO_REUSEPORT group to one of its sockets.

#if os(Linux)
extension SocketFilter {
    /// The program that sends every new connection of a `SO_REUSEPORT` group to the socket at
    /// `index` (see ``ReusePortGroup`` for how the kernel numbers them): one instruction, `ret #index`.
    /// An index the group does not have makes the kernel fall back to its hash over all members.
    public static func reusePortSteering(toIndex index: UInt16) -> SocketFilter {
        SocketFilter([.returning(UInt32(index))])
    }
}

extension SocketOptionAccess where Self: ~Copyable {
    /// Sends every new connection of this socket's `SO_REUSEPORT` group to the member at `index`,
    /// until ``detachReusePortProgram()`` or another program replaces it. Linux only.
    ///
    /// The program belongs to the group, not to this socket: any member can attach it, and it
    /// stays when the member that attached it leaves. It sees each connection's first packet (the
    /// SYN) and returns an index into the group's array, numbered as ``ReusePortGroup`` models it
    /// (listen order; a leaver's slot goes to the last member). Where the index is past the end, the
    /// kernel falls back to its hash, as without a program. Connections already in a member's
    /// accept queue stay there: steering away from a member that is about to close is how it can
    /// drain its queue and close without resetting any (``ReusePortHandover``).
    ///
    /// The socket must have `SO_REUSEPORT` on (``SocketOption/reusePort(_:)``) and be listening, or
    /// be unbound: a program attached to an unbound socket makes the group it will form.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for an index outside 0...65534 (a group holds
    ///   at most 65,535 sockets), before any system call; ``SocketError/reusePortSteeringFailed(_:)``
    ///   with the kernel's answer: `EINVAL` when the socket is in no group (no `SO_REUSEPORT`, or a
    ///   datagram socket without it), `ENOPROTOOPT` on a kernel older than 4.5, `ENOMEM` when
    ///   `net.core.optmem_max` is too small for the program, `EBADF` or `ENOTSOCK`.
    ///   The corresponding C call is `setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog, ...)`.
    public func steerReusePortGroup(toIndex index: Int) throws(SocketError) {
        guard index >= 0, index < ReusePortGroup<Int>.maximumMembers else {
            throw .invalidArgument(
                "a SO_REUSEPORT group's index is 0...\(ReusePortGroup<Int>.maximumMembers - 1), not \(index)"
            )
        }
        try attachReusePortProgram(.reusePortSteering(toIndex: UInt16(index)))
    }

    /// Attaches a classic BPF program that chooses, for each new connection (UDP: each datagram)
    /// of this socket's `SO_REUSEPORT` group, the member that gets it: the program's return value is
    /// the index in the group (see ``ReusePortGroup``); one past the end falls back to the kernel's
    /// hash. It replaces the group's program, if any. Linux only.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for a program the kernel could not take (see
    ///   ``SocketFilter``), before any system call; ``SocketError/reusePortSteeringFailed(_:)`` as
    ///   for ``steerReusePortGroup(toIndex:)``, and `EINVAL` for a program the kernel's checker
    ///   refused. The corresponding C option is `SO_ATTACH_REUSEPORT_CBPF`.
    public func attachReusePortProgram(_ program: SocketFilter) throws(SocketError) {
        if let problem = program.problem { throw .invalidArgument("the steering program: \(problem)") }
        if case .failure(let errno) = ReusePortCalls.attach(program, to: rawDescriptor) {
            throw .reusePortSteeringFailed(.init(call: .attach, descriptor: rawDescriptor, errno: errno))
        }
    }

    /// Removes the program of this socket's `SO_REUSEPORT` group, so that the kernel's hash spreads
    /// new connections again. Returns false when the group had no program (`ENOENT`). Linux 5.3+.
    ///
    /// - Throws: ``SocketError/reusePortSteeringFailed(_:)`` with `EINVAL` when the socket is in no
    ///   group, `ENOPROTOOPT` on a kernel older than 5.3, `EBADF` or `ENOTSOCK`. The corresponding
    ///   C option is `SO_DETACH_REUSEPORT_BPF`.
    @discardableResult
    public func detachReusePortProgram() throws(SocketError) -> Bool {
        switch ReusePortCalls.detach(from: rawDescriptor) {
        case .success: return true
        case .failure(.noSuchEntry): return false
        case .failure(let errno):
            throw .reusePortSteeringFailed(.init(call: .detach, descriptor: rawDescriptor, errno: errno))
        }
    }
}
#endif

/// Why the kernel refused to attach or detach the steering program of a `SO_REUSEPORT` group, and
/// what to do: the value of ``SocketError/reusePortSteeringFailed(_:)``.
public struct ReusePortSteeringFailure: Hashable, Sendable, CustomStringConvertible {
    /// The two calls.
    public enum Call: Hashable, Sendable {
        /// `setsockopt(SO_ATTACH_REUSEPORT_CBPF)`.
        case attach
        /// `setsockopt(SO_DETACH_REUSEPORT_BPF)`.
        case detach
    }

    /// Which call failed.
    public let call: Call
    /// The descriptor it was made on.
    public let descriptor: Int32
    /// The kernel's answer.
    public let errno: Errno

    /// A failure of `call` on `descriptor` with `errno`.
    public init(call: Call, descriptor: Int32, errno: Errno) {
        self.call = call
        self.descriptor = descriptor
        self.errno = errno
    }

    /// What failed, what the kernel meant and what to do.
    public var description: String {
        let name = call == .attach ? "SO_ATTACH_REUSEPORT_CBPF" : "SO_DETACH_REUSEPORT_BPF"
        let head = "setsockopt(SOL_SOCKET, \(name)) on descriptor \(descriptor) failed: \(errno)."
        let advice: String
        switch errno {
        case .invalidArgument:
            advice =
                call == .attach
                ? "The socket is in no SO_REUSEPORT group (or the kernel refused the program): give .reusePort(true) "
                    + "to every listener of the port before bind, and steer through one of them."
                : "The socket is in no SO_REUSEPORT group: detach through a listener made with .reusePort(true)."
        case .protocolNotAvailable:
            advice =
                call == .attach
                ? "This kernel cannot steer a SO_REUSEPORT group (it needs Linux 4.5+): hand the listening descriptor "
                    + "over instead, or turn on net.ipv4.tcp_migrate_req (Linux 5.14+)."
                : "This kernel cannot detach a steering program (it needs Linux 5.3+): attach one that returns an "
                    + "index past the end of the group (it falls back to the hash), or close every member."
        case .noMemory:
            advice = "The program does not fit the socket's option memory: raise net.core.optmem_max, or shorten it."
        case .notPermitted, .permissionDenied:
            advice =
                "A security policy (seccomp, SELinux, AppArmor) forbids it: allow setsockopt \(name) in the policy."
        case .badFileDescriptor, .notSocket:
            advice = "Descriptor \(descriptor) is not an open socket: steer through a listener of the group."
        default:
            advice = "See socket(7) for \(name)."
        }
        return head + " " + advice
    }
}

#if os(Linux)
extension ReusePortGroup {
    /// Sends every new connection of the group to `member`, at the index this model gives it, by
    /// attaching the program through `socket`, any member of the same group (a ``ListeningSocket``,
    /// or a ``BorrowedSocket`` of another's descriptor). Linux only.
    ///
    /// - Returns: the index steered to.
    /// - Throws: ``SocketError/invalidArgument(_:)`` when `member` is not in the model, before any
    ///   system call; otherwise as ``SocketOptionAccess/steerReusePortGroup(toIndex:)``. The
    ///   corresponding C option is `SO_ATTACH_REUSEPORT_CBPF`.
    @discardableResult
    public func steer<Socket: SocketOptionAccess & ~Copyable>(
        to member: Member,
        through socket: borrowing Socket
    ) throws(SocketError) -> Int {
        guard let index = index(of: member) else {
            throw .invalidArgument("\(member) is not a member of the SO_REUSEPORT group \(self)")
        }
        try socket.steerReusePortGroup(toIndex: index)
        return index
    }
}
#endif
