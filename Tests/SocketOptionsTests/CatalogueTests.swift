// SocketOptions tests: the whole catalogue, table-driven, on IPv4 and IPv6 TCP and UDP sockets.
//
// For every option: read the default on a new socket, set a value different from it, read it
// back and compare with the effective value written here. The expected values come from the
// kernel's documentation and behaviour (socket(7), tcp(7), ip(7), ipv6(7), ../shared/FACTS.md);
// defaults that a sysctl decides are read from that sysctl. A setter that does nothing fails,
// because each value set differs from the default.

import Glibc
import Testing

@testable import SocketOptions

/// The kinds of socket the catalogue is tested on.
enum TestSocketKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case tcp4, tcp6, udp4, udp6

    var kind: SocketKind {
        switch self {
        case .tcp4: SocketKind(family: .ipv4, type: .stream)
        case .tcp6: SocketKind(family: .ipv6, type: .stream)
        case .udp4: SocketKind(family: .ipv4, type: .datagram)
        case .udp6: SocketKind(family: .ipv6, type: .datagram)
        }
    }

    func makeSocket() -> CInt {
        let family = (self == .tcp4 || self == .udp4) ? AF_INET : AF_INET6
        let type = (self == .tcp4 || self == .tcp6) ? SOCK_STREAM : SOCK_DGRAM
        return rawSocket(family, CInt(type.rawValue))
    }

    var isTCP: Bool { self == .tcp4 || self == .tcp6 }
    var testDescription: String { rawValue }
}

/// One row of the catalogue table.
struct CatalogueCase: Sendable, CustomTestStringConvertible {
    /// The value to set; it differs from every default below.
    let option: SocketOption
    /// The kinds of socket that have the option; every other kind must refuse it.
    let kinds: [TestSocketKind]
    /// What a new socket of each kind reads back before anything is set.
    let defaultValue: @Sendable (TestSocketKind) -> SocketOption
    /// What the kernel keeps of `set` on each kind.
    let effective: @Sendable (TestSocketKind) -> SocketOption

    init(
        _ option: SocketOption,
        on kinds: [TestSocketKind] = TestSocketKind.allCases,
        default defaultValue: @escaping @Sendable (TestSocketKind) -> SocketOption,
        kept effective: (@Sendable (TestSocketKind) -> SocketOption)? = nil
    ) {
        self.option = option
        self.kinds = kinds
        self.defaultValue = defaultValue
        self.effective = effective ?? { _ in option }
    }

    init(_ option: SocketOption, on kinds: [TestSocketKind] = TestSocketKind.allCases, default value: SocketOption) {
        self.init(option, on: kinds, default: { _ in value })
    }

    var testDescription: String { option.description }
}

private let tcp: [TestSocketKind] = [.tcp4, .tcp6]
private let udp: [TestSocketKind] = [.udp4, .udp6]
private let ipv6: [TestSocketKind] = [.tcp6, .udp6]

private func sysctlValue(_ name: String, field: Int = 0) -> Int {
    let text = readText("/proc/sys/" + name) ?? ""
    let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
    return fields.count > field ? Int(fields[field]) ?? -1 : -1
}

private func sysctlText(_ name: String) -> String {
    (readText("/proc/sys/" + name) ?? "").trimmingCharacters(in: " \n")
}

/// An algorithm other than the default, both built into every kernel that has TCP_CONGESTION.
private let otherCongestionControl = sysctlText("net/ipv4/tcp_congestion_control") == "reno" ? "cubic" : "reno"
private let loopbackIndex = Int((readText("/sys/class/net/lo/ifindex") ?? "1").trimmingCharacters(in: "\n")) ?? 1

