// SocketOptions tests: typed reads and writes through SocketOption.Key, checked against the
// kernel's own answer (a bare getsockopt).

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("Typed reads and writes")
    struct TypedReadTests {
        @Test("value(.receiveBufferSize) is the Int a bare getsockopt of SO_RCVBUF reads")
        func receiveBufferSizeIsAnInt() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [.receiveBufferSize(65536)])
            let size: Int = try listener.value(.receiveBufferSize)
            #expect(size == Int(rawIntOption(listener.descriptor.rawValue, SOL_SOCKET, SO_RCVBUF)))
            // Linux keeps twice the request (socket(7)), unless rmem_max clamps it lower.
            #expect(size == 2 * min(65536, sysctl("net/core/rmem_max") ?? 65536))
        }

        @Test("value(.reuseAddress) is a Bool: on for a listener made with the defaults, off on a new socket")
        func reuseAddressIsABool() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let on: Bool = try listener.value(.reuseAddress)
            #expect(on)
            let client = try Connection(connectingTo: listener.localAddress)
            #expect(try client.value(.reuseAddress) == false)
        }

        @Test("value(.receiveTimeout) is a Duration?: nil when unset, the kept time once set")
        func receiveTimeoutIsAnOptionalDuration() throws {
            let plain = try ListeningSocket(address: anyLoopbackPort)
            let none: Duration? = try plain.value(.receiveTimeout)
            #expect(none == nil)
            let timed = try ListeningSocket(address: anyLoopbackPort, options: [.receiveTimeout(.seconds(2))])
            // Whole seconds are a whole number of ticks for any HZ: kept exactly.
            #expect(try timed.value(.receiveTimeout) == .seconds(2))
        }

        @Test("Read-only keys: value(.type) is a SocketType, value(.acceptingConnections) a Bool")
        func readOnlyKeys() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let type: SocketKind.SocketType = try listener.value(.type)
            #expect(type == .stream)
            #expect(try listener.value(.acceptingConnections))
            #expect(try listener.value(.domain) == .ipv4)
            #expect(try listener.value(.transportProtocol) == 6)
            #expect(try listener.value(.pendingError) == nil)
            let datagram = try DatagramSocket(address: anyLoopbackPort)
            #expect(try datagram.value(.type) == .datagram)
            #expect(try datagram.value(.acceptingConnections) == false)
        }

        @Test("A key named by itself has its one value type, and reads what a bare getsockopt reads")
        func keyNamedByItself() throws {
            // Each line is a compile-time check too: without the key's type in its extension, Swift
            // cannot infer Value here ("generic parameter 'Value' could not be inferred").
            let size = SocketOption.Key.receiveBufferSize
            let reuse = SocketOption.Key.reuseAddress
            let timeout = SocketOption.Key.receiveTimeout
            let typed: SocketOption.Key<Int> = .receiveBufferSize
            let kind = ReadOnlySocketOption.Key.type
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [.receiveBufferSize(65536)])
            let fd = listener.descriptor.rawValue
            let read: Int = try listener.value(size)
            #expect(read == Int(rawIntOption(fd, SOL_SOCKET, SO_RCVBUF)))
            #expect(try listener.value(typed) == read)
            let reuseRead: Bool = try listener.value(reuse)
            #expect(reuseRead == (rawIntOption(fd, SOL_SOCKET, SO_REUSEADDR) != 0))
            let timeoutRead: Duration? = try listener.value(timeout)
            #expect(timeoutRead == nil)  // SO_RCVTIMEO {0, 0}: never times out (socket(7))
            let kindRead: SocketKind.SocketType = try listener.value(kind)
            #expect(kindRead == .stream)
            #expect(size.name == .receiveBufferSize && kind.name == .type)
        }

        @Test("set(.noDelay, true) on a connection sets TCP_NODELAY, as a bare getsockopt reads it")
        func typedWriteOnAConnection() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            #expect(rawIntOption(client.descriptor.rawValue, CInt(IPPROTO_TCP), TCP_NODELAY) == 0)
            let applied = try client.set(.noDelay, true)
            #expect(applied.requested && applied.effective && applied.isReadBack)
            #expect(applied.option.requested == .noDelay(true) && applied.option.effective == .noDelay(true))
            #expect(rawIntOption(client.descriptor.rawValue, CInt(IPPROTO_TCP), TCP_NODELAY) == 1)
            #expect(try client.value(.noDelay))
            try client.set(.keepAliveIdle, .seconds(60))
            #expect(rawIntOption(client.descriptor.rawValue, CInt(IPPROTO_TCP), TCP_KEEPIDLE) == 60)
            #expect(try client.value(.keepAliveIdle) == .seconds(60))
        }

        @Test(
            "set(.receiveBufferSize, 65536) returns the Int the kernel kept: twice the request, as getsockopt reads it"
        )
        func typedWriteReturnsTheKeptInt() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let applied = try client.set(.receiveBufferSize, 65536)
            // Linux keeps twice the request (socket(7)), unless rmem_max clamps it lower.
            let expected = 2 * min(65536, sysctl("net/core/rmem_max") ?? 65536)
            #expect(applied.requested == 65536 && applied.effective == expected && applied.isReadBack)
            #expect(applied.effective == Int(rawIntOption(client.descriptor.rawValue, SOL_SOCKET, SO_RCVBUF)))
            #expect(applied.wasAdjusted && applied.name == .receiveBufferSize)
            #expect(applied.adjustment?.contains("twice") == true)
            #expect(applied.description == "SO_RCVBUF: requested 65536 bytes, kernel kept \(expected) bytes")
            #expect(
                applied.option
                    == AppliedOption(requested: .receiveBufferSize(65536), effective: .receiveBufferSize(expected))
            )
        }

        @Test("A typed write agrees with setOption: the same refusals, and the same kernel answers")
        func typedWriteAgreesWithSetOption() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            // Past bind, an option that must precede bind is refused before any call, typed or not.
            let typed = #expect(throws: SocketError.self) { try client.set(.reuseAddress, true) }
            let untyped = #expect(throws: SocketError.self) { try client.setOption(.reuseAddress(true)) }
            #expect(typed != nil && typed == untyped)
            guard case .optionNotApplicable(.reuseAddress, _)? = typed else {
                Issue.record("expected optionNotApplicable, got \(String(describing: typed))")
                return
            }
            // An option for listeners only, on a connection.
            let deferred = #expect(throws: SocketError.self) { try client.set(.deferAccept, .seconds(5)) }
            #expect(deferred == #expect(throws: SocketError.self) { try client.setOption(.deferAccept(.seconds(5))) })
            // A kind that lacks the option: UDP has no TCP_NODELAY, refused by the catalogue with no errno.
            let datagram = try DatagramSocket(address: anyLoopbackPort)
            #expect(throws: SocketError.optionNotSupported(.noDelay, socket: TestSocketKind.udp4.kind, errno: nil)) {
                try datagram.set(.noDelay, true)
            }
            // A borrowed descriptor leaves the kind to the kernel: TCP_NODELAY on UDP is the
            // kernel's EOPNOTSUPP or ENOPROTOOPT, said with the kind read from the socket.
            let borrowedTyped = #expect(throws: SocketError.self) {
                try BorrowedSocket(borrowing: datagram.rawDescriptor).set(.noDelay, true)
            }
            let borrowedUntyped = #expect(throws: SocketError.self) {
                try BorrowedSocket(borrowing: datagram.rawDescriptor).setOption(.noDelay(true))
            }
            #expect(borrowedTyped != nil && borrowedTyped == borrowedUntyped)
            #expect(borrowedTyped?.errno != nil)
        }

        @Test("A typed write checks its value like any other: out of range is refused before any call")
        func typedWriteIsChecked() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            #expect(throws: SocketError.invalidValue(.keepAliveCount(0), reason: "keepAliveCount must be 1...127")) {
                try client.set(.keepAliveCount, 0)
            }
        }
    }
}

