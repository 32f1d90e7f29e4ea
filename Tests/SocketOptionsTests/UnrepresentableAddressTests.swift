// SocketOptions tests: an address of a family SocketAddress cannot hold, from getsockname or accept.
//
// No socket the package makes or adopts can have one, so each test puts one there: a netlink socket
// duplicated onto the listener's descriptor just before getsockname, which the kernel then answers
// for (AF_NETLINK is 16, linux/socket.h), as a stray dup2 or a close and reuse elsewhere would; for accept, whose peer is always of the listener's own
// family, the recorder writes AF_VSOCK (40) into the address the kernel returned. Either way no call
// failed, so the error carries no errno.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    @Suite("Addresses of a family SocketAddress cannot hold")
    struct UnrepresentableAddressTests {
        /// A recorder that, just before getsockname, makes the descriptor of the setup's socket a
        /// duplicate of `other`, as a stray dup2 elsewhere in the process would.
        static func replacingBeforeGetsockname(with other: CInt) -> SyscallRecorder {
            let recorder = SyscallRecorder()
            recorder.inject(.getsockname, .before) {
                guard let made = recorder.calls.first(where: { $0.kind == .socket }) else { return }
                _ = dup2(other, made.descriptor)
            }
            return recorder
        }

        @Test("getsockname answering AF_NETLINK (16) is .unrepresentableAddress, errno nil; the descriptor is closed")
        func localAddressOfAnotherFamily() throws {
            let netlink = socket(AF_NETLINK, CInt(SOCK_RAW.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            try #require(netlink >= 0)
            defer { close(netlink) }
            let recorder = Self.replacingBeforeGetsockname(with: netlink)
            let (thrown, calls) = recording(recorder) { () -> SocketError? in
                do throws(SocketError) {
                    _ = try ListeningSocket(address: anyLoopbackPort)
                    return nil
                } catch {
                    return error
                }
            }
            let error = try #require(thrown)
            #expect(error == .unrepresentableAddress(.localAddress, family: .other(16)))
            #expect(error.errno == nil)
            #expect(error.description.hasPrefix("getsockname() answered an address of family 16"))
            // The call the address came from succeeded: nothing returned an errno.
            let getsockname = try #require(calls.first { $0.kind == .getsockname })
            #expect(getsockname.result == 0 && getsockname.errno == nil)
            let socketCall = try #require(calls.first)
            let last = try #require(calls.last)
            #expect(last.kind == .close && last.descriptor == socketCall.descriptor && last.result == 0)
            #expect(fcntl(socketCall.descriptor, F_GETFD) == -1 && Glibc.errno == EBADF)
        }

        @Test("getsockname answering AF_UNIX on an IPv4 listener is read as that address, as adoption reads it")
        func localAddressOfAnotherKnownFamily() throws {
            // An unbound AF_UNIX socket: getsockname answers its family and no name (unix(7)).
            let unix = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            try #require(unix >= 0)
            defer { close(unix) }
            let recorder = Self.replacingBeforeGetsockname(with: unix)
            let (address, calls) = try recording(recorder) { () throws -> SocketAddress in
                let listener = try ListeningSocket(address: .ipv4Loopback(port: 0))
                let address = listener.localAddress
                try listener.close()
                return address
            }
            #expect(address.family == .unix)
            #expect(address.unixPath == nil)
            #expect(calls.map(\.kind).suffix(3) == [.listen, .getsockname, .close])
        }

        @Test("Adopting a descriptor whose getsockname answers AF_NETLINK is .notAListener naming the family")
        func adoptedDescriptorOfAnotherFamily() throws {
            let netlink = socket(AF_NETLINK, CInt(SOCK_RAW.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            try #require(netlink >= 0)
            defer { close(netlink) }
            let fd = try ListeningSocket(address: anyLoopbackPort).releaseDescriptor()
            defer { close(fd) }
            let recorder = SyscallRecorder()
            // After the checks of SO_TYPE, SO_DOMAIN and SO_ACCEPTCONN, which a listener passes.
            recorder.inject(.getsockname, .before) { _ = dup2(netlink, fd) }
            _ = recording(recorder) {
                #expect(
                    throws: SocketError.notAListener(
                        descriptor: fd,
                        reason: "its address is of family 16, which SocketAddress cannot hold"
                    )
                ) {
                    _ = try ListeningSocket(adopting: fd)
                }
            }
            // Left open, as every refused adoption leaves it.
            #expect(fcntl(fd, F_GETFD) != -1)
        }

        @Test(
            "accept answering a peer of AF_VSOCK (40) is .unrepresentableAddress, errno nil; the connection is closed, the listener accepts on",
            arguments: [nil, Duration.seconds(10)]
        )
        func acceptedPeerOfAnotherFamily(timeout: Duration?) throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let before = openDescriptors()
            let client = try Connection(connectingTo: listener.localAddress)
            let recorder = SyscallRecorder()
            recorder.answerAddressFamily(.accept, as: 40)
            let (thrown, calls) = recording(recorder) { () -> SocketError? in
                do throws(SocketError) {
                    if let timeout {
                        _ = try listener.accept(timeout: timeout)
                    } else {
                        _ = try listener.accept()
                    }
                    return nil
                } catch {
                    return error
                }
            }
            let error = try #require(thrown)
            #expect(error == .unrepresentableAddress(.accept, family: .other(40)))
            #expect(error.errno == nil)
            #expect(error.description.hasPrefix("accept() answered an address of family 40"))
            let words = error.description.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(words.contains("The connection was closed; the listener is still open."))
            let accepted = try #require(calls.first { $0.kind == .accept && $0.result >= 0 })
            #expect(accepted.errno == nil)
            #expect(calls.contains { $0.kind == .close && $0.descriptor == accepted.descriptor && $0.result == 0 })
            // The server's end is gone: the client reads the end of the stream.
            #expect(try client.receive(upTo: 1, timeout: .seconds(10)) == [])
            #expect(openDescriptors().subtracting(before).count == 1, "only the client's descriptor is new")
            // The recorder changed one answer only; the listener goes on accepting.
            let next = try Connection(connectingTo: listener.localAddress)
            guard let server = try listener.accept(timeout: .seconds(10)) else {
                Issue.record("the listener accepted nothing after the refused peer")
                return
            }
            #expect(server.remoteAddress == next.localAddress)
            try server.close()
            try next.close()
            try client.close()
            try listener.close()
        }
    }
}
