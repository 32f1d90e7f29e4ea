// SocketOptions tests: the options set and read as one C int, whose setsockopt and getsockopt are
// inlined into the caller (OptionCalls.setOption, setCIntAndReadBack, value(_:from:)), behave as the
// path through the catalogue's row does: the same calls, the same checks before any call, the same
// retry of an interrupted call and the same errors.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    // Under KernelTests: each test opens a socket.
    @Suite("Options set and read as one C int, inlined")
    struct InlineOptionPathTests {
        /// A TCP socket, not bound, closed when `body` returns; the tests view it as a BorrowedSocket.
        private func withTCPSocket<Result>(_ body: (CInt) throws -> Result) throws -> Result {
            let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
            try #require(fd >= 0)
            defer { close(fd) }
            return try body(fd)
        }

        @Test("setOption and the typed set make one setsockopt and one getsockopt of the option, nothing else")
        func callsAreTheOptionsOwn() throws {
            try withTCPSocket { fd in
                let (applied, calls) = try recording {
                    try BorrowedSocket(borrowing: fd).setOption(.receiveBufferSize(4096))
                }
                #expect(calls.map(\.kind) == [.setsockopt, .getsockopt])
                #expect(calls.allSatisfy { $0.option == .receiveBufferSize && $0.descriptor == fd })
                // socket(7): the kernel doubles SO_RCVBUF.
                #expect(applied.effective == .receiveBufferSize(8192))
                #expect(applied.requested == .receiveBufferSize(4096))

                let (typed, typedCalls) = try recording { try BorrowedSocket(borrowing: fd).set(.noDelay, true) }
                #expect(typedCalls.map(\.kind) == [.setsockopt, .getsockopt])
                #expect(typedCalls.allSatisfy { $0.option == .noDelay })
                #expect(typed.effective && typed.isReadBack)
                #expect(try BorrowedSocket(borrowing: fd).value(.noDelay))
            }
        }

        @Test("A value outside the option's range is refused before any call, by setOption and by the typed set")
        func outOfRangeRefusedBeforeAnyCall() throws {
            try withTCPSocket { fd in
                for size in [0, -1, Int.min, Int(CInt.max) + 1, Int.max] {
                    let (outcome, calls) = recording {
                        Result { () throws(SocketError) in
                            try BorrowedSocket(borrowing: fd).setOption(.receiveBufferSize(size))
                        }
                    }
                    #expect(throws: SocketError.self) { try outcome.get() }
                    if case .failure(.invalidValue(let option, _)) = outcome {
                        #expect(option == .receiveBufferSize(size))
                    }
                    #expect(calls.isEmpty, "\(size)")
                    let (typed, typedCalls) = recording {
                        Result { () throws(SocketError) in
                            try BorrowedSocket(borrowing: fd).set(.receiveBufferSize, size)
                        }
                    }
                    if case .failure(.invalidValue(let option, _)) = typed {
                        #expect(option == .receiveBufferSize(size))
                    } else {
                        Issue.record("\(size): \(typed)")
                    }
                    #expect(typedCalls.isEmpty, "\(size)")
                }
            }
        }

        @Test("An interrupted setsockopt or getsockopt is made again, and the set succeeds")
        func interruptedCallsAreRetried() throws {
            try withTCPSocket { fd in
                let recorder = SyscallRecorder()
                recorder.fail(.setsockopt, with: .interrupted)
                recorder.fail(.getsockopt, with: .interrupted)
                let (applied, calls) = try recording(recorder) {
                    try BorrowedSocket(borrowing: fd).setOption(.keepAlive(true))
                }
                #expect(calls.map(\.kind) == [.setsockopt, .setsockopt, .getsockopt, .getsockopt])
                #expect(calls.map(\.errno) == [.interrupted, nil, .interrupted, nil])
                #expect(applied.effective == .keepAlive(true))

                let reader = SyscallRecorder.failing(.getsockopt, with: .interrupted)
                let (kept, readCalls) = try recording(reader) { try BorrowedSocket(borrowing: fd).value(.keepAlive) }
                #expect(kept)
                #expect(readCalls.map(\.errno) == [.interrupted, nil])
            }
        }

        @Test("A failed setsockopt or getsockopt throws the error the path through the row throws")
        func failuresThrowTheRowsErrors() throws {
            try withTCPSocket { fd in
                let (set, _) = recording(.failing(.setsockopt, with: .badFileDescriptor)) {
                    Result { () throws(SocketError) in
                        try BorrowedSocket(borrowing: fd).setOption(.receiveBufferSize(4096))
                    }
                }
                #expect(throws: SocketError.system(.setOption(.receiveBufferSize), .badFileDescriptor)) {
                    try set.get()
                }

                let (read, _) = recording(.failing(.getsockopt, with: .badFileDescriptor)) {
                    Result { () throws(SocketError) in try BorrowedSocket(borrowing: fd).value(.receiveBufferSize) }
                }
                #expect(throws: SocketError.system(.getOption(.receiveBufferSize), .badFileDescriptor)) {
                    try read.get()
                }

                let (readBack, _) = recording(.failing(.getsockopt, with: .badFileDescriptor)) {
                    Result { () throws(SocketError) in try BorrowedSocket(borrowing: fd).set(.keepAlive, true) }
                }
                #expect(throws: SocketError.system(.getOption(.keepAlive), .badFileDescriptor)) { try readBack.get() }
            }
            // TCP_NODELAY on a Unix-domain socket: the kernel's EOPNOTSUPP, said with the socket's kind.
            var pair: [CInt] = [-1, -1]
            try #require(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, &pair) == 0)
            defer { for fd in pair { close(fd) } }
            let kind = SocketKind(family: .unix, type: .stream)
            #expect(throws: SocketError.optionNotSupported(.noDelay, socket: kind, errno: .notSupported)) {
                try BorrowedSocket(borrowing: pair[0]).setOption(.noDelay(true))
            }
            #expect(throws: SocketError.optionNotSupported(.noDelay, socket: kind, errno: .notSupported)) {
                try BorrowedSocket(borrowing: pair[0]).value(.noDelay)
            }
        }

        @Test("A flag the kernel reads back other than it was set throws optionNotKept, with both values")
        func flagNotKeptThrows() throws {
            try withTCPSocket { fd in
                let (outcome, calls) = recording(.readingBack(.keepAlive, as: 0)) {
                    Result { () throws(SocketError) in try BorrowedSocket(borrowing: fd).setOption(.keepAlive(true)) }
                }
                #expect(calls.map(\.kind) == [.setsockopt, .getsockopt])
                #expect(throws: SocketError.optionNotKept(requested: .keepAlive(true), effective: .keepAlive(false))) {
                    try outcome.get()
                }
                let (typed, _) = recording(.readingBack(.keepAlive, as: 0)) {
                    Result { () throws(SocketError) in try BorrowedSocket(borrowing: fd).set(.keepAlive, true) }
                }
                #expect(throws: SocketError.optionNotKept(requested: .keepAlive(true), effective: .keepAlive(false))) {
                    try typed.get()
                }
            }
        }

        @Test("A listener whose options are all C ints keeps the same record, from the same calls, as any other")
        func compactListenerRecord() throws {
            let options: [SocketOption] = [.receiveBufferSize(4096), .noDelay(true)]
            let (seen, calls) = try recording { () throws -> ([AppliedOption], Int) in
                let listener = try ListeningSocket(address: .ipv4Loopback(port: 0), options: options)
                let seen = (listener.appliedOptions, try listener.value(.receiveBufferSize))
                try listener.close()
                return seen
            }
            // socket(7): SO_RCVBUF keeps twice the request; the flags keep theirs.
            #expect(
                seen.0 == [
                    AppliedOption(requested: .reuseAddress(true), effective: .reuseAddress(true)),
                    AppliedOption(requested: .receiveBufferSize(4096), effective: .receiveBufferSize(8192)),
                    AppliedOption(requested: .noDelay(true), effective: .noDelay(true)),
                ]
            )
            #expect(
                calls.map(\.kind) == [
                    .socket, .setsockopt, .getsockopt, .setsockopt, .getsockopt, .setsockopt, .getsockopt, .bind,
                    .listen,
                    .getsockname, .getsockopt, .close,
                ]
            )
            #expect(seen.1 == 8192)

            // Five options: more than the compact record holds, so the records are kept as made.
            let many: [SocketOption] = [
                .receiveBufferSize(4096), .sendBufferSize(4096), .noDelay(true), .keepAlive(true), .timeToLive(9),
            ]
            let large = try ListeningSocket(address: .ipv4Loopback(port: 0), options: many)
            #expect(large.appliedOptions.map(\.requested) == [.reuseAddress(true)] + many)
            #expect(
                large.appliedOptions.map(\.effective) == [
                    .reuseAddress(true), .receiveBufferSize(8192), .sendBufferSize(8192), .noDelay(true),
                    .keepAlive(true),
                    .timeToLive(9),
                ]
            )
            try large.close()
        }

        @Test("A listener is opened non-blocking, a datagram socket blocking; the checked options are plain data")
        func setupRoles() throws {
            // accept(timeout:) needs a non-blocking listener; a datagram socket's receive blocks as
            // recv(2) does, and send waits by poll whatever the flag.
            let listener = try ListeningSocket(address: .ipv4Loopback(port: 0))
            #expect(fcntl(listener.rawDescriptor, F_GETFL) & O_NONBLOCK != 0)
            try listener.close()
            let datagram = try DatagramSocket(address: .ipv4Loopback(port: 0))
            #expect(fcntl(datagram.rawDescriptor, F_GETFL) & O_NONBLOCK == 0)
            try datagram.close()
            // The setup leaves its checked options without deinitializing them, on every path.
            #expect(_isPOD(SocketSetup.Planned.self))
        }

        @Test("A compact setup makes an interrupted call again and goes on; a later option's failure throws and closes")
        func compactSetupAfterFailures() throws {
            let options: [SocketOption] = [.receiveBufferSize(4096), .noDelay(true)]
            // The first option's read and the second option's set are interrupted once: each is made
            // again, and the setup goes on to the next option as if nothing had happened.
            let recorder = SyscallRecorder()
            recorder.fail(.getsockopt, option: .receiveBufferSize, with: .interrupted)
            recorder.fail(.setsockopt, option: .noDelay, with: .interrupted)
            let (applied, calls) = try recording(recorder) { () throws -> [AppliedOption] in
                let listener = try ListeningSocket(address: .ipv4Loopback(port: 0), options: options)
                let applied = listener.appliedOptions
                try listener.close()
                return applied
            }
            #expect(
                calls.prefix(10).map { "\($0.kind)\($0.errno.map { " \($0.name)" } ?? "")" } == [
                    "socket", "setsockopt", "getsockopt",  // reuseAddress
                    "setsockopt", "getsockopt EINTR", "getsockopt",  // receiveBufferSize
                    "setsockopt EINTR", "setsockopt", "getsockopt",  // noDelay
                    "bind",
                ]
            )
            // socket(7): SO_RCVBUF keeps twice the request.
            #expect(
                applied == [
                    AppliedOption(requested: .reuseAddress(true), effective: .reuseAddress(true)),
                    AppliedOption(requested: .receiveBufferSize(4096), effective: .receiveBufferSize(8192)),
                    AppliedOption(requested: .noDelay(true), effective: .noDelay(true)),
                ]
            )
            // The last option's read fails for good: the error of a read, the socket closed.
            let before = openDescriptorTargets()
            let failing = SyscallRecorder()
            failing.fail(.getsockopt, option: .noDelay, with: .noBufferSpace)
            let (outcome, failedCalls) = recording(failing) {
                Result { () throws(SocketError) in
                    try ListeningSocket(address: .ipv4Loopback(port: 0), options: options).close()
                }
            }
            #expect(throws: SocketError.system(.getOption(.noDelay), .noBufferSpace)) { try outcome.get() }
            #expect(failedCalls.map(\.kind).suffix(3) == [.setsockopt, .getsockopt, .close])
            #expect(descriptorsAdded(since: before).isEmpty)
        }

        @Test("A flag the kernel does not keep during a listener's setup throws, and the socket is closed")
        func compactSetupFlagNotKept() throws {
            let before = openDescriptorTargets()
            let (outcome, calls) = recording(.readingBack(.reuseAddress, as: 0)) {
                Result { () throws(SocketError) in try ListeningSocket(address: .ipv4Loopback(port: 0)).close() }
            }
            let notKept = SocketError.optionNotKept(requested: .reuseAddress(true), effective: .reuseAddress(false))
            #expect(throws: notKept) { try outcome.get() }
            #expect(calls.map(\.kind) == [.socket, .setsockopt, .getsockopt, .close])
            #expect(descriptorsAdded(since: before).isEmpty)
        }

        @Test("On a connection, an option that must precede bind is refused before any call, inlined or not")
        func scopeCheckedBeforeAnyCall() throws {
            let listener = try ListeningSocket(address: .ipv4Loopback(port: 0))
            let client = try Connection(connectingTo: listener.localAddress)
            let (outcome, calls) = recording {
                Result { () throws(SocketError) in try client.setOption(.reuseAddress(true)) }
            }
            if case .failure(.optionNotApplicable(let name, _)) = outcome {
                #expect(name == .reuseAddress)
            } else {
                Issue.record("\(outcome)")
            }
            #expect(calls.isEmpty)
            let (typed, typedCalls) = recording {
                Result { () throws(SocketError) in try client.set(.reuseAddress, true) }
            }
            if case .failure(.optionNotApplicable(let name, _)) = typed {
                #expect(name == .reuseAddress)
            } else {
                Issue.record("\(typed)")
            }
            #expect(typedCalls.isEmpty)
            try client.close()
            try listener.close()
        }

        @Test(
            "Every C int option, at every extreme from Int.min to Int.max, ends as the path through its row ends: the same value kept or the same error"
        )
        func everyCIntOptionAtEveryExtremeMatchesTheRowPath() throws {
            let values = [
                Int.min, Int(CInt.min) - 1, Int(CInt.min), -2, -1, 0, 1, 2, 255, 256, 65535, 65536,
                Int(CInt.max), Int(CInt.max) + 1, Int.max,
            ]
            var compared = 0
            for name in SocketOption.Name.allCases {
                guard let location = name.cIntLocation, !location.isFlag else { continue }
                let family = location.level == CInt(IPPROTO_IPV6) ? AF_INET6 : AF_INET
                for value in values {
                    let option = name.make(.int(value))
                    // A fresh socket for each path, on the same descriptor number, so that an error
                    // text that names the descriptor is the same text.
                    let first = socket(family, CInt(SOCK_STREAM.rawValue), 0)
                    try #require(first >= 0)
                    let inlined = Result { () throws(SocketError) in
                        try BorrowedSocket(borrowing: first).setOption(option)
                    }
                    close(first)
                    let second = socket(family, CInt(SOCK_STREAM.rawValue), 0)
                    try #require(second >= 0)
                    if second != first {
                        try #require(dup2(second, first) == first)
                        close(second)
                    }
                    defer { close(first) }
                    let throughRow = Result { () throws(SocketError) in
                        try OptionCalls.setOptionThroughRow(option, kind: nil, on: first)
                    }
                    #expect(inlined == throughRow, "\(name) = \(value)")
                    compared += 1
                }
            }
            // The catalogue has C int options that are not flags on every platform (SO_RCVBUF, IP_TTL...).
            #expect(compared >= 5 * values.count)
        }
    }
}
