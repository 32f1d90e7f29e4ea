// SocketOptions tests: steering a SO_REUSEPORT group with a classic BPF program, checked against
// where the kernel really sends connections; the index model against the kernel; the kernel's
// answers when steering is not possible.

import Glibc
import Testing

@testable import SocketOptions

/// A listener that a test keeps by name; dropping the last reference closes it.
final class NamedListener {
    let listener: ListeningSocket
    init(_ listener: consuming ListeningSocket) { self.listener = listener }
}

/// One step of a group's life: a socket starts listening, or leaves by close or by shutdown(SHUT_RD).
enum GroupStep {
    case join(String)
    case close(String)
    case shutdown(String)
}

/// The listeners of one SO_REUSEPORT group on a loopback port, with the model that says their indices.
final class LoopbackGroup {
    var members: [String: NamedListener] = [:]
    /// Listeners that stopped listening (shutdown) but are still open, closed with the group.
    var stopped: [NamedListener] = []
    var model = ReusePortGroup<String>()
    var address = SocketAddress.ipv4Loopback(port: 0)

    func apply(_ step: GroupStep) throws {
        switch step {
        case .join(let name):
            let listener = try ListeningSocket(address: address, options: [.reusePort(true)])
            address = listener.localAddress
            members[name] = NamedListener(listener)
            try model.join(name)
        case .close(let name):
            members[name] = nil
            try model.leave(name)
        case .shutdown(let name):
            let removed = members.removeValue(forKey: name)
            let member = try #require(removed)
            #expect(Glibc.shutdown(member.listener.rawDescriptor, CInt(SHUT_RD)) == 0)
            stopped.append(member)
            try model.leave(name)
        }
    }

    /// Connects once and returns the name of the member whose queue the connection reached.
    func memberReached() throws -> String? {
        // Closed when it goes out of scope.
        let client = try Connection(connectingTo: address, timeout: .seconds(2))
        _ = client.rawDescriptor
        let deadline = ContinuousClock.now + .seconds(2)
        // On loopback the server's side of the handshake can finish a moment after connect returns.
        while ContinuousClock.now < deadline {
            for (name, member) in members {
                if let accepted = try member.listener.accept(timeout: .zero) {
                    try accepted.close()
                    return name
                }
            }
            usleep(500)
        }
        return nil
    }

    /// For each index of the model: steers the group there (through the member at the last index,
    /// so mostly through another member than the target) and checks which member gets the connection.
    func checkEveryIndex(after step: GroupStep) throws {
        let through = try #require(members[model.members[model.members.count - 1]])
        for (index, expected) in model.members.enumerated() {
            try through.listener.steerReusePortGroup(toIndex: index)
            let reached = try memberReached()
            #expect(reached == expected, "after \(step), group \(model): index \(index) reached \(reached ?? "none")")
        }
    }
}

extension KernelTests {
    @Suite struct ReusePortSteeringTests {
        static let scripts: [[GroupStep]] = [
            // The middle and then the first leave; a newcomer takes the end; the last leaving moves
            // nothing; a member stopped by shutdown leaves as a closed one does.
            [
                .join("a"), .join("b"), .join("c"), .join("d"), .close("b"), .close("a"), .join("e"), .close("e"),
                .shutdown("c"), .join("f"),
            ],
            // Two members, the first leaves: the second moves to 0; the newcomer is 1.
            [.join("a"), .join("b"), .close("a"), .join("c"), .close("b"), .join("d"), .join("e"), .shutdown("d")],
            // Leaving in join order, then in reverse, with joins between.
            [
                .join("a"), .join("b"), .join("c"), .join("d"), .join("e"), .close("a"), .close("b"), .join("f"),
                .close("f"), .close("d"), .close("e"),
            ],
        ]

        @Test(
            "Steering to index i sends the connection to the member the model puts at i, as members join and leave",
            arguments: scripts.indices
        )
        func indexModelMatchesKernel(script: Int) throws {
            let group = LoopbackGroup()
            for step in Self.scripts[script] {
                try group.apply(step)
                try group.checkEveryIndex(after: step)
            }
            #expect(try group.members.values.first!.listener.detachReusePortProgram())
        }

        @Test("The index follows the order of listen, not of bind")
        func indexFollowsListenOrder() throws {
            // Bound a, b, c; listening c, a, b.
            var descriptors: [CInt] = []
            var port: UInt16 = 0
            for _ in 0..<3 {
                let fd = rawSocket()
                var one: CInt = 1
                #expect(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<CInt>.size)) == 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = port.bigEndian
                address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                try #require(bound == 0)
                if port == 0 {
                    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                    withUnsafeMutablePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
                    }
                    port = UInt16(bigEndian: address.sin_port)
                }
                descriptors.append(fd)
            }
            let names = ["a", "b", "c"]
            let group = LoopbackGroup()
            group.address = .ipv4Loopback(port: port)
            for slot in [2, 0, 1] {
                #expect(listen(descriptors[slot], 16) == 0)
                group.members[names[slot]] = NamedListener(try ListeningSocket(adopting: descriptors[slot]))
                try group.model.join(names[slot])
            }
            #expect(group.model.members == ["c", "a", "b"])
            try group.checkEveryIndex(after: .join("c, a, b"))
        }

