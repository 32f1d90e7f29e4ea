// SocketOptions tests: the escape hatch, raw options by C level and name, on every socket the
// package owns and on a borrowed descriptor; the values expected are what socket(7) and tcp(7)
// document, read with a bare getsockopt.

import Glibc
import Testing

@testable import SocketOptions

/// What Linux keeps of a receive buffer request (socket(7)): twice the request, at least 2304,
/// at most twice net.core.rmem_max.
func keptReceiveBuffer(_ requested: Int) -> Int32 {
    Int32(max(2304, 2 * min(requested, sysctl("net/core/rmem_max") ?? requested)))
}

extension KernelTests {
    @Suite("The escape hatch: raw options")
    struct EscapeHatchTests {
        @Test("Raw SO_RCVBUF 4096 reads back 8192 on a listener, a connection, a datagram socket and a borrowed one")
        func rawReceiveBufferOnEverySocket() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let connection = try Connection(connectingTo: listener.localAddress)
            let datagram = try DatagramSocket(address: anyLoopbackPort)
            let fd = rawSocket()
            defer { close(fd) }
            let borrowed = BorrowedSocket(borrowing: fd)
            let reports = [
                try listener.setRawOption(level: SOL_SOCKET, name: SO_RCVBUF, value: 4096),
                try connection.setRawOption(level: SOL_SOCKET, name: SO_RCVBUF, value: 4096),
                try datagram.setRawOption(level: SOL_SOCKET, name: SO_RCVBUF, value: 4096),
                try borrowed.setRawOption(level: SOL_SOCKET, name: SO_RCVBUF, value: 4096),
            ]
            let descriptors = [listener.rawDescriptor, connection.rawDescriptor, datagram.rawDescriptor, fd]
            for (report, descriptor) in zip(reports, descriptors) {
                #expect(report.requested == 4096 && report.effective == keptReceiveBuffer(4096))
                #expect(report.effective == rawIntOption(descriptor, SOL_SOCKET, SO_RCVBUF))
                #expect(report.wasAdjusted && report.readBackError == nil)
                #expect(report.description == "setsockopt(SOL_SOCKET, SO_RCVBUF): requested 4096, kernel kept 8192")
            }
            #expect(try listener.rawOption(level: SOL_SOCKET, name: SO_RCVBUF) == keptReceiveBuffer(4096))
            #expect(try connection.value(.receiveBufferSize) == Int(keptReceiveBuffer(4096)))
            #expect(try datagram.rawOption(level: SOL_SOCKET, name: SO_RCVBUF) == keptReceiveBuffer(4096))
            #expect(try borrowed.value(.receiveBufferSize) == Int(keptReceiveBuffer(4096)))
        }

        @Test("Raw TCP_NODELAY on a connection: set, read back as 1, and the typed read agrees")
        func rawNoDelayOnAConnection() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let connection = try Connection(connectingTo: listener.localAddress)
            let accepted = try listener.accept()
            let applied = try accepted.setRawOption(level: CInt(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
            #expect(applied.effective == 1 && !applied.wasAdjusted)
            #expect(rawIntOption(accepted.rawDescriptor, CInt(IPPROTO_TCP), TCP_NODELAY) == 1)
            #expect(try accepted.value(.noDelay))
            #expect(try connection.rawOption(level: CInt(IPPROTO_TCP), name: TCP_NODELAY) == 0)
        }

        @Test("The escape hatch does not check what the typed options refuse: SO_REUSEADDR after listen is kept")
        func rawSetIsUnchecked() throws {
            // Opted out of the default SO_REUSEADDR, so that the raw set is what turns it on.
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [.reuseAddress(false)])
            #expect(rawIntOption(listener.rawDescriptor, SOL_SOCKET, SO_REUSEADDR) == 0)
            // SO_REUSEADDR after listen returns 0 and does nothing for the bind that is already made
            // (FACTS): the typed API cannot express it on a listener; the raw one sets it and reports.
            let applied = try listener.setRawOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            #expect(applied.requested == 1 && applied.effective == 1)
            #expect(rawIntOption(listener.rawDescriptor, SOL_SOCKET, SO_REUSEADDR) == 1)
            // A negative buffer size is taken by the kernel as its maximum, twice net.core.rmem_max.
            let negative = try listener.setRawOption(level: SOL_SOCKET, name: SO_RCVBUF, value: -1)
            #expect(negative.effective == Int32(2 * (sysctl("net/core/rmem_max") ?? 0)))
        }

        @Test("Raw bytes: SO_LINGER {1, 5} set and read back as the same structure")
        func rawBytes() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let connection = try Connection(connectingTo: listener.localAddress)
            let lingerOn = withUnsafeBytes(of: linger(l_onoff: 1, l_linger: 5)) { Array($0) }
            let applied = try connection.setRawOption(level: SOL_SOCKET, name: SO_LINGER, bytes: lingerOn)
            #expect(applied.effective == lingerOn && !applied.wasAdjusted)
            #expect(try connection.value(.linger) == .seconds(5))
            let read = try connection.rawOption(level: SOL_SOCKET, name: SO_RCVBUF, capacity: 16)
            // getsockopt writes an int's 4 bytes and says so in its length.
            #expect(read.count == 4)
            #expect(
                read.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
                    == rawIntOption(connection.rawDescriptor, SOL_SOCKET, SO_RCVBUF)
            )
        }

        @Test("An option the kernel does not know is the kernel's errno, named with its level and number")
        func unknownRawOption() throws {
            let fd = rawSocket()
            defer { close(fd) }
            let borrowed = BorrowedSocket(borrowing: fd)
            let error = #expect(throws: SocketError.self) {
                try borrowed.setRawOption(level: SOL_SOCKET, name: 9999, value: 1)
            }
            #expect(error == .system(.setRawOption(level: SOL_SOCKET, name: 9999), .protocolNotAvailable))
            #expect(error?.errno == .protocolNotAvailable)
            #expect(error?.description.hasPrefix("setsockopt(level 1, option 9999) failed: ENOPROTOOPT") == true)
            #expect(throws: SocketError.system(.getRawOption(level: SOL_SOCKET, name: 9999), .protocolNotAvailable)) {
                try borrowed.rawOption(level: SOL_SOCKET, name: 9999)
            }
            #expect(throws: SocketError.system(.setRawOption(level: SOL_SOCKET, name: SO_RCVBUF), .badFileDescriptor)) {
                try BorrowedSocket(borrowing: -1).setRawOption(level: SOL_SOCKET, name: SO_RCVBUF, value: 1)
            }
        }

        @Test("A raw size out of bounds is refused before any call")
        func rawSizeBounds() throws {
            let fd = rawSocket()
            defer { close(fd) }
            let borrowed = BorrowedSocket(borrowing: fd)
            let (_, calls) = recording {
                for capacity in [-1, Int.min, borrowed.maximumRawOptionSize + 1, Int.max] {
                    #expect(throws: SocketError.self) {
                        try borrowed.rawOption(level: SOL_SOCKET, name: SO_RCVBUF, capacity: capacity)
                    }
                }
                #expect(throws: SocketError.self) {
                    try borrowed.setRawOption(
                        level: SOL_SOCKET,
                        name: SO_RCVBUF,
                        bytes: [UInt8](repeating: 0, count: borrowed.maximumRawOptionSize + 1)
                    )
                }
            }
            #expect(calls.isEmpty)
        }
    }
}
