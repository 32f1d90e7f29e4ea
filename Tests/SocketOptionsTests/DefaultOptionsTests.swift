// SocketOptions tests: the options given to a listener are laid over its defaults by name.

import Glibc
import Testing

@testable import SocketOptions

@Suite("Options given over the defaults")
struct DefaultOptionsMergeTests {
    @Test("An unrelated option joins the defaults, which come first")
    func unrelatedOptionKeepsDefaults() {
        let merged = SocketOption.merged([.receiveBufferSize(1 << 20)], over: [.reuseAddress(true)])
        #expect(merged == [.reuseAddress(true), .receiveBufferSize(1_048_576)])
    }

    @Test("An option of a default's name replaces it where the caller put it; other defaults stay first")
    func namedOptionReplacesDefault() {
        let merged = SocketOption.merged(
            [.noDelay(true), .reuseAddress(false)],
            over: [.reuseAddress(true), .keepAlive(true)]
        )
        #expect(merged == [.keepAlive(true), .noDelay(true), .reuseAddress(false)])
    }

    @Test("No options given: the defaults; no defaults: the options given")
    func emptySides() {
        #expect(SocketOption.merged([], over: ListeningSocket.defaultOptions) == [.reuseAddress(true)])
        #expect(SocketOption.merged([.reusePort(true)], over: []) == [.reusePort(true)])
    }

    #if SOCKETOPTIONS_SYSCALL_RECORDING
    @Test("An option given twice is still refused before any call: the merge does not hide it")
    func repeatedOptionRefused() {
        let (_, calls) = recording {
            #expect(throws: SocketError.self) {
                _ = try ListeningSocket(
                    address: anyLoopbackPort,
                    options: [.receiveBufferSize(4096), .receiveBufferSize(8192)]
                )
            }
        }
        #expect(calls.isEmpty)
    }
    #endif
}

extension KernelTests {
    @Suite("Defaults on the kernel")
    struct DefaultOptionsKernelTests {
        @Test("Given only a buffer size, the listener still has SO_REUSEADDR on")
        func bufferSizeKeepsReuseAddress() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort, options: [.receiveBufferSize(1 << 16)])
            let fd = listener.descriptor.rawValue
            #expect(rawIntOption(fd, SOL_SOCKET, SO_REUSEADDR) == 1)
            // socket(7): the kernel doubles the value it is given.
            #expect(rawIntOption(fd, SOL_SOCKET, SO_RCVBUF) == 2 << 16)
            #expect(listener.appliedOptions.map(\.requested) == [.reuseAddress(true), .receiveBufferSize(1 << 16)])
        }

        @Test(".reuseAddress(false) turns the default off, with one setsockopt")
        func explicitOptOut() throws {
            let listener = try ListeningSocket(
                address: anyLoopbackPort,
                options: [.receiveBufferSize(1 << 16), .reuseAddress(false)]
            )
            #expect(rawIntOption(listener.descriptor.rawValue, SOL_SOCKET, SO_REUSEADDR) == 0)
            #expect(listener.appliedOptions.map(\.requested) == [.receiveBufferSize(1 << 16), .reuseAddress(false)])
        }

        @Test("The EADDRINUSE diagnosis takes a stream socket's options as the listener does, over its defaults")
        func diagnosisMergesDefaults() throws {
            let listener = try ListeningSocket(address: anyLoopbackPort)
            let address = listener.localAddress
            let given: [SocketOption] = [.receiveBufferSize(4096)]
            #expect(AddressInUseDiagnosis(address: address, type: .stream, options: given).reuseAddress == true)
            #expect(AddressInUseDiagnosis(address: address, type: .datagram, options: given).reuseAddress == false)
            let optOut: [SocketOption] = [.reuseAddress(false)]
            #expect(AddressInUseDiagnosis(address: address, type: .stream, options: optOut).reuseAddress == false)
        }

        #if SOCKETOPTIONS_SYSCALL_RECORDING
        @Test("The defaults are set first, then the options given, each once, all before bind")
        func callOrder() throws {
            let (_, calls) = try recording {
                _ = try ListeningSocket(address: anyLoopbackPort, options: [.noDelay(true), .keepAlive(true)])
            }
            let setCalls = calls.filter { $0.kind == .setsockopt }.map(\.option)
            #expect(setCalls == [.reuseAddress, .noDelay, .keepAlive])
            let lastSet = try #require(calls.lastIndex { $0.kind == .setsockopt })
            let bind = try #require(calls.firstIndex { $0.kind == .bind })
            #expect(lastSet < bind)
        }

        @Test("A default the caller names is set once, at the caller's place")
        func overriddenDefaultSetOnce() throws {
            let (_, calls) = try recording {
                _ = try ListeningSocket(address: anyLoopbackPort, options: [.noDelay(true), .reuseAddress(true)])
            }
            #expect(calls.filter { $0.kind == .setsockopt }.map(\.option) == [.noDelay, .reuseAddress])
        }
        #endif
    }
}