let catalogue: [CatalogueCase] = [
    CatalogueCase(.reuseAddress(true), default: .reuseAddress(false)),
    CatalogueCase(.reusePort(true), default: .reusePort(false)),
    CatalogueCase(.keepAlive(true), default: .keepAlive(false)),
    CatalogueCase(.broadcast(true), default: .broadcast(false)),
    CatalogueCase(.outOfBandInline(true), default: .outOfBandInline(false)),
    // Defaults: tcp_rmem / tcp_wmem's middle value for TCP, rmem_default / wmem_default for UDP.
    CatalogueCase(
        .receiveBufferSize(65536),
        default: {
            .receiveBufferSize(
                $0.isTCP ? sysctlValue("net/ipv4/tcp_rmem", field: 1) : sysctlValue("net/core/rmem_default")
            )
        },
        kept: { _ in .receiveBufferSize(131_072) }
    ),
    CatalogueCase(
        .sendBufferSize(65536),
        default: {
            .sendBufferSize(
                $0.isTCP ? sysctlValue("net/ipv4/tcp_wmem", field: 1) : sysctlValue("net/core/wmem_default")
            )
        },
        kept: { _ in .sendBufferSize(131_072) }
    ),
    CatalogueCase(.receiveLowWatermark(100), default: .receiveLowWatermark(1)),
    CatalogueCase(.linger(.seconds(5)), default: .linger(nil)),
    // Two seconds is a whole number of ticks at every HZ Linux offers.
    CatalogueCase(.receiveTimeout(.seconds(2)), default: .receiveTimeout(nil)),
    CatalogueCase(.sendTimeout(.seconds(2)), default: .sendTimeout(nil)),
    CatalogueCase(.timestamps(true), default: .timestamps(false)),
    CatalogueCase(.bindToDevice("lo"), default: .bindToDevice(nil)),
    CatalogueCase(.mark(7), default: .mark(0)),
    CatalogueCase(.priority(5), default: .priority(0)),
    CatalogueCase(.busyPoll(.microseconds(50)), default: .busyPoll(nil)),
    // -1: no CPU recorded yet.
    CatalogueCase(.incomingCPU(0), default: .incomingCPU(-1)),
    CatalogueCase(.zeroCopy(true), default: .zeroCopy(false)),
    CatalogueCase(.noDelay(true), on: tcp, default: .noDelay(false)),
    // 536 is TCP_MSS_DEFAULT, what an unconnected socket reports.
    CatalogueCase(.maxSegment(1000), on: tcp, default: .maxSegment(536)),
    CatalogueCase(
        .keepAliveIdle(.seconds(60)),
        on: tcp,
        default: { _ in .keepAliveIdle(.seconds(Int64(sysctlValue("net/ipv4/tcp_keepalive_time")))) }
    ),
    CatalogueCase(
        .keepAliveInterval(.seconds(10)),
        on: tcp,
        default: { _ in .keepAliveInterval(.seconds(Int64(sysctlValue("net/ipv4/tcp_keepalive_intvl")))) }
    ),
    CatalogueCase(
        .keepAliveCount(5),
        on: tcp,
        default: { _ in .keepAliveCount(sysctlValue("net/ipv4/tcp_keepalive_probes")) }
    ),
    // 0 until set: the socket follows net.ipv4.tcp_notsent_lowat.
    CatalogueCase(.notSentLowWatermark(16384), on: tcp, default: .notSentLowWatermark(0)),
    CatalogueCase(.cork(true), on: tcp, default: .cork(false)),
    CatalogueCase(.userTimeout(.seconds(30)), on: tcp, default: .userTimeout(nil)),
    // The Fast Open queue is capped at somaxconn.
    CatalogueCase(
        .fastOpen(100_000),
        on: tcp,
        default: { _ in .fastOpen(0) },
        kept: { _ in .fastOpen(sysctlValue("net/core/somaxconn")) }
    ),
    // Rounded up to the retransmission schedule: 1, 3, 7, 15, 31, 63, ...
    CatalogueCase(
        .deferAccept(.seconds(60)),
        on: tcp,
        default: { _ in .deferAccept(nil) },
        kept: { _ in .deferAccept(.seconds(63)) }
    ),
    CatalogueCase(.quickAck(false), on: tcp, default: .quickAck(true)),
    CatalogueCase(
        .congestionControl(otherCongestionControl),
        on: tcp,
        default: { _ in .congestionControl(sysctlText("net/ipv4/tcp_congestion_control")) }
    ),
    // Raised to SOCK_MIN_RCVBUF / 2.
    CatalogueCase(
        .windowClamp(100),
        on: tcp,
        default: { _ in .windowClamp(0) },
        kept: { _ in .windowClamp(1152) }
    ),
    // IPv4-level options also govern the IPv4-mapped traffic of IPv6 sockets.
    CatalogueCase(.timeToLive(33), default: { _ in .timeToLive(sysctlValue("net/ipv4/ip_default_ttl")) }),
    // TCP keeps the two ECN bits to itself: 0x11 becomes 0x10.
    CatalogueCase(
        .typeOfService(0x11),
        default: { _ in .typeOfService(0) },
        kept: { $0.isTCP ? .typeOfService(0x10) : .typeOfService(0x11) }
    ),
    CatalogueCase(.ipv4MulticastTimeToLive(5), on: udp, default: .ipv4MulticastTimeToLive(1)),
    CatalogueCase(.ipv4MulticastLoop(false), default: .ipv4MulticastLoop(true)),
    CatalogueCase(.ipv4MulticastInterface(.loopback), on: udp, default: .ipv4MulticastInterface(.any)),
    CatalogueCase(.ipv4FreeBind(true), default: .ipv4FreeBind(false)),
    CatalogueCase(.transparent(true), default: .transparent(false)),
    CatalogueCase(.bindAddressNoPort(true), default: .bindAddressNoPort(false)),
    CatalogueCase(.ipv6Only(true), on: ipv6, default: { _ in .ipv6Only(sysctlValue("net/ipv6/bindv6only") != 0) }),
    CatalogueCase(
        .ipv6UnicastHops(33),
        on: ipv6,
        default: { _ in .ipv6UnicastHops(sysctlValue("net/ipv6/conf/all/hop_limit")) }
    ),
    CatalogueCase(
        .ipv6TrafficClass(0x11),
        on: ipv6,
        default: { _ in .ipv6TrafficClass(0) },
        kept: { $0.isTCP ? .ipv6TrafficClass(0x10) : .ipv6TrafficClass(0x11) }
    ),
    CatalogueCase(.ipv6MulticastHops(5), on: [.udp6], default: .ipv6MulticastHops(1)),
    CatalogueCase(.ipv6MulticastLoop(false), on: ipv6, default: .ipv6MulticastLoop(true)),
    CatalogueCase(.ipv6MulticastInterface(loopbackIndex), on: [.udp6], default: .ipv6MulticastInterface(0)),
    CatalogueCase(.ipv6FreeBind(true), on: ipv6, default: .ipv6FreeBind(false)),
    // The same binding as SO_BINDTODEVICE, by index: 0 until bound.
    CatalogueCase(.bindToInterfaceIndex(loopbackIndex), default: .bindToInterfaceIndex(nil)),
    CatalogueCase(.timestampsNanoseconds(true), default: .timestampsNanoseconds(false)),
    CatalogueCase(.receiveDropCount(true), default: .receiveDropCount(false)),
    // Read back through SO_RCVBUF / SO_SNDBUF: twice the value, past twice rmem_max / wmem_max, where
    // a plain SO_RCVBUF of the same size would stop.
    CatalogueCase(
        .receiveBufferSizeForced(2 * sysctlValue("net/core/rmem_max")),
        default: {
            .receiveBufferSizeForced(
                $0.isTCP ? sysctlValue("net/ipv4/tcp_rmem", field: 1) : sysctlValue("net/core/rmem_default")
            )
        },
        kept: { _ in .receiveBufferSizeForced(4 * sysctlValue("net/core/rmem_max")) }
    ),
    CatalogueCase(
        .sendBufferSizeForced(2 * sysctlValue("net/core/wmem_max")),
        default: {
            .sendBufferSizeForced(
                $0.isTCP ? sysctlValue("net/ipv4/tcp_wmem", field: 1) : sysctlValue("net/core/wmem_default")
            )
        },
        kept: { _ in .sendBufferSizeForced(4 * sysctlValue("net/core/wmem_max")) }
    ),
    // No filter: SO_GET_FILTER reads back no instructions.
    CatalogueCase(.attachFilter(SocketFilter([.returning(0xFFFF)])), default: .attachFilter(SocketFilter([]))),
    CatalogueCase(.thinLinearTimeouts(true), on: tcp, default: .thinLinearTimeouts(false)),
    CatalogueCase(.synRetries(3), on: tcp, default: { _ in .synRetries(sysctlValue("net/ipv4/tcp_syn_retries")) }),
    // Unset, TCP_LINGER2 reads back net.ipv4.tcp_fin_timeout.
    CatalogueCase(
        .finWait2Timeout(.seconds(30)),
        on: tcp,
        default: { _ in .finWait2Timeout(.seconds(Int64(sysctlValue("net/ipv4/tcp_fin_timeout")))) }
    ),
    // A new socket is in the one state (CLOSE) that takes it.
    CatalogueCase(.fastOpenConnect(true), on: tcp, default: .fastOpenConnect(false)),
    CatalogueCase(.udpSegmentSize(1400), on: udp, default: .udpSegmentSize(nil)),
    CatalogueCase(.udpReceiveOffload(true), on: udp, default: .udpReceiveOffload(false)),
    // On by default for IPv4 sockets; IPv6 sockets, off by default, in ipv4MulticastAllOnIPv6.
    CatalogueCase(.ipv4MulticastAll(false), on: [.tcp4, .udp4], default: .ipv4MulticastAll(true)),
    CatalogueCase(.receiveTypeOfService(true), default: .receiveTypeOfService(false)),
    CatalogueCase(.receiveIPv4PacketInfo(true), default: .receiveIPv4PacketInfo(false)),
    CatalogueCase(.receiveIPv4Errors(true), default: .receiveIPv4Errors(false)),
    // IP_PMTUDISC_WANT unless net.ipv4.ip_no_pmtu_disc says otherwise (ip(7)).
    CatalogueCase(
        .pathMTUDiscovery(.always),
        default: { _ in .pathMTUDiscovery(sysctlValue("net/ipv4/ip_no_pmtu_disc") == 0 ? .perRoute : .never) }
    ),
    CatalogueCase(.ipv6MulticastAll(false), on: ipv6, default: .ipv6MulticastAll(true)),
    CatalogueCase(.receiveHopLimit(true), on: ipv6, default: .receiveHopLimit(false)),
    CatalogueCase(.receiveTrafficClass(true), on: ipv6, default: .receiveTrafficClass(false)),
    CatalogueCase(.ipv6Transparent(true), on: ipv6, default: .ipv6Transparent(false)),
    CatalogueCase(.receiveIPv6PacketInfo(true), on: ipv6, default: .receiveIPv6PacketInfo(false)),
    CatalogueCase(.receiveIPv6Errors(true), on: ipv6, default: .receiveIPv6Errors(false)),
]

