// SocketOptions tests: the recording layer (Syscalls.swift) reaches the calls that do not touch a
// socket of ours, the interface look-ups of an IPv6 zone, and its hooks work for calls whose failure
// is not -1.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    // Under KernelTests: if_nametoindex and if_indextoname open a socket of the C library's for a
    // moment, which the descriptor-leak test would see if it ran alongside.
    @Suite("Syscall recorder")
    struct SyscallRecorderTests {
        /// The loopback interface's index, as the kernel numbers it (1 in every network namespace).
        private func loopbackIndex() throws -> Int {
            let text = try #require(readText("/sys/class/net/lo/ifindex"))
            return try #require(Int(text.trimmingCharacters(in: " \n")))
        }

        @Test("A zone given by name is looked up with one recorded if_nametoindex, which returns the kernel's index")
        func zoneNameIsRecorded() throws {
            let (address, calls) = try recording { try SocketAddress("[fe80::1%lo]:80") }
            #expect(calls.map(\.kind) == [.ifNameToIndex])
            #expect(calls.first?.result == (try loopbackIndex()))
            #expect(calls.first?.errno == nil)
            #expect(
                address.endpoint
                    == .ip(.ipv6(UInt64(0xfe80_0000_0000_0000).bigEndian, UInt64(1).bigEndian, scope: 1), port: 80)
            )
        }

        @Test("A failure injected into if_nametoindex refuses the zone as an unknown interface")
        func zoneNameLookupFailure() throws {
            let noDevice = Errno(rawValue: ENODEV)
            let (outcome, calls) = recording(.failing(.ifNameToIndex, with: noDevice)) {
                Result { () throws(SocketError) in try SocketAddress("[fe80::1%lo]:80") }
            }
            #expect(throws: SocketError.invalidAddress("[fe80::1%lo]:80")) { try outcome.get() }
            #expect(calls.count == 1)
            #expect(calls.first?.kind == .ifNameToIndex && calls.first?.result == -1 && calls.first?.errno == noDevice)
            // The same text parses when the kernel is asked: the refusal was the injected failure.
            #expect(throws: Never.self) { try SocketAddress("[fe80::1%lo]:80") }
        }

        @Test("A zone given by number is checked with one recorded if_indextoname; an injected failure refuses it")
        func zoneNumberIsRecorded() throws {
            let index = try loopbackIndex()
            let text = "[fe80::1%\(index)]:80"
            let (_, calls) = try recording { try SocketAddress(text) }
            #expect(calls.map(\.kind) == [.ifIndexToName])
            #expect(calls.first?.result == 0 && calls.first?.errno == nil)

            let noDevice = Errno(rawValue: ENXIO)
            let (outcome, failed) = recording(.failing(.ifIndexToName, with: noDevice)) {
                Result { () throws(SocketError) in try SocketAddress(text) }
            }
            #expect(throws: SocketError.invalidAddress(text)) { try outcome.get() }
            #expect(failed.map(\.kind) == [.ifIndexToName] && failed.first?.errno == noDevice)
        }

        @Test("A zoned address prints its zone as the interface index, with no system call: description does no I/O")
        func zonePrintingMakesNoCall() throws {
            let address = try SocketAddress("[fe80::1%lo]:80")
            let (text, calls) = recording { (address.description, address.host) }
            #expect(text.0 == "[fe80::1%\(try loopbackIndex())]:80")
            #expect(text.1 == "fe80::1%\(try loopbackIndex())")
            #expect(calls.isEmpty)
            #expect(try SocketAddress(address.description) == address)
        }

        @Test("A failure injected into opendir, whose failure is nil rather than -1, returns nil with the errno")
        func pointerCallFailure() throws {
            let recorder = SyscallRecorder.failing(.opendir, with: .permissionDenied)
            let (result, calls) = recording(recorder) { () -> (Bool, Errno) in
                let directory = system_opendir("/proc")
                let error = currentErrno()
                if let directory { system_closedir(directory) }
                return (directory == nil, error)
            }
            #expect(result.0 && result.1 == .permissionDenied)
            #expect(calls.map(\.kind) == [.opendir] && calls.first?.result == -1)
            // Without the injection the directory opens (and is closed: recorded as close).
            let (_, real) = recording {
                if let directory = system_opendir("/proc") { system_closedir(directory) }
            }
            #expect(real.map(\.kind) == [.opendir, .close] && real.allSatisfy { $0.errno == nil })
        }

        @Test("An injected action runs before and after the call it names, with the call between them")
        func injectionsSurroundTheCall() throws {
            let recorder = SyscallRecorder()
            let order = Order()
            recorder.inject(.fcntl, .before) { order.append("before: \(recorder.calls.count) calls") }
            recorder.inject(.fcntl, .after) { order.append("after: \(recorder.calls.count) calls") }
            // Descriptor -1: the kernel answers EBADF, and nothing is opened.
            let (flags, calls) = recording(recorder) { system_fcntl(-1, F_GETFD) }
            #expect(flags == -1)
            #expect(order.entries == ["before: 0 calls", "after: 1 calls"])
            #expect(calls.map(\.kind) == [.fcntl] && calls.first?.errno == Errno(rawValue: EBADF))
        }
    }
}

/// A list the test's injected actions append to.
private final class Order: @unchecked Sendable {
    private(set) var entries: [String] = []
    func append(_ entry: String) { entries.append(entry) }
}
