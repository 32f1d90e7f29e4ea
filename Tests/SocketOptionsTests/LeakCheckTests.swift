// SocketOptions tests: the leak check itself (descriptorsAdded in TestSupport.swift) sees what it
// must, a descriptor left open, even on a number that was freed meanwhile, and ignores only closes.

import Glibc
import Testing

extension KernelTests {
    @Suite("The leak check")
    struct LeakCheckTests {
        @Test("A socket left open is an added descriptor, also on a number that another descriptor had before")
        func leftOpenSocketIsAdded() throws {
            let earlier = TestSocketKind.tcp4.makeSocket()
            let before = openDescriptorTargets()
            let fresh = TestSocketKind.tcp4.makeSocket()
            #expect(descriptorsAdded(since: before).keys.sorted() == [fresh])
            close(fresh)
            #expect(descriptorsAdded(since: before).isEmpty)
            // Another socket put on `earlier`'s number (dup2 closes `earlier` first): numbers alone
            // show nothing new, and the leak still shows.
            let other = TestSocketKind.tcp4.makeSocket()
            let reused = dup2(other, earlier)
            close(other)
            defer { close(reused) }
            try #require(reused == earlier, "dup2 failed: errno \(errno)")
            #expect(!openDescriptors().subtracting(before.keys).contains(reused))
            #expect(descriptorsAdded(since: before).keys.sorted() == [reused])
        }
    }
}
