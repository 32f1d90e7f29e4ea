// SocketOptions tests: the compact plan of a setup (SocketSetup.compactPlan) takes a setup exactly
// when the general check takes it with options that are all one C int as they stand, and plans the
// same C ints in the same order; anything else is left to the general path, which says what is
// wrong. No socket is opened: both are checks made before any call.

import Testing

@testable import SocketOptions

@Suite("The compact plan of a setup agrees with the general check")
struct CompactPlanTests {
    /// Options of every shape the plan must tell apart: flags; numbers in range, at the edges of
    /// their rows' ranges and out of them; values the codec encodes (durations, text, linger); an
    /// option bind can change (ipv6Only); options of one protocol only (TCP, UDP, IPv4, IPv6).
    static let candidates: [SocketOption] = [
        .reuseAddress(true), .reuseAddress(false), .reusePort(true), .keepAlive(true), .noDelay(true),
        .noDelay(false), .broadcast(true),
        .receiveBufferSize(65536), .receiveBufferSize(0), .receiveBufferSize(-1), .receiveBufferSize(Int.max),
        .sendBufferSize(4096), .sendBufferSize(Int.min),
        .timeToLive(1), .timeToLive(255), .timeToLive(0), .timeToLive(256),
        .keepAliveCount(9), .userTimeout(.seconds(3)), .receiveTimeout(.seconds(1)), .receiveTimeout(nil),
        .linger(.seconds(2)), .congestionControl("cubic"), .bindToDevice("lo"),
        .ipv6Only(true), .ipv6Only(false), .udpReceiveOffload(true), .ipv4MulticastLoop(false),
        .ipv6UnicastHops(64),
    ]

    static let kinds: [SocketKind] = [
        SocketKind(family: .ipv4, type: .stream), SocketKind(family: .ipv6, type: .stream),
        SocketKind(family: .ipv4, type: .datagram), SocketKind(family: .ipv6, type: .datagram),
        SocketKind(family: .unix, type: .stream), SocketKind(family: .unix, type: .datagram),
    ]

    /// What the general path makes of a setup: the checked options in order, or nil when it
    /// refuses one (a check, or a name given twice).
    static func generalCheck(
        _ given: [SocketOption],
        _ defaults: [SocketOption],
        dualStack: Bool,
        kind: SocketKind
    ) -> [(option: SocketOption, checked: CheckedOption)]? {
        var checked: [(option: SocketOption, checked: CheckedOption)] = []
        func take(
            _ option: borrowing SocketOption,
            _ name: SocketOption.Name,
            _: SocketSetup.Origin
        ) throws(SocketError) {
            let one = try SocketSetup.check(option, for: kind)
            if checked.contains(where: { $0.checked.name == name }) {
                throw .optionGivenTwice(name, first: copy option, second: copy option)
            }
            checked.append((copy option, one))
        }
        do throws(SocketError) {
            try SocketSetup.forEachOption(given, over: defaults, dualStack: dualStack, take)
        } catch {
            return nil
        }
        return checked
    }

    /// The C int of an option whose value is one C int as it stands, as the plan's documentation
    /// says: a flag's 0 or 1 where the row reads a flag, or the number itself where the row reads a
    /// plain int, as the general check encoded it.
    static func verbatimInt(_ option: SocketOption, _ checked: CheckedOption) -> CInt? {
        guard case .int(let raw) = checked.value else { return nil }
        switch (checked.row.pointee.reading, option.entry.value) {
        case (.bool, .bool(let on)): return raw == (on ? 1 : 0) ? raw : nil
        case (.plainInt, .int(let number)): return Int(raw) == number ? raw : nil
        default: return nil
        }
    }

