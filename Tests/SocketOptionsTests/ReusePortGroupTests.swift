// SocketOptions tests: the model of a SO_REUSEPORT group's indices, by the kernel's two rules
// (net/core/sock_reuseport.c): a socket that starts listening takes the slot at the end
// (reuseport_add_sock); a socket that leaves gives its slot to the last one (reuseport_detach_sock).
// ReusePortSteeringTests checks the same sequences against where the kernel sends connections.

import Testing

@testable import SocketOptions

@Suite struct ReusePortGroupTests {
    @Test("Members take indices in the order they join")
    func joinOrderIsIndexOrder() throws {
        var group = ReusePortGroup<String>()
        #expect(try group.join("c") == 0)
        #expect(try group.join("a") == 1)
        #expect(try group.join("b") == 2)
        #expect(group.members == ["c", "a", "b"])
        #expect(group.index(of: "b") == 2)
        #expect(group.index(of: "z") == nil)
    }

    @Test("A member that leaves gives its slot to the last member, and no other member moves")
    func lastMemberMovesIntoTheLeaversSlot() throws {
        var group = ReusePortGroup<String>()
        for name in ["a", "b", "c", "d"] { try group.join(name) }
        let moved = try group.leave("b")
        #expect(moved?.member == "d" && moved?.index == 1)
        #expect(group.members == ["a", "d", "c"])
        // The first slot: the last moves to 0; the middle one stays.
        let movedAgain = try group.leave("a")
        #expect(movedAgain?.member == "c" && movedAgain?.index == 0)
        #expect(group.members == ["c", "d"])
    }

    @Test("When the last member leaves, nothing moves")
    func lastMemberLeavingMovesNothing() throws {
        var group = ReusePortGroup<Int>()
        for member in 10...12 { try group.join(member) }
        #expect(try group.leave(12) == nil)
        #expect(group.members == [10, 11])
    }

    @Test("A member that joins after others left takes the slot after the last")
    func joinAfterLeaveAppends() throws {
        var group = ReusePortGroup<String>()
        for name in ["a", "b", "c"] { try group.join(name) }
        try group.leave("a")
        #expect(try group.join("d") == 2)
        #expect(group.members == ["c", "b", "d"])
        #expect(group.description == "[0: c, 1: b, 2: d]")
    }

    @Test("Joining twice or leaving a stranger is refused with .invalidArgument, and the group is unchanged")
    func badJoinAndLeaveAreRefused() throws {
        var group = ReusePortGroup<String>()
        try group.join("a")
        #expect(throws: SocketError.self) { try group.join("a") }
        #expect(throws: SocketError.self) { try group.leave("b") }
        #expect(group.members == ["a"])
        do {
            try group.leave("b")
        } catch {
            guard case .invalidArgument(let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(reason.contains("not a member"))
        }
    }
}