        @Test("The program belongs to the group: it keeps steering after the member that attached it closes")
        func programOutlivesTheMemberThatAttachedIt() throws {
            let group = LoopbackGroup()
            for name in ["a", "b", "c"] { try group.apply(.join(name)) }
            try group.members["a"]!.listener.steerReusePortGroup(toIndex: 1)  // b
            try group.apply(.close("a"))  // c moves to 0; b stays at 1
            for _ in 0..<8 { #expect(try group.memberReached() == "b") }
        }

        @Test("The model steers to a member by name through any member, and refuses a stranger before any call")
        func modelSteersToAMemberByName() throws {
            let group = LoopbackGroup()
            for name in ["a", "b", "c"] { try group.apply(.join(name)) }
            try group.apply(.close("a"))  // [c, b]
            let through = try #require(group.members["b"])
            #expect(try group.model.steer(to: "c", through: through.listener) == 0)
            for _ in 0..<4 { #expect(try group.memberReached() == "c") }
            let (_, calls) = recording {
                #expect(throws: SocketError.self) { try group.model.steer(to: "a", through: through.listener) }
            }
            #expect(calls.isEmpty)
        }

        @Test("An index past the end of the group falls back to the kernel's hash over every member")
        func indexPastTheEndFallsBackToTheHash() throws {
            let group = LoopbackGroup()
            for name in ["a", "b", "c"] { try group.apply(.join(name)) }
            try group.members["a"]!.listener.steerReusePortGroup(toIndex: 3)
            var reached: Set<String> = []
            // All 48 on one member of three by chance: 3 / 3^48.
            for _ in 0..<48 { if let name = try group.memberReached() { reached.insert(name) } }
            #expect(reached.count > 1, "reached \(reached)")
        }

        @Test("Detaching with no program attached returns false (ENOENT); after a steer it returns true")
        func detachSaysWhetherAProgramWasAttached() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [.reusePort(true)])
            #expect(try listener.detachReusePortProgram() == false)
            try listener.steerReusePortGroup(toIndex: 0)
            #expect(try listener.detachReusePortProgram() == true)
            #expect(try listener.detachReusePortProgram() == false)
        }

        @Test(
            "Steering a listener without SO_REUSEPORT fails with the kernel's EINVAL and says to set .reusePort(true)"
        )
        func steeringOutsideAGroupIsEINVAL() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            for call in [ReusePortSteeringFailure.Call.attach, .detach] {
                do {
                    if call == .attach {
                        try listener.steerReusePortGroup(toIndex: 0)
                    } else {
                        try listener.detachReusePortProgram()
                    }
                    Issue.record("\(call) succeeded on a listener without SO_REUSEPORT")
                } catch {
                    #expect(
                        error
                            == .reusePortSteeringFailed(
                                .init(call: call, descriptor: listener.rawDescriptor, errno: .invalidArgument)
                            )
                    )
                    #expect(error.errno == .invalidArgument)
                    #expect(error.description.contains(".reusePort(true)"))
                }
            }
        }

        @Test("A descriptor that is not open is EBADF; one that is not a socket is ENOTSOCK")
        func steeringABadDescriptorNamesTheErrno() throws {
            #expect(
                throws: SocketError.reusePortSteeringFailed(
                    .init(call: .attach, descriptor: -1, errno: .badFileDescriptor)
                )
            ) {
                try BorrowedSocket(borrowing: -1).steerReusePortGroup(toIndex: 0)
            }
            var ends: [CInt] = [-1, -1]
            try #require(pipe(&ends) == 0)
            defer { for end in ends { close(end) } }
            #expect(
                throws: SocketError.reusePortSteeringFailed(
                    .init(call: .detach, descriptor: ends[0], errno: .notSocket)
                )
            ) {
                try BorrowedSocket(borrowing: ends[0]).detachReusePortProgram()
            }
        }

        @Test(
            "An index outside 0...65534 or a program the kernel could not take is refused before any system call",
            arguments: [-1, 65535, Int.max, Int.min]
        )
        func badIndexIsRefusedBeforeAnyCall(index: Int) throws {
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [.reusePort(true)])
            let (_, calls) = recording {
                #expect(throws: SocketError.self) { try listener.steerReusePortGroup(toIndex: index) }
                #expect(throws: SocketError.self) { try listener.attachReusePortProgram(SocketFilter([])) }
            }
            #expect(calls.isEmpty, "\(calls)")
        }

        @Test("Steering and detaching are one setsockopt each, on the borrowed descriptor of a member")
        func steeringIsOneSetsockoptOnTheBorrowedDescriptor() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [.reusePort(true)])
            let borrowed = BorrowedSocket(borrowing: listener.rawDescriptor)
            let (_, calls) = try recording { try borrowed.steerReusePortGroup(toIndex: 0) }
            #expect(calls.map(\.kind) == [.setsockopt])
            #expect(calls.first?.descriptor == listener.rawDescriptor)
            let (_, detachCalls) = try recording { try borrowed.detachReusePortProgram() }
            #expect(detachCalls.map(\.kind) == [.setsockopt])
            #expect(detachCalls.first?.descriptor == listener.rawDescriptor)
        }

        @Test("kernelMigration() reads net.ipv4.tcp_migrate_req of the calling thread's network namespace")
        func kernelMigrationReadsTheSysctl() throws {
            let host = sysctl("net/ipv4/tcp_migrate_req")
            #expect(ReusePortHandover.kernelMigration() == (host == nil ? .unavailable : host == 0 ? .off : .on))
            guard host != nil else { return }
            let (off, on) = try inPrivateNetworkNamespace {
                try runToEnd(["/usr/sbin/sysctl", "-qw", "net.ipv4.tcp_migrate_req=0"])
                let off = ReusePortHandover.kernelMigration()
                try runToEnd(["/usr/sbin/sysctl", "-qw", "net.ipv4.tcp_migrate_req=1"])
                return (off, ReusePortHandover.kernelMigration())
            }
            #expect(off == .off)
            #expect(on == .on)
            #expect(sysctl("net/ipv4/tcp_migrate_req") == host, "the host's setting is unchanged")
        }
    }
}
