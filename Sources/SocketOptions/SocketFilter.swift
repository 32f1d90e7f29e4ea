// SocketOptions: a classic BPF program that filters what a socket receives.

/// A classic BPF program that the kernel runs on every packet the socket would receive: the
/// value of ``SocketOption/attachFilter(_:)``. The program returns how many bytes of the packet to
/// keep; 0 drops it. The corresponding C types are `struct sock_fprog` and `struct sock_filter`.
///
/// The package checks what it can before any system call: 1...4096 instructions (`BPF_MAXINSNS`),
/// a return (`BPF_RET`) as the last one, jumps that land inside the program, and no division or
/// remainder by a constant zero. The kernel checks the rest (unknown opcodes, scratch memory read
/// before written) and refuses with `EINVAL`. Read back, the kernel returns the program as it was given
/// (`SO_GET_FILTER`); a socket with no filter reads back an empty program.
public struct SocketFilter: Hashable, Sendable, CustomStringConvertible {
    /// One instruction, laid out as `struct sock_filter`: 8 bytes.
    public struct Instruction: Hashable, Sendable {
        /// The operation: class, size, mode and source bits, such as 0x06 (`BPF_RET | BPF_K`).
        public var code: UInt16
        /// How many instructions a conditional jump skips when its test holds.
        public var jumpIfTrue: UInt8
        /// How many instructions a conditional jump skips when its test fails.
        public var jumpIfFalse: UInt8
        /// The constant operand (`k`).
        public var k: UInt32

        /// An instruction from its four fields, as `BPF_STMT` and `BPF_JUMP` write them in C.
        public init(code: UInt16, jumpIfTrue: UInt8, jumpIfFalse: UInt8, k: UInt32) {
            self.code = code
            self.jumpIfTrue = jumpIfTrue
            self.jumpIfFalse = jumpIfFalse
            self.k = k
        }

        /// `ret #k`: keep `k` bytes of the packet, 0 to drop it.
        public static func returning(_ k: UInt32) -> Instruction {
            Instruction(code: 0x06, jumpIfTrue: 0, jumpIfFalse: 0, k: k)
        }
    }

    /// The instructions, run from the first.
    public var instructions: [Instruction]

    /// A program of these instructions.
    public init(_ instructions: [Instruction]) { self.instructions = instructions }

    /// The most instructions a classic program may have (`BPF_MAXINSNS`).
    public static let maximumInstructions = 4096

    /// `"3 instructions"`.
    public var description: String {
        instructions.count == 1 ? "1 instruction" : "\(instructions.count) instructions"
    }

    /// Why the kernel could not take it, or nil.
    var problem: String? {
        guard (1...Self.maximumInstructions).contains(instructions.count) else {
            return "a filter has 1...\(Self.maximumInstructions) instructions (BPF_MAXINSNS), not \(instructions.count)"
        }
        // BPF_CLASS(code) == BPF_RET (0x06): the kernel requires the program to end in a return.
        if instructions[instructions.count - 1].code & 0x07 != 0x06 {
            return "the last instruction must return (BPF_RET), or the program could run off its end"
        }
        for (index, instruction) in instructions.enumerated() {
            let left = instructions.count - index - 1
            switch instruction.code & 0x07 {
            case 0x05 where instruction.code & 0xF0 == 0x00:  // BPF_JMP | BPF_JA: k is the distance
                if Int(instruction.k) >= left {
                    return "instruction \(index) jumps \(instruction.k) ahead, past the end of the program"
                }
            case 0x05:  // a conditional jump
                if Int(instruction.jumpIfTrue) >= left || Int(instruction.jumpIfFalse) >= left {
                    return "instruction \(index) jumps past the end of the program"
                }
            // BPF_ALU | BPF_DIV | BPF_K and BPF_ALU | BPF_MOD | BPF_K: bpf_check_classic refuses k = 0.
            case 0x04 where (instruction.code == 0x34 || instruction.code == 0x94) && instruction.k == 0:
                return "instruction \(index) divides by the constant 0 (BPF_DIV or BPF_MOD with k = 0)"
            default:
                continue
            }
        }
        return nil
    }
}
