// SocketOptions tests: descriptor hand-over between two real processes (a python3 child on the other
// side, speaking the protocol with socket.send_fds / recv_fds), the peer check (SO_PEERCRED) against a
// child run as another user, and the O_NONBLOCK flag the two processes share.

import Glibc
import Testing

@testable import SocketOptions

/// The old process's side, in python3: a TCP listener with `count` connections queued (each has sent
/// "q0", "q1"...), offered at the rendezvous path; after the answer it reports whether it was
/// acknowledged and whether its listener is non-blocking now. Refused, it accepts its own queue;
/// acknowledged, it closes its listener and reports how many of its clients got "!" from the new owner.
private let pythonSender = """
    import fcntl, os, socket, sys
    path, count = sys.argv[1], int(sys.argv[2])
    def nonblocking(s): return int(bool(fcntl.fcntl(s.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    clients = []
    for i in range(count):
        client = socket.create_connection(listener.getsockname(), timeout=10)
        client.sendall(b"q%d" % i)
        clients.append(client)
    rendezvous = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    rendezvous.bind(path)
    rendezvous.listen(1)
    rendezvous.settimeout(10)
    print("ready", listener.getsockname()[1], "nonblocking", nonblocking(listener), flush=True)
    connection, _ = rendezvous.accept()
    connection.settimeout(10)
    try:
        socket.send_fds(connection, [b"socketoptions-handover 1 http\\n"], [listener.fileno()])
        answer = connection.recv(3)
    except OSError:
        answer = b""
    print("acknowledged", int(answer == b"ok\\n"), "nonblocking", nonblocking(listener), flush=True)
    if answer != b"ok\\n":
        listener.settimeout(5)
        kept = 0
        for i in range(count):
            accepted, _ = listener.accept()
            accepted.close()
            kept += 1
        print("kept", kept, flush=True)
        sys.exit(0)
    listener.close()
    print("served", sum(1 for client in clients if client.recv(1) == b"!"), flush=True)
    """

/// The new process's side, in python3: connects to the rendezvous path, receives, reports how many
/// descriptors came and whether the first is non-blocking, turns O_NONBLOCK off on it, acknowledges,
/// then accepts `count` connections and sends "!" on each.
private let pythonReceiver = """
    import fcntl, os, select, socket, sys
    path, count = sys.argv[1], int(sys.argv[2])
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(10)
    connection.connect(path)
    print("connected", flush=True)
    try:
        message, fds, _, _ = socket.recv_fds(connection, 4096, 8)
    except OSError:
        message, fds = b"", []
    print("received", len(fds), flush=True)
    if message != b"socketoptions-handover 1 http\\n" or len(fds) != 1:
        sys.exit(0)
    print("nonblocking", int(bool(fcntl.fcntl(fds[0], fcntl.F_GETFL) & os.O_NONBLOCK)), flush=True)
    os.set_blocking(fds[0], True)
    connection.sendall(b"ok\\n")
    listener = socket.socket(fileno=fds[0])
    served = 0
    for i in range(count):
        if not select.select([listener], [], [], 10)[0]:
            break
        accepted, _ = listener.accept()
        accepted.sendall(b"!")
        accepted.close()
        served += 1
    print("served", served, flush=True)
    """

/// The descriptors open now that were not in `before`. A suite outside the serialized kernel suite
/// (the documentation's code, compiled with pipes to swiftc) may close one of its own meanwhile, so
/// the test asks for no new descriptor rather than for the same set.
private func leakedSince(_ before: Set<Int32>) -> Set<Int32> { openDescriptors().subtracting(before) }

/// Whether O_NONBLOCK is set on the open file description of `fd`.
private func isNonBlocking(_ fd: CInt) -> Bool { fcntl(fd, F_GETFL) & O_NONBLOCK != 0 }

/// The peer check a test asks for: the same user, or `user` named.
private func expectedPeer(_ user: UInt32?) -> DescriptorHandover.ExpectedPeer { user.map { .user($0) } ?? .sameUser }

/// The user a child runs as when it must not be this process's user (root): nobody.
private let nobody: UInt32 = 65534

