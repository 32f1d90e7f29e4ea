// SocketOptions tests: the EADDRINUSE diagnosis is read only when asked for, reads the tables of
// the socket's own protocol, tells whose TIME_WAIT it is, speaks of one holder or several, and
// never prints a process's name raw. Each test makes the situation it diagnoses.

import Foundation
import Glibc
import Testing

@testable import SocketOptions

/// This process's command name, as /proc shows it to the diagnosis.
private func ownCommandName() -> String {
    (readText("/proc/self/comm") ?? "").trimmingCharacters(in: "\n")
}

/// A python3 child that names itself `name` (prctl PR_SET_NAME), listens on 127.0.0.1:`port`
/// (with SO_REUSEPORT when asked) as `uid`, prints its port and holds it until its stdin closes.
private final class HoldingChild {
    let process = Process()
    let input = Pipe()
    let port: UInt16

    init(uid: UInt32, name: String, reusePort: Bool, port: UInt16 = 0) throws {
        let script = """
            import ctypes, os, socket, sys
            ctypes.CDLL(None).prctl(15, sys.argv[1].encode("utf-8", "surrogateescape"), 0, 0, 0)
            def others(port, inode):  # rows of /proc/net/tcp{,6} on the port that are not s
                rows = [l.split() for t in ("tcp", "tcp6") for l in open("/proc/net/" + t).readlines()[1:]]
                return [r for r in rows if int(r[1].split(":")[1], 16) == port and int(r[9]) != inode]
            # Port 0 may hand out a port with a leftover TIME_WAIT: take a clean one, as
            # listenerOnCleanPort does, so that the findings are this listener's alone.
            for _ in range(100):
                s = socket.socket()
                if sys.argv[2] == "1": s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                s.bind(("127.0.0.1", int(sys.argv[3]))); s.listen()
                if sys.argv[3] != "0" or not others(s.getsockname()[1], os.fstat(s.fileno()).st_ino): break
                s.close()
            print(s.getsockname()[1], flush=True)
            sys.stdin.read()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = [
            "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "/usr/bin/python3", "-c", script, name,
            reusePort ? "1" : "0", String(port),
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = UInt16(line.trimmingCharacters(in: "\n")) else {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            throw SocketError.invalidArgument("the child printed \"\(line)\"")
        }
        self.port = port
    }

    /// Ends the child (its stdin closes, it exits) and waits for it: it is stopped by its own pid.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

/// A listener on 127.0.0.1 at a port drawn from `ports`, tried until one is free.
private func listenerOnAFreePort(in ports: Range<UInt16>) throws -> ListeningSocket {
    for _ in 0..<100 {
        let address = SocketAddress.ipv4Loopback(port: UInt16.random(in: ports))
        if let listener = try? ListeningSocket(address: address, options: [.reuseAddress(true)]) { return listener }
    }
    throw SocketError.invalidArgument("no free port in \(ports)")
}

/// The diagnosis of the EADDRINUSE that a listener on `address` gets; throws if it gets none. For
/// code on a thread of its own (``inPrivateNetworkNamespace(_:)``), where expectations cannot be
/// recorded.
private func diagnosisOfASecondListener(
    on address: SocketAddress,
    options: [SocketOption]
) throws -> AddressInUseDiagnosis {
    do {
        _ = try ListeningSocket(address: address, options: options)
    } catch {
        guard let diagnosis = error.addressInUseDiagnosis(type: .stream, options: options) else {
            throw NamespaceFailure(step: "a second listener on \(address) got \(error), not EADDRINUSE", errno: 0)
        }
        return diagnosis
    }
    throw NamespaceFailure(step: "a second listener on \(address) was accepted", errno: 0)
}

/// True when every character is printable or a line break: nothing a terminal would act on.
private func isPrintable(_ text: String) -> Bool {
    text.unicodeScalars.allSatisfy {
        $0 == "\n" || ($0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value))
    }
}

extension KernelTests {
    @Suite("EADDRINUSE diagnosis: explicit, per protocol, per holder")
    struct DiagnosisAdviceTests {
        @Test("An error's description reads nothing: no system call, and the same text whoever holds the port")
        func descriptionIsPure() throws {
            let holder = try ListeningSocket(address: anyLoopbackPort)
            let address = holder.localAddress
            let error = try #require(throws: SocketError.self) { _ = try ListeningSocket(address: address) }
            let (held, calls) = recording { error.description }
            #expect(calls.isEmpty, "description made system calls: \(calls)")
            #expect(!held.contains("process \(getpid())"))
            // The diagnosis, asked for, is what reads /proc, through the recorded wrappers.
            let (diagnosis, diagnosisCalls) = recording { AddressInUseDiagnosis(address: address) }
            #expect(diagnosis.findings.contains { if case .listener = $0 { true } else { false } })
            #expect(diagnosisCalls.contains { $0.kind == .open } && diagnosisCalls.contains { $0.kind == .readlink })
            try holder.close()
            #expect(error.description == held)
        }

        @Test("A UDP port in use is diagnosed from the UDP tables, not by a TCP listener on the same number")
        func datagramUsesUDPTables() throws {
            let udp = try DatagramSocket(address: anyLoopbackPort)
            let address = udp.localAddress
            // An unrelated TCP listener on the same port number, which the TCP tables would name.
            let tcp = try? ListeningSocket(address: address)
            let error = try #require(throws: SocketError.self) { _ = try DatagramSocket(address: address) }
            #expect(error == .addressInUse(address, errno: .addressInUse))
            #expect(error.description.contains("ss -lunp 'sport = :\(address.port)'"))
            let diagnosis = try #require(error.addressInUseDiagnosis(type: .datagram))
            let owner = AddressInUseDiagnosis.Owner(pid: getpid(), command: ownCommandName())
            #expect(
                diagnosis.findings.contains(.datagramSocket(address: address.description, uid: geteuid(), owner: owner))
            )
            #expect(!diagnosis.findings.contains { if case .listener = $0 { true } else { false } })
            #expect(!diagnosis.description.contains("listening on"))
            #expect(diagnosis.description.contains("UDP"))
            _ = tcp
        }

        @Test("A client's TIME_WAIT on the port is told from a listener's, and reuseAddress is not asked for twice")
        func clientTimeWait() throws {
            // In a namespace of its own: the TIME_WAIT must survive until the diagnosis reads it, and
            // the table read must be short. On the machine's loopback, other processes' connection
            // storms fill the TIME_WAIT table (net.ipv4.tcp_max_tw_buckets drops the overflow) and
            // make its rows move while /proc/net/tcp is read a page at a time.
            let outcome = try inPrivateNetworkNamespace { () throws -> [String] in
                try runToEnd(["/usr/sbin/ip", "link", "set", "lo", "up"])
                // Expectations are recorded by the test's task: this thread returns what it saw.
                guard let range = ProcessTables.ephemeralPortRange(), range.lowerBound > 2000 else {
                    return ["the test needs server ports below the ephemeral range"]
                }
                // A server on a port below the ephemeral range, so that the client's port is the one in it.
                let listener = try listenerOnAFreePort(in: 1024..<range.lowerBound)
                let client = try Connection(connectingTo: listener.localAddress)
                let clientPort = client.localAddress.port
                let accepted = try listener.accept()
                try client.close()  // the client closes first: the TIME_WAIT is the client's
                _ = try accepted.receiveAll()
                try accepted.close()
                try listener.close()
                // The client enters TIME_WAIT when the server's FIN reaches it, a softirq away: wait for
                // that event, bounded; TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN).
                for _ in 0..<200 where tcpSockets(localPort: clientPort, state: "06") == 0 { usleep(5_000) }
                guard tcpSockets(localPort: clientPort, state: "06") > 0 else { return ["no TIME_WAIT"] }

                let address = SocketAddress.ipv4Loopback(port: clientPort)
                let options: [SocketOption] = [.reuseAddress(true)]
                let diagnosis = try diagnosisOfASecondListener(on: address, options: options)
                return [
                    "client TIME_WAIT \(diagnosis.findings.contains { if case .clientTimeWait = $0 { true } else { false } })",
                    "reuseAddress \(diagnosis.reuseAddress.map(String.init) ?? "nil")", diagnosis.description,
                ]
            }
            #expect(outcome.prefix(2) == ["client TIME_WAIT true", "reuseAddress true"])
            let text = outcome.last ?? ""
            #expect(!text.contains("give .reuseAddress(true)"), "it asks for what was set: \(text)")
            #expect(!text.contains("earlier listener hold"), "\(text)")
            #expect(text.contains("ip_local_port_range") && text.contains("client"), "\(text)")
        }

        @Test("A diagnosis made on a thread in another network namespace reads that namespace's tables")
        func diagnosisReadsTheCallingThreadsNamespace() throws {
            // The namespace belongs to the thread (unshare(CLONE_NEWNET) moves only the caller):
            // /proc/net shows the main thread's tables, where neither socket below exists.
            let (address, findings) = try inPrivateNetworkNamespace {
                () throws -> (SocketAddress, [AddressInUseDiagnosis.Finding]) in
                try runToEnd(["/usr/sbin/ip", "link", "set", "lo", "up"])
                let holder = try ListeningSocket(address: anyLoopbackPort)
                let address = holder.localAddress
                let diagnosis = try diagnosisOfASecondListener(on: address, options: ListeningSocket.defaultOptions)
                try holder.close()
                return (address, diagnosis.findings)
            }
            // The namespace is new and empty: the holder is the only socket on its port.
            let owner = AddressInUseDiagnosis.Owner(pid: getpid(), command: ownCommandName())
            #expect(findings == [.listener(address: address.description, uid: geteuid(), owner: owner)])
        }

        @Test("Another user's plain listener: the advice fits with or without SO_REUSEPORT, and its name is escaped")
        func foreignListenerWithEscapesInItsName() throws {
            let nobody: UInt32 = 65534
            let name = "ev\u{1B}[31mil\u{7}"
            let child = try HoldingChild(uid: nobody, name: name, reusePort: false)
            defer { child.stop() }
            let address = SocketAddress.ipv4Loopback(port: child.port)
            let error = try #require(throws: SocketError.self) {
                _ = try ListeningSocket(address: address, options: [.reuseAddress(true), .reusePort(true)])
            }
            let diagnosis = try #require(error.addressInUseDiagnosis)
            let owner = AddressInUseDiagnosis.Owner(pid: child.process.processIdentifier, command: #"ev\x1b[31mil\x07"#)
            #expect(diagnosis.findings == [.listener(address: address.description, uid: nobody, owner: owner)])
            let text = diagnosis.description
            #expect(isPrintable(text), "raw control characters in: \(text.debugDescription)")
            #expect(text.contains("uid \(nobody)") && text.contains("choose another port"))
            // Running as that user only helps if its listener set SO_REUSEPORT, which /proc cannot tell.
            #expect(!text.contains("run as that user"), "\(text)")
        }

        @Test("Two processes on the port: the advice speaks of both")
        func twoHolders() throws {
            let child = try HoldingChild(uid: geteuid(), name: "holder", reusePort: true)
            defer { child.stop() }
            let address = SocketAddress.ipv4Loopback(port: child.port)
            let ours = try ListeningSocket(address: address, options: [.reusePort(true)])
            let error = try #require(throws: SocketError.self) { _ = try ListeningSocket(address: address) }
            let diagnosis = try #require(error.addressInUseDiagnosis)
            let pids = diagnosis.findings.compactMap { finding -> Int32? in
                if case .listener(_, _, let owner?) = finding { return owner.pid }
                return nil
            }
            #expect(Set(pids) == [getpid(), child.process.processIdentifier])
            #expect(diagnosis.description.contains("Stop those 2 processes"), "\(diagnosis.description)")
            #expect(!diagnosis.description.contains("Stop that process"))
            _ = ours
        }

        @Test("The search for owners stops at its bound and says so")
        func boundedSearch() throws {
            // A clean port: the findings compared below are this listener's alone.
            let holder = try listenerOnCleanPort()
            let address = holder.localAddress
            let unbounded = ProcessTables.report(for: address, type: .stream)
            #expect(unbounded.ownersComplete)
            #expect(unbounded.findings.contains { if case .listener(_, _, _?) = $0 { true } else { false } })
            // No descriptor may be looked at: the listener is still found in the table, without its process.
            let (bounded, calls) = recording { ProcessTables.report(for: address, type: .stream, descriptorBudget: 0) }
            #expect(!bounded.ownersComplete)
            #expect(bounded.findings == [.listener(address: address.description, uid: geteuid(), owner: nil)])
            #expect(!calls.contains { $0.kind == .readlink })
        }

        @Test("Text from /proc is escaped: control characters, bidi marks, backslashes and bytes that are not UTF-8")
        func printable() {
            #expect(PrintableText.escaped(Array("nginx".utf8)) == "nginx")
            #expect(PrintableText.escaped([0x65, 0x1B, 0x5B, 0x32, 0x4A]) == #"e\x1b[2J"#)
            #expect(PrintableText.escaped(Array("a\\b".utf8)) == #"a\\b"#)
            #expect(PrintableText.escaped([0x61, 0xFF, 0x62]) == #"a\xffb"#)
            #expect(PrintableText.escaped(Array("x\u{9B}y\u{202E}z".utf8)) == #"x\u{9b}y\u{202e}z"#)
            #expect(PrintableText.escaped(Array("café".utf8)) == "café")
        }
    }
}
