// SocketOptions tests: every option, across its whole value domain, through validation, apply on
// a real socket, readback and description. Each value is either refused before any system call
// with a typed error, or applied and read back as the kernel documents it (FACTS.md); never a trap.

import Glibc
import Testing

@testable import SocketOptions

/// What a value must read back as once the kernel took it.
enum Readback {
    /// Exactly as requested.
    case exact
    /// This value instead, as the kernel documents it.
    case value(SocketOption)
    /// A timeout rounded up to the kernel's clock tick: at least the request, less than a tick more.
    case roundedUp(Duration)
}

enum ValueDomain {
    static let largest = Duration(attoseconds: Int128.max)
    static let smallest = Duration(attoseconds: Int128.min)

    /// The integers to try for an int option whose kernel range is `range`: the extremes of Int,
    /// the small numbers, each bound and its neighbours, and the edges of a C int.
    static func ints(_ range: ClosedRange<Int>) -> [Int] {
        let int32Min = Int(Int32.min)
        let int32Max = Int(Int32.max)
        var values: Set<Int> = [Int.min, int32Min - 1, int32Min, -1, 0, 1, int32Max, int32Max + 1, Int.max]
        for bound in [range.lowerBound, range.upperBound] {
            values.formUnion([bound &- 1, bound, bound &+ 1])
        }
        return values.sorted()
    }

    /// The Durations to try for an option kept in whole `unit`s within `range`.
    static func durations(_ unit: DurationUnit, _ range: ClosedRange<Int64>) -> [Duration] {
        let one = unit.duration(1)
        var values = common
        for bound in [range.lowerBound, range.upperBound] {
            let at: Duration = unit.duration(bound)
            values += [at - one, at, at + one, at + .nanoseconds(1)]
        }
        let most: Duration = unit.duration(Int64.max)
        values += [one / 2, most, most + Duration(attoseconds: 1)]
        return values
    }

    /// Every kind of Duration: zero, the smallest steps either side of it, the common units, the
    /// edges of Int64 seconds and the largest and smallest Durations there are.
    static let common: [Duration] = [
        .zero, Duration(attoseconds: 1), Duration(attoseconds: -1), .nanoseconds(999), .microseconds(1),
        .microseconds(1) + Duration(attoseconds: 1),
        .milliseconds(4), .milliseconds(-1), .seconds(1), .seconds(-1), .milliseconds(1500),
        .seconds(10_000_000_000_000) + .milliseconds(500), .seconds(Int64.max), .seconds(Int64.max) + .nanoseconds(1),
        .seconds(Int64.min), .seconds(Int64.max) * 4, largest, smallest,
    ]