/// A key with its check: a Bool or Int key's typed read is what a bare getsockopt of the row's
/// level and C name reads (an int: non-zero for on, the number itself), decoded here without the
/// library; a key of another type, made into the option again, equals the option read by name.
/// A mismatch, or a bare getsockopt that fails, is reported as text: the test fails, nothing traps.
struct KeyCheck: Sendable, CustomStringConvertible {
    let name: SocketOption.Name
    let mismatch: @Sendable (BorrowedSocket) throws -> String?

    init<Value>(_ key: SocketOption.Key<Value>) {
        name = key.name
        mismatch = { socket in
            let typed = try socket.value(key)
            guard Value.self == Bool.self || Value.self == Int.self else {
                let byName = try socket.option(key.name)
                return key(typed) == byName ? nil : "typed \(typed), by name \(byName)"
            }
            let row = key.name.row
            var bare: CInt = -12345
            var length = socklen_t(MemoryLayout<CInt>.size)
            guard getsockopt(socket.rawDescriptor, row.level.cLevel, row.readName ?? row.rawName, &bare, &length) == 0
            else { return "bare getsockopt failed: errno \(errno)" }
            let agrees =
                if let flag = typed as? Bool { flag == (bare != 0) } else { typed as? Int == Int(bare) }
            return agrees ? nil : "typed \(typed), bare getsockopt \(bare)"
        }
    }