/// Options tested elsewhere, where their effect shows: SO_PASSCRED on Unix sockets (below), the
/// memberships (MulticastTests), SO_DETACH_FILTER (SocketFilterTests), the header-included options
/// of raw sockets (PrivilegedOptionTests).
private let testedElsewhere: Set<SocketOption.Name> = [
    .passCredentials, .joinIPv4Group, .leaveIPv4Group, .joinIPv4SourceGroup, .leaveIPv4SourceGroup, .joinIPv6Group,
    .leaveIPv6Group, .detachFilter, .ipv4HeaderIncluded, .ipv6HeaderIncluded,
]

extension KernelTests {
    @Suite("The option catalogue")
    struct CatalogueTests {
        @Test("Every option has a row in the catalogue table, but those whose effect is tested elsewhere")
        func catalogueCoversEveryOption() {
            let covered = Set(catalogue.map(\.option.name))
            let missing = SocketOption.Name.allCases.filter { !covered.contains($0) && !testedElsewhere.contains($0) }
            #expect(missing.isEmpty, "no catalogue row for \(missing)")
            for row in catalogue {
                for kind in row.kinds {
                    #expect(row.option != row.defaultValue(kind), "\(row.option) equals the default on \(kind)")
                }
            }
        }

        @Test("Default, set, read back: the kernel keeps the expected value", arguments: catalogue)
        func setAndReadBack(row: CatalogueCase) throws {
            for kind in row.kinds {
                let fd = kind.makeSocket()
                defer { close(fd) }
                #expect(
                    try BorrowedSocket(borrowing: fd).option(row.option.name) == row.defaultValue(kind),
                    "default on \(kind)"
                )
                let applied = try BorrowedSocket(borrowing: fd).setOption(row.option)
                #expect(applied.requested == row.option)
                #expect(applied.effective == row.effective(kind), "kept on \(kind)")
                #expect(
                    try BorrowedSocket(borrowing: fd).option(row.option.name) == row.effective(kind),
                    "read again on \(kind)"
                )
            }
        }

        @Test(
            "A socket kind without the option refuses it as .optionNotSupported naming the kind",
            arguments: catalogue
        )
        func otherKindsRefuse(row: CatalogueCase) throws {
            // A kind the catalogue says has the option, left out of the row only because one value
            // cannot differ from every kind's default there, is tested on its own (IP_MULTICAST_ALL).
            for kind in TestSocketKind.allCases
            where !row.kinds.contains(kind) && !row.option.name.row.sockets.allows(kind.kind) {
                let fd = kind.makeSocket()
                defer { close(fd) }
                // A borrowed descriptor asks the kernel, whose answer the error carries.
                #expect("on \(kind)") {
                    try BorrowedSocket(borrowing: fd).setOption(row.option)
                } throws: { error in
                    guard case .optionNotSupported(row.option.name, kind.kind, let errno?) = error as? SocketError
                    else {
                        return false
                    }
                    return [.protocolNotAvailable, .notSupported, .invalidArgument].contains(errno)
                }
                let message = SocketError.optionNotSupported(row.option.name, socket: kind.kind, errno: nil).description
                #expect(message.contains(kind.kind.description) && message.contains(row.option.name.cName))
            }
        }

        @Test("A listener refuses an option TCP lacks before any system call")
        func listenerRefusesNonTCPOption() {
            let (_, calls) = recording {
                #expect(
                    throws: SocketError.optionNotSupported(
                        .ipv4MulticastTimeToLive,
                        socket: TestSocketKind.tcp4.kind,
                        errno: nil
                    )
                ) {
                    _ = try ListeningSocket(address: anyLoopbackPort, options: [.ipv4MulticastTimeToLive(5)])
                }
            }
            #expect(calls.isEmpty)
        }

        @Test("SO_PASSCRED exists on Unix-domain sockets and is refused by IP sockets")
        func passCredentialsOnUnixOnly() throws {
            let unix = rawSocket(AF_UNIX, CInt(SOCK_STREAM.rawValue))
            defer { close(unix) }
            #expect(try BorrowedSocket(borrowing: unix).option(.passCredentials) == .passCredentials(false))
            #expect(
                try BorrowedSocket(borrowing: unix).setOption(.passCredentials(true)).effective
                    == .passCredentials(true)
            )
            let tcp4 = TestSocketKind.tcp4.makeSocket()
            defer { close(tcp4) }
            #expect(
                throws: SocketError.optionNotSupported(
                    .passCredentials,
                    socket: TestSocketKind.tcp4.kind,
                    errno: .notSupported
                )
            ) {
                try BorrowedSocket(borrowing: tcp4).setOption(.passCredentials(true))
            }
        }

        @Test(
            "IPv6 sockets have IP_MULTICAST_ALL for their IPv4-mapped traffic, off until set",
            arguments: [
                TestSocketKind.tcp6, .udp6,
            ]
        )
        func ipv4MulticastAllOnIPv6(kind: TestSocketKind) throws {
            let fd = kind.makeSocket()
            defer { close(fd) }
            #expect(try BorrowedSocket(borrowing: fd).option(.ipv4MulticastAll) == .ipv4MulticastAll(false))
            #expect(
                try BorrowedSocket(borrowing: fd).setOption(.ipv4MulticastAll(true)).effective
                    == .ipv4MulticastAll(true)
            )
            #expect(rawIntOption(fd, CInt(IPPROTO_IP), IP_MULTICAST_ALL) == 1)
        }

        @Test("Text and interface values: unbinding a device reads back nil; an unknown one is ENODEV")
        func deviceBinding() throws {
            let fd = TestSocketKind.tcp4.makeSocket()
            defer { close(fd) }
            try BorrowedSocket(borrowing: fd).setOption(.bindToDevice("lo"))
            #expect(try BorrowedSocket(borrowing: fd).setOption(.bindToDevice(nil)).effective == .bindToDevice(nil))
            #expect(throws: SocketError.system(.setOption(.bindToDevice), .noSuchDevice)) {
                try BorrowedSocket(borrowing: fd).setOption(.bindToDevice("nosuchif0"))
            }
            #expect(throws: SocketError.system(.setOption(.congestionControl), .noSuchEntry)) {
                try BorrowedSocket(borrowing: fd).setOption(.congestionControl("nosuchcc"))
            }
        }

        @Test(
            "Deferred accept rounds up along the retransmission schedule",
            arguments: [(1, 1), (2, 3), (60, 63), (200, 247)]
        )
        func deferAcceptSchedule(requested: Int64, kept: Int64) throws {
            let fd = TestSocketKind.tcp4.makeSocket()
            defer { close(fd) }
            let applied = try BorrowedSocket(borrowing: fd).setOption(.deferAccept(.seconds(requested)))
            #expect(applied.effective == .deferAccept(.seconds(kept)))
            #expect(applied.wasAdjusted == (requested != kept))
        }

        @Test("Read-only options report the socket's kind and state")
        func readOnlyOptions() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            #expect(try listener.option(.type) == .type(.stream))
            #expect(try listener.option(.acceptingConnections) == .acceptingConnections(true))
            #expect(try listener.option(.domain) == .domain(.ipv4))
            #expect(try listener.option(.transportProtocol) == .transportProtocol(6))
            #expect(try listener.option(.pendingError) == .pendingError(nil))
            let udp6 = TestSocketKind.udp6.makeSocket()
            defer { close(udp6) }
            #expect(try BorrowedSocket(borrowing: udp6).option(.type) == .type(.datagram))
            #expect(try BorrowedSocket(borrowing: udp6).option(.domain) == .domain(.ipv6))
            #expect(
                try BorrowedSocket(borrowing: udp6).option(.transportProtocol) == .transportProtocol(17)
            )
            #expect(
                try BorrowedSocket(borrowing: udp6).option(.acceptingConnections)
                    == .acceptingConnections(false)
            )
        }

        @Test("SO_ERROR carries a refused connect's error once, then reads clear")
        func pendingErrorClearsOnRead() throws {
            // A port with no listener: take a clean port, then close its listener.
            let port = try listenerOnCleanPort().localAddress.port
            let fd = TestSocketKind.tcp4.makeSocket()
            defer { close(fd) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            #expect(poll(&entry, 1, 5000) == 1)
            #expect(
                try BorrowedSocket(borrowing: fd).option(.pendingError) == .pendingError(.connectionRefused)
            )
            #expect(try BorrowedSocket(borrowing: fd).option(.pendingError) == .pendingError(nil))
        }
    }
}