    /// Every value to try for `name`, as options (built the way option text builds them).
    static func values(for name: SocketOption.Name) -> [SocketOption] {
        let payloads: [OptionCodec.SwiftValue]
        switch name.row.codec {
        case .bool: payloads = [.bool(true), .bool(false)]
        case .int(let range, _): payloads = ints(range).map { .int($0) }
        case .unsigned32: payloads = [0, 1, Int(UInt32.max) - 1, Int(UInt32.max)].map { .int($0) }
        case .duration(let unit, let range, let offIsZero):
            payloads = (offIsZero ? [.duration(nil)] : []) + durations(unit, range).map { .duration($0) }
        case .timeout:
            let most = Duration.seconds(OptionCodec.maximumTimeoutSeconds)
            payloads =
                [.duration(nil)]
                + (common + [most, most + .microseconds(1), most + Duration(attoseconds: 1)]).map { .duration($0) }
        case .linger:
            payloads = [.duration(nil)] + durations(.seconds, 0...Int64(Int32.max)).map { .duration($0) }
        case .text(let interfaceName):
            let names = [
                "", "a", "lo", "reno", "cubic", "fifteen-bytes-x", "sixteen-bytes-xx", "re\u{0}no", "a b", "..", "é",
            ]
            payloads = (interfaceName ? [.text(nil)] : []) + names.map { .text($0) }
        case .ipv4Address:
            payloads = [
                .ipv4(.any), .ipv4(.loopback), .ipv4(IPv4Address(rawValue: UInt32.max)),
                .ipv4(IPv4Address(rawValue: 1)),
            ]
        case .optionalInt(let range, _):
            payloads = [.optionalInt(nil)] + ints(range).map { .optionalInt($0) }
        case .finWait2Timeout:
            payloads = [.duration(nil)] + durations(.seconds, 1...120).map { .duration($0) }
        case .pathMTUDiscovery:
            payloads = PathMTUDiscovery.allCases.map { .pathMTUDiscovery($0) }
        case .ipv4Membership:
            let group = try! IPv4Address("239.255.\(UInt8.random(in: 0...255)).\(UInt8.random(in: 1...254))")
            payloads = [
                IPv4MulticastMembership(group: group, interfaceIndex: loopbackIndex),
                IPv4MulticastMembership(group: group, interfaceAddress: .loopback),
                IPv4MulticastMembership(group: .loopback, interfaceIndex: loopbackIndex),
                IPv4MulticastMembership(group: group, interfaceIndex: -1),
                IPv4MulticastMembership(group: group, interfaceIndex: Int(Int32.max)),
                IPv4MulticastMembership(group: group, interfaceIndex: Int(Int32.max) + 1),
                IPv4MulticastMembership(group: group, interfaceIndex: Int.min),
            ].map { .ipv4Membership($0) }
        case .ipv4SourceMembership:
            let group = try! IPv4Address("232.1.\(UInt8.random(in: 0...255)).\(UInt8.random(in: 1...254))")
            payloads = [
                IPv4SourceMembership(group: group, source: .loopback, interfaceAddress: .loopback),
                IPv4SourceMembership(group: group, source: .any, interfaceAddress: .loopback),
                IPv4SourceMembership(group: group, source: group, interfaceAddress: .loopback),
                IPv4SourceMembership(group: .loopback, source: .loopback, interfaceAddress: .loopback),
            ].map { .ipv4SourceMembership($0) }
        case .ipv6Membership:
            let group = try! IPv6Address("ff12::\(String(UInt16.random(in: 1...0xFFFE), radix: 16))")
            payloads = [
                IPv6MulticastMembership(group: group, interfaceIndex: loopbackIndex),
                IPv6MulticastMembership(group: .loopback, interfaceIndex: loopbackIndex),
                IPv6MulticastMembership(group: group, interfaceIndex: -1),
                IPv6MulticastMembership(group: group, interfaceIndex: Int(Int32.max)),
                IPv6MulticastMembership(group: group, interfaceIndex: Int.max),
            ].map { .ipv6Membership($0) }
        case .filter:
            let ret = SocketFilter.Instruction.returning
            let jump = SocketFilter.Instruction(code: 0x15, jumpIfTrue: 1, jumpIfFalse: 0, k: 0)
            payloads = [
                [ret(0)], [ret(UInt32.max)], [jump, ret(0), ret(1)], [], [jump, ret(0)], [jump],
                Array(repeating: ret(1), count: SocketFilter.maximumInstructions),
                Array(repeating: ret(1), count: SocketFilter.maximumInstructions + 1),
            ].map { .filter(SocketFilter($0)) }
        case .action:
            payloads = [.action]
        case .socketType, .family, .pendingError, .protocolNumber, .unsigned64, .peerCredentials, .ipv4SocketAddress:
            // The codecs of read-only options: no settable option has one.
            Issue.record("\(name) has a read-only codec")
            payloads = []
        }
        return payloads.map { name.make($0) }
    }

    /// The index of the loopback interface, on which memberships are joined.
    static let loopbackIndex = Int(if_nametoindex("lo"))