extension KernelTests {
    @Suite struct DescriptorHandoverProcessTests {
        @Test(
            "A python3 process (this user, or uid 65534 named explicitly) hands over a listener: its 3 queued connections are accepted here, and the O_NONBLOCK set here is set there too",
            arguments: [UInt32?.none, nobody]
        )
        func receivesListenerFromAnotherProcess(user: UInt32?) throws {
            let before = openDescriptors()
            try withTemporaryDirectory { directory in
                // The child binds the rendezvous socket in the directory: it must be able to write it.
                if let user { #expect(chown(directory, user, user) == 0) }
                let path = directory + "/handover.sock"
                let child = try ChildProcess(python(pythonSender, as: user, [path, "3"]))
                let ready = child.readLine(within: .seconds(10))?.split(separator: " ") ?? []
                guard ready.count == 4, ready[0] == "ready", let port = UInt16(ready[1]) else {
                    Issue.record("the child did not get ready: \(child.transcript)")
                    return
                }
                #expect(ready[3] == "0", "python's listener starts blocking")
                var received = try DescriptorHandover.receive(
                    from: .unix(path: path),
                    expectedPeer: expectedPeer(user),
                    timeout: .seconds(10)
                )
                #expect(received.names == ["http"])
                guard let listener = received.take(name: "http") else {
                    Issue.record("no listener named http among \(received.names)")
                    return
                }
                #expect(listener.localAddress == .ipv4Loopback(port: port))
                // The sender answers once it has the acknowledgement: its listener turned non-blocking
                // when this process adopted the description both share.
                #expect(child.readLine(within: .seconds(10)) == "acknowledged 1 nonblocking 1")
                var greetings: Set<String> = []
                for _ in 0..<3 {
                    guard let connection = try listener.accept(timeout: .seconds(5)) else { break }
                    if let bytes = try connection.receive(upTo: 2, timeout: .seconds(5)) {
                        greetings.insert(String(decoding: bytes, as: UTF8.self))
                    }
                    try connection.send([UInt8(ascii: "!")], timeout: .seconds(2))
                    try connection.close()
                }
                #expect(greetings == ["q0", "q1", "q2"], "the connections queued in the sender before the hand-over")
                #expect(child.readLine(within: .seconds(10)) == "served 3", "every client of the sender got its byte")
                let end = child.finish(within: .seconds(10))
                #expect(end.status == 0, "\(child.transcript)")
                try listener.close()
            }
            #expect(leakedSince(before).isEmpty)
        }

        @Test(
            "This process hands a listener to a python3 process (this user, or uid 65534 named explicitly), which accepts its 3 queued connections; the O_NONBLOCK it clears is cleared here",
            arguments: [UInt32?.none, nobody]
        )
        func handsListenerToAnotherProcess(user: UInt32?) throws {
            let before = openDescriptors()
            try withTemporaryDirectory { directory in
                // The child connects to the rendezvous socket: the directory and the file let it.
                #expect(chmod(directory, 0o755) == 0)
                let path = directory + "/handover.sock"
                let rendezvous = try ListeningSocket(address: .unix(path: path), unixFileMode: 0o666)
                let old = try ListeningSocket(address: .ipv4Loopback(port: 0))
                let first = try Connection(connectingTo: old.localAddress, timeout: .seconds(2))
                let second = try Connection(connectingTo: old.localAddress, timeout: .seconds(2))
                let third = try Connection(connectingTo: old.localAddress, timeout: .seconds(2))
                #expect(isNonBlocking(old.rawDescriptor), "a listener of this package is non-blocking")
                let child = try ChildProcess(python(pythonReceiver, as: user, [path, "3"]))
                let offered = try DescriptorHandover.offer(
                    [.init("http", old)],
                    on: rendezvous,
                    peerWait: .seconds(10),
                    expectedPeer: expectedPeer(user),
                    timeout: .seconds(10)
                )
                #expect(offered)
                #expect(child.readLine(within: .seconds(10)) == "connected")
                #expect(child.readLine(within: .seconds(10)) == "received 1")
                #expect(child.readLine(within: .seconds(10)) == "nonblocking 1", "the flag came with the description")
                // The child turned O_NONBLOCK off on its descriptor before it acknowledged: this
                // process's descriptor of the same description reads it off too.
                #expect(!isNonBlocking(old.rawDescriptor))
                try old.closeAfterHandover()
                #expect(try first.receive(upTo: 1, timeout: .seconds(10)) == Array("!".utf8))
                #expect(try second.receive(upTo: 1, timeout: .seconds(10)) == Array("!".utf8))
                #expect(try third.receive(upTo: 1, timeout: .seconds(10)) == Array("!".utf8))
                #expect(child.readLine(within: .seconds(10)) == "served 3")
                let end = child.finish(within: .seconds(10))
                #expect(end.status == 0, "\(child.transcript)")
                try first.close()
                try second.close()
                try third.close()
                try rendezvous.close()
            }
            #expect(leakedSince(before).isEmpty)
        }

        @Test(
            "The receiver refuses a sender run as another user (SO_PEERCRED) before reading: nothing received, the sender keeps its listener and its queue"
        )
        func receiverRefusesAnotherUsersSender() throws {
            let before = openDescriptors()
            try withTemporaryDirectory { directory in
                #expect(chown(directory, nobody, nobody) == 0)
                let path = directory + "/handover.sock"
                let child = try ChildProcess(python(pythonSender, as: nobody, [path, "3"]))
                guard child.readLine(within: .seconds(10))?.hasPrefix("ready ") == true else {
                    Issue.record("the child did not get ready: \(child.transcript)")
                    return
                }
                let inside = openDescriptors()
                let (reason, calls) = recording {
                    handoverReason { () throws(SocketError) in
                        _ = try DescriptorHandover.receive(from: .unix(path: path), timeout: .seconds(10))
                    }
                }
                let expected = PeerCredentials(processID: child.pid, userID: nobody, groupID: nobody)
                #expect(reason == .unexpectedPeer(expected, expectedUserID: geteuid()))
                #expect(!calls.contains { $0.kind == .recvmsg }, "the message of a refused peer is never read")
                #expect(leakedSince(inside).isEmpty, "no descriptor of the refused peer stays open")
                // The sender got no answer, its listener's flags are untouched (nothing adopted it), and
                // its queued connections are still its own to accept.
                #expect(child.readLine(within: .seconds(10)) == "acknowledged 0 nonblocking 0")
                #expect(child.readLine(within: .seconds(10)) == "kept 3")
                let end = child.finish(within: .seconds(10))
                #expect(end.status == 0, "\(child.transcript)")
                if let reason {
                    let text = DescriptorHandoverFailure(reason).description
                    #expect(text.contains("uid 65534") && text.contains("expectedPeer: .user(65534)"), "\(text)")
                }
            }
            #expect(leakedSince(before).isEmpty)
        }

        @Test(
            "The sender refuses a receiver run as another user (SO_PEERCRED) that the socket file's mode lets connect: nothing sent, the listener still serves"
        )
        func senderRefusesAnotherUsersReceiver() throws {
            let before = openDescriptors()
            try withTemporaryDirectory { directory in
                #expect(chmod(directory, 0o755) == 0)
                let path = directory + "/handover.sock"
                let rendezvous = try ListeningSocket(address: .unix(path: path), unixFileMode: 0o666)
                let listener = try ListeningSocket(address: .ipv4Loopback(port: 0))
                let queued = try Connection(connectingTo: listener.localAddress, timeout: .seconds(2))
                let child = try ChildProcess(python(pythonReceiver, as: nobody, [path, "3"]))
                let (reason, calls) = recording {
                    handoverReason { () throws(SocketError) in
                        _ = try DescriptorHandover.offer(
                            [.init("http", listener)],
                            on: rendezvous,
                            peerWait: .seconds(10),
                            timeout: .seconds(10)
                        )
                    }
                }
                let expected = PeerCredentials(processID: child.pid, userID: nobody, groupID: nobody)
                #expect(reason == .unexpectedPeer(expected, expectedUserID: geteuid()))
                #expect(!calls.contains { $0.kind == .sendmsg }, "nothing is sent to a refused peer")
                // The file mode let the child connect; it got the end of the connection, no descriptor.
                #expect(child.readLine(within: .seconds(10)) == "connected")
                #expect(child.readLine(within: .seconds(10)) == "received 0")
                let end = child.finish(within: .seconds(10))
                #expect(end.status == 0, "\(child.transcript)")
                #expect(try listener.option(.acceptingConnections) == .acceptingConnections(true))
                #expect(isNonBlocking(listener.rawDescriptor))
                guard let served = try listener.accept(timeout: .seconds(2)) else {
                    Issue.record("the connection queued before the refusal is gone")
                    return
                }
                try served.close()
                try queued.close()
                try listener.close()
                try rendezvous.close()
            }
            #expect(leakedSince(before).isEmpty)
        }

        @Test("A connection with no peer credentials (TCP) is refused by both sides before any descriptor moves")
        func connectionWithoutCredentialsRefused() throws {
            let listener = try ListeningSocket(address: .ipv4Loopback(port: 0))
            let client = try Connection(connectingTo: listener.localAddress, timeout: .seconds(2))
            guard let server = try listener.accept(timeout: .seconds(2)) else {
                Issue.record("no connection")
                return
            }
            let expected = DescriptorHandoverFailure.Reason.unexpectedPeer(nil, expectedUserID: geteuid())
            let (sendReason, sendCalls) = recording {
                handoverReason { () throws(SocketError) in
                    try DescriptorHandover.send([.init("http", listener)], over: server, timeout: .seconds(1))
                }
            }
            #expect(sendReason == expected)
            #expect(!sendCalls.contains { $0.kind == .sendmsg })
            let (receiveReason, receiveCalls) = recording {
                handoverReason { () throws(SocketError) in
                    _ = try DescriptorHandover.receive(over: client, expectedPeer: .user(0), timeout: .seconds(1))
                }
            }
            #expect(receiveReason == .unexpectedPeer(nil, expectedUserID: 0))
            #expect(!receiveCalls.contains { $0.kind == .recvmsg })
            #expect(
                DescriptorHandoverFailure(expected).description.contains("hand over on a Unix-domain socket")
            )
            try server.close()
            try client.close()
            try listener.close()
        }
    }
}
