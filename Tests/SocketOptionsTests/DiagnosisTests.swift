// SocketOptions tests: an EADDRINUSE that says what holds the address. Each test makes the
// situation it diagnoses.

import Foundation
import Glibc
import Testing

@testable import SocketOptions

/// This process's command name, as /proc shows it to the diagnosis.
private func ownCommand() -> String {
    (readText("/proc/self/comm") ?? "").trimmingCharacters(in: "\n")
}

extension KernelTests {
    @Suite("EADDRINUSE diagnosis")
    struct DiagnosisTests {
        @Test("A port held by our own listener names this process")
        func ownListener() throws {
            let holder = try listenerOnCleanPort()
            let address = holder.localAddress
            let error = try #require(throws: SocketError.self) { _ = try ListeningSocket(address: address) }
            #expect(error == .addressInUse(address, errno: .addressInUse))
            let diagnosis = try #require(error.addressInUseDiagnosis)
            let owner = AddressInUseDiagnosis.Owner(pid: getpid(), command: ownCommand())
            #expect(diagnosis.findings == [.listener(address: address.description, uid: geteuid(), owner: owner)])
            // The diagnosis says it; the error's description, which reads nothing, does not.
            #expect(diagnosis.description.contains("process \(getpid()) (\(ownCommand()))"))
            #expect(diagnosis.description.contains("Stop that process or choose another port"))
        }

        @Test("A port held only by TIME_WAIT says so, and that reuseAddress on both sides fixes it")
        func timeWaitOnly() throws {
            // In a namespace of its own: on the machine's, other processes' connection storms fill the
            // TIME_WAIT table, and the kernel then closes new TIME_WAIT sockets at once
            // (net.ipv4.tcp_max_tw_buckets; TcpExt TCPTimeWaitOverflow counts them), and another
            // process's SO_REUSEADDR socket may take the port once the listener is closed.
            let diagnosis = try inPrivateNetworkNamespace { () throws -> AddressInUseDiagnosis? in
                try runToEnd(["/usr/sbin/ip", "link", "set", "lo", "up"])
                let old = try listenerOnCleanPort(options: [.reuseAddress(true)])
                let address = old.localAddress
                for _ in 0..<3 {
                    let client = try Connection(connectingTo: address)
                    let server = try old.accept()
                    try server.close()
                    _ = try client.receiveAll()
                    try client.close()
                }
                try old.close()
                // A server's side enters TIME_WAIT when the client's FIN reaches it, a softirq away
                // (ksoftirqd's, on a loaded machine): wait for that event, bounded.
                for _ in 0..<200 where tcpSockets(localPort: address.port, state: "06") < 3 { usleep(5_000) }
                do throws(SocketError) {
                    _ = try ListeningSocket(address: address, options: [.reuseAddress(false)])
                    return nil
                } catch {
                    return error.addressInUseDiagnosis
                }
            }
            let found = try #require(diagnosis, "no EADDRINUSE without reuseAddress, or not diagnosed")
            // Three closed server-first, on a port that held nothing before, in an empty namespace.
            #expect(found.findings == [.timeWait(count: 3)])
            #expect(found.description.contains("give .reuseAddress(true) to both the old and the new listener"))
        }

        @Test("A SO_REUSEPORT group of another user cannot be joined, and the diagnosis says whose it is")
        func otherUsersReusePortGroup() throws {
            let nobody: UInt32 = 65534
            // A child process, run as another user, holds a reusePort listener until its stdin closes.
            // Debian's python3, which that user can run (a per-user install under /root is not readable).
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            child.arguments = [
                "--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", "/usr/bin/python3", "-c",
                """
                import os, socket, sys
                def others(port, inode):  # rows of /proc/net/tcp{,6} on the port that are not s
                    rows = [l.split() for t in ("tcp", "tcp6") for l in open("/proc/net/" + t).readlines()[1:]]
                    return [r for r in rows if int(r[1].split(":")[1], 16) == port and int(r[9]) != inode]
                for _ in range(100):  # a clean port, as listenerOnCleanPort chooses one
                    s = socket.socket()
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                    s.bind(("127.0.0.1", 0)); s.listen()
                    if not others(s.getsockname()[1], os.fstat(s.fileno()).st_ino): break
                    s.close()
                print(s.getsockname()[1], flush=True)
                sys.stdin.read()
                """,
            ]
            let output = Pipe()
            let input = Pipe()
            child.standardOutput = output
            child.standardInput = input
            try child.run()
            defer {
                try? input.fileHandleForWriting.close()
                child.waitUntilExit()
            }
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            let port = try #require(UInt16(line.trimmingCharacters(in: "\n")), "the child printed \(line)")
            let address = SocketAddress.ipv4Loopback(port: port)

            let error = try #require(throws: SocketError.self) {
                _ = try ListeningSocket(address: address, options: [.reuseAddress(true), .reusePort(true)])
            }
            #expect(error == .addressInUse(address, errno: .addressInUse))
            let diagnosis = try #require(error.addressInUseDiagnosis)
            let owner = AddressInUseDiagnosis.Owner(pid: child.processIdentifier, command: "python3")
            #expect(diagnosis.findings == [.listener(address: address.description, uid: nobody, owner: owner)])
            #expect(diagnosis.description.contains("another user (uid 65534)"))
        }

        @Test("Unix paths: a live server names this process; a stale file and a non-socket are told apart")
        func unixPaths() throws {
            try withTemporaryDirectory { directory in
                let livePath = directory + "/live.sock"
                let live = try ListeningSocket(address: try .unix(path: livePath))
                let error = try #require(throws: SocketError.self) {
                    _ = try ListeningSocket(address: try .unix(path: livePath))
                }
                let owner = AddressInUseDiagnosis.Owner(pid: getpid(), command: ownCommand())
                // A listener of this package also holds the lock beside its path.
                #expect(
                    error.addressInUseDiagnosis?.findings == [
                        .liveUnixServer(path: livePath, owner: owner),
                        .heldLock(path: livePath + ".lock", owner: owner),
                    ]
                )
                _ = live

                let stalePath = directory + "/stale.sock"
                let dead = rawSocket(AF_UNIX, CInt(SOCK_STREAM.rawValue))
                #expect(try SocketAddress.unix(path: stalePath).withSockAddr { bind(dead, $0, $1) } == 0)
                close(dead)
                #expect(
                    AddressInUseDiagnosis(address: try .unix(path: stalePath)).findings == [
                        .staleUnixFile(path: stalePath)
                    ]
                )

                let filePath = directory + "/notes.txt"
                let file = try #require(fopen(filePath, "w"))
                fclose(file)
                let notSocket = try #require(throws: SocketError.self) {
                    _ = try ListeningSocket(address: try .unix(path: filePath))
                }
                #expect(notSocket.addressInUseDiagnosis?.findings == [.notASocket(path: filePath)])
                #expect(notSocket.description.contains("never removes it"))
            }
        }

        @Test("Other errors have no diagnosis, and an address nobody holds shows nothing")
        func nothingToDiagnose() throws {
            #expect(SocketError.invalidBacklog(-1).addressInUseDiagnosis == nil)
            let port = try listenerOnCleanPort().localAddress.port
            #expect(AddressInUseDiagnosis(address: .ipv4Loopback(port: port)).findings.isEmpty)
        }
    }
}
