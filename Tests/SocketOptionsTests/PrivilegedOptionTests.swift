// SocketOptions tests: options that need a privilege, refused with EPERM to a process without it.
//
// The test suite runs as root, which holds every capability. The refusal is proven in a child run
// as nobody (uid 65534, no capabilities at all, `setpriv --inh-caps=-all`) that sets the option
// through the package: `sockopt-demo inspect --option NAME=VALUE` makes a listener with it and
// prints the package's error. So the test sees both the kernel's answer and the package's words.

import Foundation
import Glibc
import Testing

@testable import SocketOptions

/// Runs `sockopt-demo inspect ADDRESS --option ...` as nobody; its exit status and standard error.
private func inspectAsNobody(_ address: String, options: [String]) throws -> (status: Int32, errors: String) {
    let demo = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("sockopt-demo")
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    child.arguments =
        ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", demo.path, "inspect", address]
        + options.flatMap { ["--option", $0] }
    let errors = Pipe()
    child.standardError = errors
    child.standardOutput = FileHandle.nullDevice
    try child.run()
    let deadline = ContinuousClock.now + .seconds(20)
    while child.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
    if child.isRunning { kill(child.processIdentifier, SIGKILL) }
    child.waitUntilExit()
    return (child.terminationStatus, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
}

/// Each option with a value that needs the privilege, on an address whose socket has the option.
private let privileged: [(option: String, cName: String, address: String)] = [
    ("receive-buffer-size-forced=1048576", "SO_RCVBUFFORCE", "127.0.0.1:0"),
    ("send-buffer-size-forced=1048576", "SO_SNDBUFFORCE", "127.0.0.1:0"),
    ("ipv6-transparent=on", "IPV6_TRANSPARENT", "[::1]:0"),
    ("transparent=on", "IP_TRANSPARENT", "127.0.0.1:0"),
    ("mark=1", "SO_MARK", "127.0.0.1:0"),
]

extension KernelTests {
    @Suite("Options that need a privilege")
    struct PrivilegedOptionTests {
        @Test(
            "Without CAP_NET_ADMIN the kernel refuses with EPERM, and the package names the option and the capability",
            arguments: privileged.map { [$0.option, $0.cName, $0.address] }
        )
        func refusedWithoutCapability(case row: [String]) throws {
            let (status, errors) = try inspectAsNobody(row[2], options: [row[0]])
            #expect(status == 1)
            #expect(errors.contains("setsockopt(") && errors.contains(row[1]) && errors.contains("EPERM"), "\(errors)")
            #expect(errors.contains("CAP_NET_ADMIN"), "the advice names the capability: \(errors)")
        }

        @Test("A first interface binding needs no privilege; changing it needs CAP_NET_RAW (EPERM without)")
        func changingTheInterfaceBindingNeedsCapability() throws {
            let first = try inspectAsNobody("127.0.0.1:0", options: ["bind-to-interface-index=1"])
            #expect(first.status == 0, "the first binding is anyone's: \(first.errors)")
            // The second binding changes the first, even to the same interface.
            let second = try inspectAsNobody(
                "127.0.0.1:0",
                options: ["bind-to-device=lo", "bind-to-interface-index=1"]
            )
            #expect(second.status == 1)
            #expect(second.errors.contains("SO_BINDTOIFINDEX") && second.errors.contains("EPERM"), "\(second.errors)")
        }

        @Test("Root forces a receive and send buffer past rmem_max / wmem_max: twice the value, read back by SO_RCVBUF")
        func forcedBuffersPassTheLimit() throws {
            let rmemMax = sysctl("net/core/rmem_max") ?? -1
            let wmemMax = sysctl("net/core/wmem_max") ?? -1
            let fd = TestSocketKind.udp4.makeSocket()
            defer { close(fd) }
            let receive = 2 * rmemMax
            let applied = try BorrowedSocket(borrowing: fd).setOption(.receiveBufferSizeForced(receive))
            #expect(applied.effective == .receiveBufferSizeForced(2 * receive))
            #expect(
                rawIntOption(fd, SOL_SOCKET, SO_RCVBUF) == CInt(2 * receive),
                "past 2 x rmem_max, which SO_RCVBUF stops at"
            )
            let send = 2 * wmemMax
            #expect(
                try BorrowedSocket(borrowing: fd).setOption(.sendBufferSizeForced(send)).effective
                    == .sendBufferSizeForced(2 * send)
            )
            #expect(rawIntOption(fd, SOL_SOCKET, SO_SNDBUF) == CInt(2 * send))
        }

        @Test("Raw sockets: IP_HDRINCL and IPV6_HDRINCL read back on; UDP sockets refuse them")
        func headerIncludedOnRawSockets() throws {
            let raw4 = socket(AF_INET, CInt(SOCK_RAW.rawValue), CInt(IPPROTO_UDP))
            let raw6 = socket(AF_INET6, CInt(SOCK_RAW.rawValue), CInt(IPPROTO_UDP))
            defer {
                close(raw4)
                close(raw6)
            }
            try #require(raw4 >= 0 && raw6 >= 0, "raw sockets need CAP_NET_RAW: the suite runs as root")
            #expect(try BorrowedSocket(borrowing: raw4).option(.ipv4HeaderIncluded) == .ipv4HeaderIncluded(false))
            #expect(
                try BorrowedSocket(borrowing: raw4).setOption(.ipv4HeaderIncluded(true)).effective
                    == .ipv4HeaderIncluded(true)
            )
            #expect(try BorrowedSocket(borrowing: raw6).option(.ipv6HeaderIncluded) == .ipv6HeaderIncluded(false))
            #expect(
                try BorrowedSocket(borrowing: raw6).setOption(.ipv6HeaderIncluded(true)).effective
                    == .ipv6HeaderIncluded(true)
            )
            // A UDP socket the package made refuses before any call; a borrowed one after the kernel's
            // ENOPROTOOPT, said the same way.
            let udp4 = TestSocketKind.udp4.kind
            let (_, calls) = recording {
                #expect(throws: SocketError.optionNotSupported(.ipv4HeaderIncluded, socket: udp4, errno: nil)) {
                    _ = try DatagramSocket(address: anyLoopbackPort, options: [.ipv4HeaderIncluded(true)])
                }
            }
            #expect(calls.isEmpty)
            let udp = TestSocketKind.udp4.makeSocket()
            defer { close(udp) }
            #expect(
                throws: SocketError.optionNotSupported(.ipv4HeaderIncluded, socket: udp4, errno: .protocolNotAvailable)
            ) {
                try BorrowedSocket(borrowing: udp).setOption(.ipv4HeaderIncluded(true))
            }
        }
    }
}