    /// A socket of a kind that has the option.
    static func socket(for name: SocketOption.Name) -> CInt {
        // Raw sockets (the suite runs as root, which may make them) for the options only they have.
        for family in [AF_INET, AF_INET6] {
            let kind = SocketKind(family: family == AF_INET ? .ipv4 : .ipv6, type: .raw)
            if name.row.sockets.allows(kind)
                && !name.row.sockets.allows(SocketKind(family: kind.family, type: .datagram))
            {
                let fd = Glibc.socket(family, CInt(SOCK_RAW.rawValue), CInt(IPPROTO_UDP))
                precondition(fd >= 0, "a raw socket needs CAP_NET_RAW: errno \(errno)")
                return fd
            }
        }
        let kinds: [SocketKind] = [
            SocketKind(family: .ipv4, type: .stream), SocketKind(family: .ipv6, type: .stream),
            SocketKind(family: .ipv4, type: .datagram), SocketKind(family: .ipv6, type: .datagram),
            SocketKind(family: .unix, type: .stream),
        ]
        let kind = kinds.first { name.row.sockets.allows($0) }!
        let domain: CInt = kind.family == .ipv4 ? AF_INET : kind.family == .ipv6 ? AF_INET6 : AF_UNIX
        return rawSocket(domain, kind.type == .stream ? CInt(SOCK_STREAM.rawValue) : CInt(SOCK_DGRAM.rawValue))
    }

    /// Errors the kernel may give for a value validation took, because only the kernel knows:
    /// which interfaces, addresses and algorithms exist.
    static func kernelMayRefuse(_ option: SocketOption, _ errno: Errno) -> Bool {
        switch option.name {
        case .bindToDevice: errno == .noSuchDevice
        case .congestionControl: errno == .noSuchEntry
        case .ipv4MulticastInterface: errno == .addressNotAvailable
        case .ipv6MulticastInterface: errno == .noSuchDevice
        // An interface index that no interface has; a membership to leave that was never made.
        case .joinIPv4Group, .joinIPv6Group: errno == .noSuchDevice
        case .leaveIPv4Group, .leaveIPv6Group: errno == .addressNotAvailable
        case .leaveIPv4SourceGroup: errno == .invalidArgument
        case .detachFilter: errno == .noSuchEntry
        default: false
        }
    }

    /// What the kernel keeps of a value it took, as FACTS.md and the man pages document it.
    static func readback(_ option: SocketOption, on fd: CInt) -> Readback {
        let isStream = rawIntOption(fd, SOL_SOCKET, SO_TYPE) == CInt(SOCK_STREAM.rawValue)
        switch option {
        case .receiveBufferSize(let value):
            let kept = max(2304, 2 * min(value, sysctl("net/core/rmem_max") ?? 0))
            return .value(.receiveBufferSize(kept))
        case .sendBufferSize(let value):
            return .value(.sendBufferSize(max(4608, 2 * min(value, sysctl("net/core/wmem_max") ?? 0))))
        case .receiveTimeout(let time?), .sendTimeout(let time?):
            return .roundedUp(time)
        case .deferAccept(let time?):
            // Counted in SYN-ACK retransmissions (net/ipv4/tcp.c, secs_to_retrans): rounded up to
            // 1, 3, 7, 15, 31, 63, 127 s, then steps of 120 s (TCP_RTO_MAX).
            let seconds = time.components.seconds
            var period: Int64 = 1
            var timeout: Int64 = 1
            var retransmissions = 1
            while seconds > period && retransmissions < 255 {
                retransmissions += 1
                timeout = min(timeout * 2, 120)
                period += timeout
            }
            return .value(.deferAccept(.seconds(period)))
        case .bindToDevice(""):
            return .value(.bindToDevice(nil))
        case .fastOpen(let value):
            return .value(.fastOpen(min(value, sysctl("net/core/somaxconn") ?? 4096)))
        case .typeOfService(let value) where isStream:
            return .value(.typeOfService(value & ~3))
        case .ipv6TrafficClass(let value) where isStream:
            return .value(.ipv6TrafficClass(value & ~3))
        case .windowClamp(let value):
            return .value(.windowClamp(max(value, 1152)))
        // Twice the value, past rmem_max / wmem_max, at least the floor (socket(7)).
        case .receiveBufferSizeForced(let value):
            return .value(.receiveBufferSizeForced(max(2304, 2 * value)))
        case .sendBufferSizeForced(let value):
            return .value(.sendBufferSizeForced(max(4608, 2 * value)))
        // 0 (nil) reads back as the system's FIN_WAIT2 timeout (tcp(7), TCP_LINGER2).
        case .finWait2Timeout(nil):
            return .value(.finWait2Timeout(.seconds(Int64(sysctl("net/ipv4/tcp_fin_timeout") ?? -1))))
        case .receiveLowWatermark(let value) where isStream:
            // TCP caps the low watermark at half the receive buffer.
            let buffer = Int(rawIntOption(fd, SOL_SOCKET, SO_RCVBUF))
            return .value(.receiveLowWatermark(min(value, buffer / 2)))
        default:
            return .exact
        }
    }
}

