// SocketOptions tests: every option is set and read back from the kernel.
//
// Expected values come from the kernel's documented behaviour (socket(7), tcp(7), ipv6(7)) and
// from ../shared/FACTS.md, never from what the library returned: Linux doubles buffer sizes,
// floors and clamps them, and rounds timeouts up to its clock tick.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("Options read back from the kernel")
    struct OptionReadbackTests {
        /// Makes a loopback listener with one option (over the default SO_REUSEADDR) and returns
        /// what the kernel reads back.
        private func readBack(
            _ option: SocketOption,
            on address: SocketAddress = anyLoopbackPort
        ) throws -> (applied: AppliedOption, readAgain: SocketOption) {
            let listener = try ListeningSocket(address: address, options: [option])
            let defaults: [SocketOption.Name] = option.name == .reuseAddress ? [] : [.reuseAddress]
            #expect(listener.appliedOptions.map(\.name) == defaults + [option.name])
            let last = listener.appliedOptions.last
            return (try #require(last), try listener.option(option.name))
        }

        @Test(
            "Boolean options read back as set, through the library and raw getsockopt",
            arguments: [
                (SocketOption.reuseAddress(true), SOL_SOCKET, SO_REUSEADDR),
                (.reuseAddress(false), SOL_SOCKET, SO_REUSEADDR),
                (.reusePort(true), SOL_SOCKET, SO_REUSEPORT),
                (.keepAlive(true), SOL_SOCKET, SO_KEEPALIVE),
                (.noDelay(true), CInt(IPPROTO_TCP), TCP_NODELAY),
            ]
        )
        func booleansReadBack(option: SocketOption, level: CInt, name: CInt) throws {
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [option])
            let expected: CInt = option == .reuseAddress(false) ? 0 : 1
            #expect(rawIntOption(listener.descriptor.rawValue, level, name) == expected)
            #expect(try listener.option(option.name) == option)
            // The default SO_REUSEADDR comes first unless the option given names it.
            let defaults =
                option.name == .reuseAddress
                ? [] : [AppliedOption(requested: .reuseAddress(true), effective: .reuseAddress(true))]
            #expect(listener.appliedOptions == defaults + [AppliedOption(requested: option, effective: option)])
            #expect(!listener.appliedOptions.contains { $0.wasAdjusted })
        }

        @Test("Options not given keep the kernel's defaults, and .reuseAddress(false) opts out of the listener's")
        func defaultsAreOff() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [.reuseAddress(false)])
            #expect(try listener.option(.reuseAddress) == .reuseAddress(false))
            #expect(try listener.option(.reusePort) == .reusePort(false))
            #expect(try listener.option(.keepAlive) == .keepAlive(false))
            #expect(try listener.option(.noDelay) == .noDelay(false))
            #expect(try listener.option(.linger) == .linger(nil))
            #expect(try listener.option(.receiveTimeout) == .receiveTimeout(nil))
        }

        @Test("With no options given, the listener sets SO_REUSEADDR and not SO_REUSEPORT")
        func defaultOptions() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            #expect(rawIntOption(listener.descriptor.rawValue, SOL_SOCKET, SO_REUSEADDR) == 1)
            #expect(rawIntOption(listener.descriptor.rawValue, SOL_SOCKET, SO_REUSEPORT) == 0)
            #expect(listener.appliedOptions.map(\.requested) == [.reuseAddress(true)])
        }

        @Test("An unset TCP_NOTSENT_LOWAT reads back 0, described as the sysctl's, not as a size")
        func unsetNotSentLowWatermarkSaysWhatZeroMeans() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let connection = try Connection(connectingTo: listener.localAddress)
            // tcp(7): 0 per socket means net.ipv4.tcp_notsent_lowat applies.
            #expect(rawIntOption(connection.rawDescriptor, CInt(IPPROTO_TCP), TCP_NOTSENT_LOWAT) == 0)
            let option = try connection.option(.notSentLowWatermark)
            #expect(option == .notSentLowWatermark(0))
            #expect(option.valueDescription == "0 (none: net.ipv4.tcp_notsent_lowat applies)")
            #expect(SocketOption.notSentLowWatermark(16384).valueDescription == "16384 bytes")
        }

        @Test("Linux keeps twice a buffer size that is within rmem_max / wmem_max")
        func buffersAreDoubled() throws {
            #expect((sysctl("net/core/rmem_max") ?? 0) >= 65536 && (sysctl("net/core/wmem_max") ?? 0) >= 65536)
            let receive = try readBack(.receiveBufferSize(65536))
            #expect(receive.applied.effective == .receiveBufferSize(131_072))
            #expect(receive.applied.wasAdjusted)
            #expect(receive.applied.adjustment?.contains("twice") == true)
            #expect(receive.readAgain == .receiveBufferSize(131_072))
            let send = try readBack(.sendBufferSize(65536))
            #expect(send.applied.effective == .sendBufferSize(131_072))
        }

        @Test("Tiny buffer sizes are raised to the kernel's floor: 2304 for receive, 4608 for send")
        func buffersHaveAFloor() throws {
            #expect(try readBack(.receiveBufferSize(1)).applied.effective == .receiveBufferSize(2304))
            #expect(try readBack(.receiveBufferSize(1000)).applied.effective == .receiveBufferSize(2304))
            #expect(try readBack(.sendBufferSize(1)).applied.effective == .sendBufferSize(4608))
            #expect(try readBack(.sendBufferSize(1000)).applied.effective == .sendBufferSize(4608))
        }

        @Test("A huge buffer size is clamped at twice net.core.rmem_max / wmem_max")
        func buffersAreClamped() throws {
            let rmemMax = try #require(sysctl("net/core/rmem_max"))
            let wmemMax = try #require(sysctl("net/core/wmem_max"))
            #expect(rmemMax < 1 << 29, "the clamp is only visible when rmem_max is below the request")
            #expect(try readBack(.receiveBufferSize(1 << 30)).applied.effective == .receiveBufferSize(2 * rmemMax))
            #expect(try readBack(.sendBufferSize(1 << 30)).applied.effective == .sendBufferSize(2 * wmemMax))
        }

        @Test("Linger reads back on with its seconds, .zero as an abortive close, and off as nil")
        func lingerReadsBack() throws {
            #expect(try readBack(.linger(.seconds(5))).applied.effective == .linger(.seconds(5)))
            #expect(try readBack(.linger(.zero)).applied.effective == .linger(.zero))
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [.linger(.seconds(5))])
            // Linux keeps the old time when linger goes off ({0, 5}); off must still read as off.
            let off = try BorrowedSocket(borrowing: listener.descriptor.rawValue).setOption(.linger(nil))
            #expect(off.effective == .linger(nil))
            var raw = linger(l_onoff: -1, l_linger: -1)
            var length = socklen_t(MemoryLayout<linger>.size)
            #expect(getsockopt(listener.descriptor.rawValue, SOL_SOCKET, SO_LINGER, &raw, &length) == 0)
            #expect(raw.l_onoff == 0)
        }

        @Test(
            "Timeouts are rounded up to the kernel's clock tick",
            arguments: [SocketOption.Name.receiveTimeout, .sendTimeout]
        )
        func timeoutsRoundUpToTheTick(name: SocketOption.Name) throws {
            func option(_ duration: Duration?) -> SocketOption {
                name == .receiveTimeout ? .receiveTimeout(duration) : .sendTimeout(duration)
            }
            // The shortest timeout reads back as exactly one tick: 1 s / CONFIG_HZ.
            let shortest = try readBack(option(.microseconds(1))).applied.effective
            let tick: Duration
            switch shortest {
            case .receiveTimeout(let time?), .sendTimeout(let time?): tick = time
            default:
                Issue.record("1 µs read back as \(shortest), not as one tick")
                return
            }
            #expect([Duration.milliseconds(1), .milliseconds(4), .milliseconds(10)].contains(tick))
            func roundedUp(_ duration: Duration) -> Duration {
                let ticks = (duration / tick).rounded(.up)
                return tick * Int(ticks)
            }
            for requested in [Duration.milliseconds(1), .microseconds(4001), .microseconds(123_456), .seconds(2)] {
                let applied = try readBack(option(requested)).applied
                #expect(applied.effective == option(roundedUp(requested)), "requested \(requested)")
                #expect(applied.wasAdjusted == (roundedUp(requested) != requested))
            }
            #expect(try readBack(option(nil)).applied.effective == option(nil))
        }

        @Test("IPV6_V6ONLY reads back on and off on an IPv6 wildcard listener")
        func ipv6OnlyReadsBack() throws {
            let wildcard6 = try SocketAddress("[::]:0")
            for on in [true, false] {
                let listener = try ListeningSocket(address: wildcard6, options: [.ipv6Only(on)])
                #expect(rawIntOption(listener.descriptor.rawValue, CInt(IPPROTO_IPV6), IPV6_V6ONLY) == (on ? 1 : 0))
                #expect(try listener.option(.ipv6Only) == .ipv6Only(on))
                #expect(listener.applied(.ipv6Only)?.effective == .ipv6Only(on))
            }
        }

        @Test("Binding a specific IPv6 address turns IPV6_V6ONLY on, and appliedOptions says so and why")
        func specificIPv6AddressIsV6Only() throws {
            // inet6_bind sets ipv6only for any address that is neither :: nor v4-mapped: such a
            // socket can never take IPv4. The record is read again once the socket listens.
            let listener = try ListeningSocket(address: .ipv6Loopback(port: 0), options: [.ipv6Only(false)])
            #expect(rawIntOption(listener.descriptor.rawValue, CInt(IPPROTO_IPV6), IPV6_V6ONLY) == 1)
            #expect(try listener.option(.ipv6Only) == .ipv6Only(true))
            let record = listener.applied(.ipv6Only)
            let applied = try #require(record)
            #expect(applied.keptBeforeBind == .ipv6Only(false))
            #expect(applied.effective == .ipv6Only(true))
            #expect(applied.wasAdjusted)
            #expect(applied.changedByBind?.contains("binding a specific IPv6 address") == true)
            #expect(applied.adjustment?.hasPrefix("changed by bind: ") == true)
            #expect(applied.description.contains("kernel kept off, then bind made it on"))
            // The same for a datagram socket.
            let datagram = try DatagramSocket(address: .ipv6Loopback(port: 0), options: [.ipv6Only(false)])
            #expect(datagram.appliedOptions[0].effective == .ipv6Only(true))
            #expect(datagram.appliedOptions[0].changedByBind != nil)
        }

        @Test("Dual stack is added for :: and IPv4-mapped addresses only, where it holds")
        func dualStackOnlyWhereItHolds() throws {
            // [::1] and a specific address: IPv6-only by the kernel's rule, so nothing is added.
            let loopback = try ListeningSocket(address: .ipv6Loopback(port: 0))
            #expect(loopback.appliedOptions.map(\.name) == [.reuseAddress])
            #expect(rawIntOption(loopback.descriptor.rawValue, CInt(IPPROTO_IPV6), IPV6_V6ONLY) == 1)
            let udp = try DatagramSocket(address: .ipv6Loopback(port: 0))
            #expect(udp.appliedOptions.isEmpty)
            // [::] and [::ffff:127.0.0.1]: dual stack, and it holds after bind.
            for address in [SocketAddress.ipv6Any(port: 0), try SocketAddress("[::ffff:127.0.0.1]:0")] {
                let listener = try ListeningSocket(address: address)
                #expect(listener.appliedOptions.last?.requested == .ipv6Only(false), "\(address)")
                #expect(listener.appliedOptions.allSatisfy { $0.changedByBind == nil }, "\(address)")
                #expect(rawIntOption(listener.descriptor.rawValue, CInt(IPPROTO_IPV6), IPV6_V6ONLY) == 0)
            }
            // The record is true for every listener: each option reads now as appliedOptions says.
            for address in [SocketAddress.ipv6Loopback(port: 0), .ipv6Any(port: 0)] {
                for ipv6Only in [false, true] {
                    let listener = try ListeningSocket(address: address, options: [.ipv6Only(ipv6Only)])
                    for applied in listener.appliedOptions {
                        #expect(try listener.option(applied.name) == applied.effective, "\(address) \(applied)")
                    }
                }
            }
        }

        @Test("Keepalive idle, interval and count read back as set, in seconds and probes")
        func keepAliveTuningReadsBack() throws {
            let listener = try ListeningSocket(
                address: anyLoopbackPort,
                options: [
                    .keepAlive(true), .keepAliveIdle(.seconds(60)), .keepAliveInterval(.seconds(10)),
                    .keepAliveCount(5),
                ]
            )
            let fd = listener.descriptor.rawValue
            #expect(rawIntOption(fd, CInt(IPPROTO_TCP), TCP_KEEPIDLE) == 60)
            #expect(rawIntOption(fd, CInt(IPPROTO_TCP), TCP_KEEPINTVL) == 10)
            #expect(rawIntOption(fd, CInt(IPPROTO_TCP), TCP_KEEPCNT) == 5)
            #expect(try listener.option(.keepAliveIdle) == .keepAliveIdle(.seconds(60)))
            #expect(try listener.option(.keepAliveInterval) == .keepAliveInterval(.seconds(10)))
            #expect(try listener.option(.keepAliveCount) == .keepAliveCount(5))
            #expect(listener.appliedOptions.allSatisfy { !$0.wasAdjusted })
        }

        @Test("The kernel's range limits for keepalive are accepted at both ends")
        func keepAliveLimitsAreAccepted() throws {
            #expect(try readBack(.keepAliveIdle(.seconds(32767))).readAgain == .keepAliveIdle(.seconds(32767)))
            #expect(try readBack(.keepAliveInterval(.seconds(1))).readAgain == .keepAliveInterval(.seconds(1)))
            #expect(try readBack(.keepAliveCount(127)).readAgain == .keepAliveCount(127))
        }
    }
}