    @Test("For 4,000 setups drawn from flags, numbers in and out of range, encoded values and repeats")
    func planAgreesWithGeneralCheck() {
        var random = SplitMix64(seed: 0x5EED_C0DE)
        var planned = 0
        var refusedByPlan = 0
        for _ in 0..<4000 {
            let count = Int(random.next() % 6)
            let given = (0..<count).map { _ in Self.candidates[Int(random.next() % UInt64(Self.candidates.count))] }
            let defaults = random.next() % 2 == 0 ? ListeningSocket.defaultOptions : []
            let dualStack = random.next() % 2 == 0
            let kind = Self.kinds[Int(random.next() % UInt64(Self.kinds.count))]

            let compact = Self.plan(given, over: defaults, dualStack: dualStack, kind: kind)
            let plan = compact?.options
            let general = Self.generalCheck(given, defaults, dualStack: dualStack, kind: kind)
            // What the plan must take: the general check takes the setup, every option is one C int
            // as it stands, read back under its own name, that bind cannot change; at most four.
            let expected: [(entry: SocketRecord.KeptInts.Entry, location: SocketOption.CIntLocation)]? =
                general.flatMap { checked in
                    guard checked.count <= SocketRecord.KeptInts.capacity else { return nil }
                    var entries: [(entry: SocketRecord.KeptInts.Entry, location: SocketOption.CIntLocation)] = []
                    for (option, one) in checked {
                        guard let location = one.row.pointee.cIntLocation, !one.row.pointee.bindCanChange,
                            let raw = Self.verbatimInt(option, one)
                        else { return nil }
                        entries.append((SocketRecord.KeptInts.Entry(name: one.name, requested: raw, kept: 0), location))
                    }
                    return entries
                }
            let setup = "given \(given), defaults \(defaults), dual stack \(dualStack), \(kind)"
            guard let expected else {
                #expect(plan == nil, "\(setup)")
                if plan == nil { refusedByPlan += 1 }
                continue
            }
            guard let compact, let plan else {
                Issue.record("the plan refused a compact setup: \(setup)")
                continue
            }
            planned += 1
            #expect(plan.count == expected.count, "\(setup)")
            for index in 0..<min(plan.count, expected.count) {
                #expect(plan[index].name == expected[index].entry.name, "\(setup)")
                #expect(plan[index].requested == expected[index].entry.requested, "\(setup)")
                // Where setsockopt and getsockopt will find the C int: the row's location.
                let (planned, wanted) = (compact.location(index), expected[index].location)
                #expect(
                    planned.level == wanted.level && planned.name == wanted.name && planned.isFlag == wanted.isFlag,
                    "\(setup)"
                )
            }
        }
        // Both outcomes are drawn often, so that neither side of the comparison is vacuous.
        #expect(planned > 400 && refusedByPlan > 400, "planned \(planned), refused \(refusedByPlan)")
    }

    @Test("A listener's commonest setups are planned compactly: the defaults, and one or two numbers or flags")
    func commonSetupsArePlanned() throws {
        let tcp = SocketKind(family: .ipv4, type: .stream)
        let defaults = ListeningSocket.defaultOptions
        let plan = try #require(
            Self.plan(
                [.reuseAddress(true), .receiveBufferSize(65536)],
                over: defaults,
                dualStack: false,
                kind: tcp
            )?.options
        )
        // The given reuseAddress replaces the default of that name: two options, in the given order.
        #expect(plan.count == 2)
        #expect(plan[0].name == .reuseAddress && plan[0].requested == 1)
        #expect(plan[1].name == .receiveBufferSize && plan[1].requested == 65536)
        // A name given twice, a value out of range, or a dual-stack address (ipv6Only, which bind
        // can change) is left to the general path.
        #expect(
            Self.plan([.noDelay(true), .noDelay(false)], over: [], dualStack: false, kind: tcp) == nil
        )
        #expect(Self.plan([.timeToLive(256)], over: [], dualStack: false, kind: tcp) == nil)
        let ipv6 = SocketKind(family: .ipv6, type: .stream)
        #expect(Self.plan([], over: defaults, dualStack: true, kind: ipv6) == nil)
        // A kind no setup makes (a raw socket) has no compact plan, whatever its options.
        #expect(
            Self.plan([.reuseAddress(true)], over: [], dualStack: false, kind: .init(family: .ipv4, type: .raw)) == nil
        )
    }

    /// The plan of a setup, or nil when it is not compact.
    static func plan(
        _ given: [SocketOption],
        over defaults: [SocketOption],
        dualStack: Bool,
        kind: SocketKind
    ) -> SocketSetup.CompactPlan? {
        var plan = SocketSetup.CompactPlan()
        return SocketSetup.compactPlan(given, over: defaults, dualStack: dualStack, kind: kind, into: &plan)
            ? plan : nil
    }
}