extension KernelTests {
    @Suite("Every option across its value domain")
    struct ValueDomainTests {
        @Test(
            "Each value is refused before any call, or applied and read back as documented; never a trap",
            arguments: SocketOption.Name.allCases
        )
        func wholeDomain(name: SocketOption.Name) throws {
            for option in ValueDomain.values(for: name) {
                // Printing never traps, whatever the value.
                _ = option.description
                _ = JSON.value(option.entry.value)

                let (encoded, calls) = recording {
                    Result { () throws(SocketError) in try CheckedOption(option).value }
                }
                #expect(calls.isEmpty, "\(option): validation made system calls")
                if case .failure(let error) = encoded {
                    guard case .invalidValue(option, _) = error else {
                        Issue.record("\(option) was refused with \(error), not .invalidValue")
                        continue
                    }
                    _ = error.description
                    continue
                }

                let fd = ValueDomain.socket(for: name)
                defer { close(fd) }
                let applied: AppliedOption
                do {
                    applied = try OptionCalls.apply(option, on: fd)
                } catch {
                    if let errno = error.errno, ValueDomain.kernelMayRefuse(option, errno) { continue }
                    // EINVAL, said as a refused value: leaving a source membership this socket never made.
                    if case .invalidValue(.leaveIPv4SourceGroup, _) = error { continue }
                    Issue.record("the kernel refused \(option), which validation took: \(error)")
                    continue
                }
                _ = applied.description
                _ = applied.json
                // A set-only option has nothing to read: its effect is tested where it shows.
                guard name.canReadBack else {
                    #expect(!applied.isReadBack && applied.effective == option)
                    continue
                }
                #expect(try OptionCalls.read(name, from: fd) == applied.effective, "\(option): read again")
                switch ValueDomain.readback(option, on: fd) {
                case .exact:
                    #expect(applied.effective == option, "\(option) was kept as \(applied.effective)")
                case .value(let expected):
                    #expect(applied.effective == expected, "\(option) was kept as \(applied.effective)")
                case .roundedUp(let time):
                    guard case .duration(let kept?) = applied.effective.entry.value else {
                        Issue.record("\(option) was kept as \(applied.effective)")
                        continue
                    }
                    // One tick is 1...10 ms (HZ 1000...100).
                    #expect(kept >= time && kept - time < .milliseconds(10), "\(option) was kept as \(kept)")
                }
            }
        }

        @Test(
            "Option text for every option at every value of its domain parses or is a typed error",
            arguments: SocketOption.Name.allCases
        )
        func wholeDomainAsText(name: SocketOption.Name) {
            var texts = ValueDomain.values(for: name).map { "\(name)=\($0.valueDescription.replacing(" ", with: ""))" }
            texts += ValueDomain.ints(-1...1).map { "\(name)=\($0)" }
            texts += ["\(name)=", "\(name)=off", "\(name)=99999999999999999999", "\(name)=-0", "\(name)=1e3"]
            for text in texts {
                do {
                    _ = try SocketOption(parsing: text).description
                } catch {
                    switch error {
                    case .invalidOptionText, .invalidValue: _ = error.description
                    default: Issue.record("\(text): \(error)")
                    }
                }
            }
        }
    }
}