    var description: String { name.rawValue }
}

/// Every settable option's key. A new option adds its key here; the test below fails until it does.
let everyKey: [KeyCheck] = {
    var keys: [KeyCheck] = [
        KeyCheck(.reuseAddress), KeyCheck(.reusePort), KeyCheck(.keepAlive), KeyCheck(.broadcast),
        KeyCheck(.outOfBandInline), KeyCheck(.receiveBufferSize), KeyCheck(.sendBufferSize),
        KeyCheck(.receiveLowWatermark), KeyCheck(.linger), KeyCheck(.receiveTimeout), KeyCheck(.sendTimeout),
        KeyCheck(.timestamps), KeyCheck(.noDelay), KeyCheck(.maxSegment), KeyCheck(.keepAliveIdle),
        KeyCheck(.keepAliveInterval), KeyCheck(.keepAliveCount), KeyCheck(.notSentLowWatermark), KeyCheck(.cork),
        KeyCheck(.timeToLive), KeyCheck(.typeOfService), KeyCheck(.ipv4MulticastTimeToLive),
        KeyCheck(.ipv4MulticastLoop), KeyCheck(.ipv4MulticastInterface), KeyCheck(.ipv6Only),
        KeyCheck(.ipv6UnicastHops), KeyCheck(.ipv6TrafficClass), KeyCheck(.ipv6MulticastHops),
        KeyCheck(.ipv6MulticastLoop), KeyCheck(.ipv6MulticastInterface),
    ]
    #if os(Linux)
    keys += [
        KeyCheck(.bindToDevice), KeyCheck(.mark), KeyCheck(.priority), KeyCheck(.busyPoll), KeyCheck(.incomingCPU),
        KeyCheck(.zeroCopy), KeyCheck(.passCredentials), KeyCheck(.userTimeout), KeyCheck(.fastOpen),
        KeyCheck(.deferAccept), KeyCheck(.quickAck), KeyCheck(.congestionControl), KeyCheck(.windowClamp),
        KeyCheck(.ipv4FreeBind), KeyCheck(.transparent), KeyCheck(.bindAddressNoPort), KeyCheck(.ipv6FreeBind),
    ]
    keys += [
        KeyCheck(.bindToInterfaceIndex),
        KeyCheck(.timestampsNanoseconds),
        KeyCheck(.receiveDropCount),
        KeyCheck(.receiveBufferSizeForced),
        KeyCheck(.sendBufferSizeForced),
        KeyCheck(.attachFilter),
        KeyCheck(.detachFilter),
        KeyCheck(.thinLinearTimeouts),
        KeyCheck(.synRetries),
        KeyCheck(.finWait2Timeout),
        KeyCheck(.fastOpenConnect),
        KeyCheck(.udpSegmentSize),
        KeyCheck(.udpReceiveOffload),
        KeyCheck(.joinIPv4Group),
        KeyCheck(.leaveIPv4Group),
        KeyCheck(.joinIPv4SourceGroup),
        KeyCheck(.leaveIPv4SourceGroup),
        KeyCheck(.ipv4HeaderIncluded),
        KeyCheck(.ipv4MulticastAll),
        KeyCheck(.receiveTypeOfService),
        KeyCheck(.receiveIPv4PacketInfo),
        KeyCheck(.receiveIPv4Errors),
        KeyCheck(.pathMTUDiscovery),
        KeyCheck(.joinIPv6Group),
        KeyCheck(.leaveIPv6Group),
        KeyCheck(.ipv6HeaderIncluded),
        KeyCheck(.ipv6MulticastAll),
        KeyCheck(.receiveHopLimit),
        KeyCheck(.receiveTrafficClass),
        KeyCheck(.ipv6Transparent),
        KeyCheck(.receiveIPv6PacketInfo),
        KeyCheck(.receiveIPv6Errors),
    ]
    #endif
    return keys
}()

extension KernelTests.TypedReadTests {
    @Test("Every settable option has a key, named as its case")
    func everyOptionHasAKey() {
        let named = Set(everyKey.map(\.name))
        #expect(named.count == everyKey.count)
        for name in SocketOption.Name.allCases { #expect(named.contains(name), "\(name) has no key in everyKey") }
    }

    @Test(
        "Each key's typed read is the option read by name, on a socket that has it",
        arguments: everyKey.filter { $0.name.canReadBack }
    )
    func keyAgreesWithName(key: KeyCheck) throws {
        let fd = ValueDomain.socket(for: key.name)
        defer { close(fd) }
        let mismatch = try key.mismatch(BorrowedSocket(borrowing: fd))
        #expect(mismatch == nil, "\(key): \(mismatch ?? "")")
    }
}
