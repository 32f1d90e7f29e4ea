// SocketOptions tests: classic BPF socket filters (SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_GET_FILTER).
//
// A filter's effect is the proof: a program that returns 0 drops every datagram, one that returns
// 0xFFFF keeps it whole. The program the kernel keeps is read back with SO_GET_FILTER, whose length
// counts instructions, not bytes (net/core/filter.c, sk_get_filter).

import Glibc
import Testing

@testable import SocketOptions

/// `ret #k`: BPF_RET | BPF_K (0x06), keep k bytes.
private func returns(_ k: UInt32) -> SocketFilter.Instruction {
    SocketFilter.Instruction(code: 0x06, jumpIfTrue: 0, jumpIfFalse: 0, k: k)
}

extension KernelTests {
    @Suite("Socket filters")
    struct SocketFilterTests {
        @Test("A filter that returns 0 drops every datagram; detached, datagrams arrive again")
        func filterDropsThenDetachLetsThrough() throws {
            let receiver = try DatagramSocket(address: anyLoopbackPort)
            let sender = try DatagramSocket(address: anyLoopbackPort)
            let dropAll = SocketFilter([returns(0)])
            let applied = try receiver.setOption(.attachFilter(dropAll))
            #expect(applied.effective == .attachFilter(dropAll), "SO_GET_FILTER reads the program back")
            try sender.send(Array("dropped".utf8), to: receiver.localAddress)
            #expect(try receiver.receive(timeout: .milliseconds(300)) == nil)

            let detached = try receiver.setOption(.detachFilter)
            #expect(!detached.isReadBack)
            #expect(
                try receiver.option(.attachFilter)
                    == .attachFilter(SocketFilter([])),
                "no program left"
            )
            try sender.send(Array("kept".utf8), to: receiver.localAddress)
            #expect(try receiver.receive(timeout: .seconds(2))?.bytes == Array("kept".utf8))
            try receiver.close()
            try sender.close()
        }

        @Test("A program of several instructions reads back instruction for instruction")
        func programReadsBack() throws {
            let fd = TestSocketKind.udp4.makeSocket()
            defer { close(fd) }
            // ldh [12]; jeq #0x800, keep, drop; keep: ret #0xFFFF; drop: ret #0
            let program = SocketFilter([
                SocketFilter.Instruction(code: 0x28, jumpIfTrue: 0, jumpIfFalse: 0, k: 12),
                SocketFilter.Instruction(code: 0x15, jumpIfTrue: 0, jumpIfFalse: 1, k: 0x800),
                returns(0xFFFF), returns(0),
            ])
            #expect(
                try BorrowedSocket(borrowing: fd).setOption(.attachFilter(program)).effective == .attachFilter(program)
            )
        }

        @Test("Detaching when no filter is attached is the kernel's ENOENT")
        func detachWithoutFilterIsNoSuchEntry() throws {
            let fd = TestSocketKind.tcp4.makeSocket()
            defer { close(fd) }
            #expect(throws: SocketError.system(.setOption(.detachFilter), .noSuchEntry)) {
                try BorrowedSocket(borrowing: fd).setOption(.detachFilter)
            }
        }

        @Test(
            "Programs the kernel would refuse are refused first: empty, too long, no return at the end, a jump out",
            arguments: [
                [],
                Array(repeating: returns(0), count: 4097),
                [SocketFilter.Instruction(code: 0x28, jumpIfTrue: 0, jumpIfFalse: 0, k: 12)],
                [SocketFilter.Instruction(code: 0x15, jumpIfTrue: 5, jumpIfFalse: 0, k: 1), returns(0)],
            ]
        )
        func invalidProgramsAreRefused(instructions: [SocketFilter.Instruction]) throws {
            let fd = TestSocketKind.udp4.makeSocket()
            defer { close(fd) }
            let (_, calls) = recording {
                #expect(throws: SocketError.self) {
                    try BorrowedSocket(borrowing: fd).setOption(.attachFilter(SocketFilter(instructions)))
                }
            }
            #expect(!calls.contains { $0.kind == .setsockopt })
        }

        @Test("The longest program, 4096 instructions (BPF_MAXINSNS), is taken and read back")
        func longestProgram() throws {
            let fd = TestSocketKind.udp4.makeSocket()
            defer { close(fd) }
            let program = SocketFilter(Array(repeating: returns(1), count: 4096))
            #expect(
                try BorrowedSocket(borrowing: fd).setOption(.attachFilter(program)).effective == .attachFilter(program)
            )
        }

        @Test("An opcode the kernel does not know passes the package's checks and is the kernel's EINVAL")
        func unknownOpcodeIsKernelInvalid() throws {
            let fd = TestSocketKind.udp4.makeSocket()
            defer { close(fd) }
            let program = SocketFilter([
                SocketFilter.Instruction(code: 0xFFFF, jumpIfTrue: 0, jumpIfFalse: 0, k: 0), returns(0),
            ])
            #expect {
                try BorrowedSocket(borrowing: fd).setOption(.attachFilter(program))
            } throws: { error in
                guard case .invalidValue(.attachFilter(program), let reason) = error as? SocketError else {
                    return false
                }
                return reason.contains("EINVAL") && reason.contains("checks the program")
            }
        }
    }
}
