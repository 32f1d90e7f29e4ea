// SocketOptions tests: the listener's order of calls, its failure paths and its descriptors.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("ListeningSocket")
    struct ListeningSocketTests {
        @Test("Port 0: localAddress carries the port the kernel chose, as getsockname reads it")
        func portZeroReportsKernelPort() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let result = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getsockname(listener.descriptor.rawValue, $0, &length)
                }
            }
            #expect(result == 0)
            #expect(listener.localAddress.port != 0)
            #expect(listener.localAddress.port == UInt16(bigEndian: address.sin_port))
            #expect(listener.localAddress.host == "127.0.0.1")
            let client = try Connection(connectingTo: listener.localAddress)
            let server = try listener.accept()
            #expect(server.localAddress == listener.localAddress)
            #expect(server.remoteAddress == client.localAddress)
            try client.send("ping")
            #expect(try server.receive() == Array("ping".utf8))
        }

        @Test("Calls go socket, one setsockopt per option in order (each read back), bind, listen")
        func syscallOrder() throws {
            let (descriptor, calls) = try recording {
                let listener = try ListeningSocket(
                    address: anyLoopbackPort,
                    options: [.reuseAddress(true), .reusePort(true), .noDelay(true)]
                )
                return listener.descriptor.rawValue
            }
            #expect(
                calls.map(\.description) == [
                    "socket",
                    "setsockopt(reuseAddress)", "getsockopt(reuseAddress)",
                    "setsockopt(reusePort)", "getsockopt(reusePort)",
                    "setsockopt(noDelay)", "getsockopt(noDelay)",
                    "bind", "listen", "getsockname",
                    "close",
                ]
            )
            #expect(calls.allSatisfy { $0.descriptor == descriptor && $0.errno == nil })
        }

        @Test("The listener and its accepted connections are close-on-exec")
        func descriptorsAreCloseOnExec() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            #expect(fcntl(listener.descriptor.rawValue, F_GETFD) & FD_CLOEXEC != 0)
            let client = try Connection(connectingTo: listener.localAddress)
            let server = try listener.accept()
            #expect(fcntl(client.descriptor.rawValue, F_GETFD) & FD_CLOEXEC != 0)
            #expect(fcntl(server.descriptor.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        }

        @Test(
            "A failure at any step after socket() closes the descriptor and throws",
            arguments: [
                (
                    SyscallRecorder.Kind.setsockopt, Errno.noMemory,
                    SocketError.system(.setOption(.reuseAddress), .noMemory)
                ),
                (.getsockopt, .noBufferSpace, .system(.getOption(.reuseAddress), .noBufferSpace)),
                (.bind, .addressInUse, .addressInUse(anyLoopbackPort, errno: .addressInUse)),
                (.bind, .permissionDenied, .permissionDenied(anyLoopbackPort, errno: .permissionDenied)),
                // EPERM (a security policy) is reported as EPERM, never as the EACCES of a port privilege.
                (.bind, .notPermitted, .permissionDenied(anyLoopbackPort, errno: .notPermitted)),
                (.bind, .addressNotAvailable, .addressNotAvailable(anyLoopbackPort)),
                (.listen, .addressInUse, .addressInUse(anyLoopbackPort, errno: .addressInUse)),
                (.getsockname, .noBufferSpace, .system(.localAddress, .noBufferSpace)),
            ]
        )
        func failureClosesDescriptor(kind: SyscallRecorder.Kind, errno: Errno, expected: SocketError) throws {
            let (_, calls) = recording(.failing(kind, with: errno)) {
                #expect(throws: expected) {
                    _ = try ListeningSocket(address: anyLoopbackPort)
                }
            }
            let socketCall = try #require(calls.first)
            #expect(socketCall.kind == .socket && socketCall.result >= 0)
            let failed = try #require(calls.first { $0.errno != nil })
            #expect(failed.kind == kind && failed.errno == errno)
            let last = try #require(calls.last)
            #expect(last.kind == .close && last.descriptor == socketCall.descriptor && last.result == 0)
            #expect(calls.filter { $0.kind == .close }.count == 1)
            #expect(fcntl(socketCall.descriptor, F_GETFD) == -1 && Glibc.errno == EBADF)
        }

        @Test("A failing socket() throws and closes nothing")
        func socketFailure() throws {
            let (_, calls) = recording(.failing(.socket, with: .tooManyOpenFiles)) {
                #expect(throws: SocketError.system(.socket, .tooManyOpenFiles)) {
                    _ = try ListeningSocket(address: anyLoopbackPort)
                }
            }
            #expect(calls.map(\.description) == ["socket"])
        }

        @Test("1,000 failing creations leave /proc/self/fd as it was")
        func failingCreationsLeakNothing() throws {
            let holder = try ListeningSocket(address: anyLoopbackPort, options: [.reuseAddress(false)])
            let before = openDescriptorTargets()
            var failures = 0
            for _ in 0..<1000 {
                do {
                    _ = try ListeningSocket(address: holder.localAddress, options: [.reuseAddress(true)])
                } catch .addressInUse {
                    failures += 1
                }
            }
            #expect(failures == 1000)
            #expect(descriptorsAdded(since: before).isEmpty)
        }

        @Test("close() closes the descriptor once; a listener going out of scope closes it too")
        func closeAndScopeExit() throws {
            let (descriptor, calls) = try recording {
                let listener = try ListeningSocket(address: anyLoopbackPort)
                let fd = listener.descriptor.rawValue
                try listener.close()
                return fd
            }
            #expect(calls.filter { $0.kind == .close }.map(\.descriptor) == [descriptor])
            #expect(fcntl(descriptor, F_GETFD) == -1)

            var scoped: CInt = -1
            do {
                let listener = try ListeningSocket(address: anyLoopbackPort)
                scoped = listener.descriptor.rawValue
                #expect(fcntl(scoped, F_GETFD) != -1)
            }
            #expect(fcntl(scoped, F_GETFD) == -1)
        }

        @Test("accept(timeout:) returns nil when nothing connects, and the connection when one does")
        func acceptWithTimeout() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            if let unexpected = try listener.accept(timeout: .milliseconds(20)) {
                Issue.record("accepted \(unexpected.remoteAddress) although nothing connected")
            }
            let client = try Connection(connectingTo: listener.localAddress)
            guard let accepted = try listener.accept(timeout: .seconds(5)) else {
                Issue.record("the client's connection was not accepted within 5 s")
                return
            }
            #expect(accepted.remoteAddress == client.localAddress)
        }

        @Test("A boolean that reads back different from the request throws .optionNotKept")
        func booleanNotKeptThrows() throws {
            let (_, calls) = recording(.readingBack(.reusePort, as: 0)) {
                #expect(throws: SocketError.optionNotKept(requested: .reusePort(true), effective: .reusePort(false))) {
                    _ = try ListeningSocket(address: anyLoopbackPort, options: [.reusePort(true)])
                }
            }
            #expect(calls.last?.kind == .close)
        }

        @Test("A BSD-style readback of the flag bit (0x200) still reads as on")
        func flagBitReadsAsOn() throws {
            let (_, _) = try recording(.readingBack(.reusePort, as: 0x200)) {
                let listener = try ListeningSocket(address: anyLoopbackPort, options: [.reusePort(true)])
                #expect(listener.applied(.reusePort)?.effective == .reusePort(true))
            }
        }
    }
}

extension KernelTests {
    @Suite("Arguments that cannot be met")
    struct ArgumentTests {
        @Test("A receive with no room is a typed error, not a crash, and nothing is read")
        func receiveWithoutRoom() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let client = try Connection(connectingTo: listener.localAddress)
            let server = try listener.accept()
            try client.send("x")
            #expect(
                throws: SocketError.invalidArgument("receive(upTo: 0) needs room for at least one byte; give 1 or more")
            ) {
                _ = try server.receive(upTo: 0)
            }
            #expect(try server.receive(upTo: 1) == Array("x".utf8))
            let datagrams = try DatagramSocket(address: anyLoopbackPort)
            #expect(throws: SocketError.self) { _ = try datagrams.receive(upTo: -1) }
        }
    }
}
