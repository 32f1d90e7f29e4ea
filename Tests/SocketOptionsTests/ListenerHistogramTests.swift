// SocketOptions tests: the histogram of connections per listener, its fairness figure and its text;
// the CPU mode's program as linux/filter.h spells it. No descriptor is opened here.

import Testing

@testable import SocketOptions

@Suite struct ListenerHistogramTests {
    @Test("Fairness is the busiest count over the quietest: 6 and 3 give 2.00")
    func fairnessIsMaxOverMin() throws {
        let histogram = try ListenerHistogram(counts: [3, 6, 4])
        #expect(histogram.total == 13)
        #expect(histogram.busiest == 6)
        #expect(histogram.quietest == 3)
        #expect(histogram.fairness == 2.0)
        #expect(histogram.idleListeners.isEmpty)
        let lines = histogram.description.split(separator: "\n")
        #expect(lines.count == 4)
        // 3 of the busiest 6: half the 40 columns; 3 of 13 is 23.1%.
        #expect(
            lines[0] == "listener 0  3  " + String(repeating: "#", count: 20) + String(repeating: ".", count: 20)
                + "  23.1%"
        )
        #expect(lines[1] == "listener 1  6  ########################################  46.2%")
        #expect(lines[3] == "13 connections over 3 listeners; fairness (max/min) 2.00")
    }

    @Test("A listener with no connection leaves the ratio without a value, and the text names it")
    func idleListenerHasNoFairness() throws {
        var histogram = try ListenerHistogram(listeners: 3)
        try histogram.record(listener: 0)
        try histogram.record(listener: 2)
        try histogram.record(listener: 2)
        #expect(histogram.counts == [1, 0, 2])
        #expect(histogram.fairness == nil)
        #expect(histogram.idleListeners == [1])
        #expect(
            histogram.description.hasSuffix(
                "3 connections over 3 listeners; fairness (max/min) has no value: listener 1 took none"
            )
        )
        let two = try ListenerHistogram(counts: [0, 5, 0])
        #expect(two.description.hasSuffix("listeners 0 and 2 took none"))
        let empty = try ListenerHistogram(listeners: 2)
        #expect(empty.fairness == nil)
        #expect(empty.description.hasSuffix("no connections over 2 listeners"))
    }

    @Test(
        "Counts from 1 to 65,535 listeners are taken; 0, negative and larger counts are refused",
        arguments: [0, -1, Int.min, 65536, Int.max]
    )
    func listenerCountOutOfRangeIsRefused(count: Int) {
        #expect(throws: SocketError.self) { try ListenerHistogram(listeners: count) }
    }

    @Test(
        "A listener outside the histogram is refused and the histogram stays as it was",
        arguments: [-1, 2, Int.min, Int.max]
    )
    func recordingAnUnknownListenerIsRefused(index: Int) throws {
        var histogram = try ListenerHistogram(counts: [1, 1])
        #expect {
            try histogram.record(listener: index)
        } throws: { error in
            guard case .invalidArgument(let text) = error as? SocketError else { return false }
            return text.contains("\(index)") && text.contains("0...1")
        }
        #expect(histogram.counts == [1, 1])
        #expect(histogram.total == 2)
    }

    @Test("Counts that are negative or add up past Int.max are refused; Int.max itself prints without trapping")
    func extremeCounts() throws {
        #expect(throws: SocketError.self) { try ListenerHistogram(counts: [1, -1]) }
        #expect(throws: SocketError.self) { try ListenerHistogram(counts: [Int.max, 1]) }
        #expect(throws: SocketError.self) { try ListenerHistogram(counts: []) }
        var huge = try ListenerHistogram(counts: [Int.max - 1, 1])
        #expect(huge.fairness == Double(Int.max - 1))
        #expect(huge.description.contains("fairness (max/min)"))
        #expect(throws: SocketError.self) { try huge.record(listener: 0) }
        #expect(huge.counts == [Int.max - 1, 1])
    }

    @Test("The CPU mode's program is ld [SKF_AD_OFF + SKF_AD_CPU]; mod #N; ret a, in linux/filter.h's numbers")
    func cpuProgramMatchesTheCHeaders() {
        // BPF_LD 0x00 | BPF_W 0x00 | BPF_ABS 0x20; SKF_AD_OFF -0x1000 + SKF_AD_CPU 36.
        // BPF_ALU 0x04 | BPF_MOD 0x90 | BPF_K 0x00. BPF_RET 0x06 | BPF_A 0x10.
        let program = SocketFilter.reusePortSteeringByCPU(listeners: 4)
        #expect(
            program.instructions == [
                .init(code: 0x20, jumpIfTrue: 0, jumpIfFalse: 0, k: 0xFFFF_F024),
                .init(code: 0x94, jumpIfTrue: 0, jumpIfFalse: 0, k: 4),
                .init(code: 0x16, jumpIfTrue: 0, jumpIfFalse: 0, k: 0),
            ]
        )
        #expect(program.problem == nil)
        #expect(SocketFilter.reusePortSteeringByCPU(listeners: 0).problem?.contains("constant 0") == true)
        // BPF_ALU | BPF_DIV | BPF_K (0x34) by 0 too.
        #expect(SocketFilter([.init(code: 0x34, jumpIfTrue: 0, jumpIfFalse: 0, k: 0), .returning(1)]).problem != nil)
    }

    @Test("The two ways of balancing say what they are")
    func balancingDescriptions() {
        #expect(ReusePortBalancing.kernelHash.description == "the kernel's hash")
        #expect(ReusePortBalancing.kernelHash.listeners == nil)
        #expect(ReusePortBalancing.byCPU(listeners: 4).description == "by CPU over 4 listeners (CPU mod 4)")
        #expect(ReusePortBalancing.byCPU(listeners: 1).listeners == 1)
        #expect(ReusePortBalancing.byCPU(listeners: 2) != .byCPU(listeners: 3))
    }
}
