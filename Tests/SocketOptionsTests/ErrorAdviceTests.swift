// SocketOptions tests: the advice for each errno fits the call and the family that got it. Each
// case states, in its own words, what the man page of the call says the errno means there.

import Testing

@testable import SocketOptions

private let ip4 = SocketAddress.ipv4Any(port: 8080)
private let ip6 = SocketAddress.ipv6Any(port: 8080)
private let unixPath = try! SocketAddress.unix(path: "/run/app/app.sock")

/// One row of the advice table seen from outside: the call, its errno, and what the advice must
/// say (and must not say: advice meant for another call or family).
struct AdviceCase: CustomTestStringConvertible, Sendable {
    var operation: SocketError.Operation
    var errno: Errno
    var says: [String]
    var never: [String] = []

    var testDescription: String { "\(operation) \(errno.name)" }
}

private let cases: [AdviceCase] = [
    // socket(2)
    AdviceCase(operation: .socket, errno: .tooManyOpenFiles, says: ["ulimit -n"]),
    AdviceCase(operation: .socket, errno: .tooManyOpenFilesInSystem, says: ["fs.file-max"]),
    AdviceCase(operation: .socket, errno: .noMemory, says: ["memory", "try again"]),
    AdviceCase(operation: .socket, errno: .protocolNotSupported, says: ["type"]),
    AdviceCase(operation: .socket, errno: .permissionDenied, says: ["security policy"], never: ["port"]),
    AdviceCase(operation: .bind(ip6), errno: .invalidArgument, says: ["bound already", "fe80"]),
    // bind(2) of a Unix path: the errors of creating a file.
    AdviceCase(
        operation: .bind(unixPath),
        errno: .noSuchEntry,
        says: ["directory", "does not exist", "mkdir"],
        never: ["congestion"]
    ),
    AdviceCase(operation: .bind(unixPath), errno: .notDirectory, says: ["not a directory", "path"]),
    AdviceCase(operation: .bind(unixPath), errno: .nameTooLong, says: ["255"]),
    AdviceCase(operation: .bind(unixPath), errno: .tooManySymbolicLinks, says: ["symbolic links"]),
    AdviceCase(operation: .bind(unixPath), errno: .readOnlyFileSystem, says: ["read-only", "writable directory"]),
    AdviceCase(operation: .bind(unixPath), errno: .noSpace, says: ["room"]),
    AdviceCase(
        operation: .bind(unixPath),
        errno: .permissionDenied,
        says: ["search permission", "write permission"],
        never: ["unprivileged_port", "CAP_NET_BIND_SERVICE"]
    ),
    AdviceCase(operation: .bind(unixPath), errno: .addressInUse, says: ["live server", "another path"]),
    AdviceCase(operation: .bind(unixPath), errno: .isDirectory, says: ["ends in a slash", "socket file"]),
    // bind(2) of an IP address.
    AdviceCase(
        operation: .bind(ip4),
        errno: .permissionDenied,
        says: ["ip_unprivileged_port_start", "CAP_NET_BIND_SERVICE"]
    ),
    AdviceCase(operation: .bind(ip6), errno: .addressNotAvailable, says: ["ip addr", "duplicate address detection"]),
    AdviceCase(operation: .bind(ip4), errno: .addressInUse, says: ["AddressInUseDiagnosis"]),
    AdviceCase(operation: .socket, errno: .addressFamilyNotSupported, says: ["IPv4"]),
    // listen(2) looks at no port privilege and no path.
    AdviceCase(
        operation: .listen(ip4),
        errno: .permissionDenied,
        says: ["security policy"],
        never: ["Cannot bind", "unprivileged_port", "CAP_NET_BIND_SERVICE"]
    ),
    AdviceCase(operation: .listen(ip4), errno: .addressInUse, says: ["SO_REUSEADDR", "listens"]),
    AdviceCase(operation: .listen(ip4), errno: .notSupported, says: ["datagram", "stream"]),
    AdviceCase(operation: .listen(ip4), errno: .invalidArgument, says: ["connected", "shut down"]),
    // connect(2)
    AdviceCase(
        operation: .connect(unixPath),
        errno: .connectionRefused,
        says: ["nothing listens", "listen"]
    ),
    AdviceCase(operation: .connect(unixPath), errno: .noSuchEntry, says: ["No socket file"], never: ["congestion"]),
    AdviceCase(operation: .connect(unixPath), errno: .permissionDenied, says: ["write permission on the socket file"]),
    AdviceCase(operation: .connect(unixPath), errno: .wouldBlock, says: ["accept queue is full"]),
    AdviceCase(
        operation: .connect(unixPath),
        errno: .timedOut,
        says: ["did not take the connection in time", "accept queue is full"]
    ),
    AdviceCase(operation: .connect(unixPath), errno: .wrongProtocolType, says: ["stream or datagram"]),
    AdviceCase(operation: .connect(ip4), errno: .connectionRefused, says: ["Nothing listens on that port"]),
    AdviceCase(
        operation: .connect(ip4),
        errno: .addressNotAvailable,
        says: ["ip_local_port_range"],
        never: ["ip addr"]
    ),
    AdviceCase(operation: .connect(ip4), errno: .timedOut, says: ["did not answer", "firewall"]),
    AdviceCase(operation: .connect(ip4), errno: .networkUnreachable, says: ["ip route"]),
    AdviceCase(operation: .connect(ip6), errno: .hostUnreachable, says: ["cannot be reached"]),
    AdviceCase(operation: .connect(ip4), errno: .permissionDenied, says: ["broadcast", "firewall"]),
    AdviceCase(operation: .connect(ip4), errno: .alreadyConnected, says: ["connected already"]),
    AdviceCase(operation: .connect(ip4), errno: .inProgress, says: ["writable"]),
    // accept(2): resource errors keep the listener.
    AdviceCase(operation: .accept, errno: .tooManyOpenFiles, says: ["Keep the listener", "Back off"]),
    AdviceCase(operation: .accept, errno: .wouldBlock, says: ["No connection was waiting"]),
    AdviceCase(operation: .accept, errno: .invalidArgument, says: ["not listening"]),
    AdviceCase(operation: .accept, errno: .connectionAborted, says: ["accept again"]),
    // shutdown(2) of a listener: EBADF means its descriptor was closed under it.
    AdviceCase(
        operation: .stopAccepting,
        errno: .badFileDescriptor,
        says: ["closed under it", "never close a listener's rawDescriptor"],
        never: ["closed it twice"]
    ),
    AdviceCase(operation: .stopAccepting, errno: .notSocket, says: ["not a socket"]),
    AdviceCase(operation: .accept, errno: .notPermitted, says: ["firewall"]),
    // setsockopt(2) and getsockopt(2)
    AdviceCase(operation: .setOption(.noDelay), errno: .protocolNotAvailable, says: ["does not know this option"]),
    AdviceCase(operation: .setOption(.noDelay), errno: .notSupported, says: ["rejects the option"]),
    AdviceCase(operation: .setOption(.keepAliveIdle), errno: .invalidArgument, says: ["range", "before bind"]),
    // Through the escape hatch the size is unchecked: SOL_SOCKET (1), SO_RCVTIMEO (20) given an int.
    AdviceCase(operation: .setRawOption(level: 1, name: 20), errno: .invalidArgument, says: ["size", "range"]),
    AdviceCase(operation: .setRawOption(level: 1, name: 20), errno: .outOfDomain, says: ["tv_usec", "999999"]),
    AdviceCase(operation: .setOption(.mark), errno: .notPermitted, says: ["CAP_NET_ADMIN"]),
    AdviceCase(operation: .setOption(.bindToDevice), errno: .noSuchDevice, says: ["ip link"]),
    AdviceCase(
        operation: .setOption(.congestionControl),
        errno: .noSuchEntry,
        says: ["tcp_available_congestion_control", "modprobe"]
    ),
    AdviceCase(operation: .setOption(.detachFilter), errno: .noSuchEntry, says: ["no filter is attached"]),
    AdviceCase(operation: .setOption(.fastOpenConnect), errno: .notSupported, says: ["net.ipv4.tcp_fastopen"]),
    AdviceCase(operation: .setOption(.joinIPv4Group), errno: .addressInUse, says: ["member", "already"]),
    AdviceCase(operation: .setOption(.leaveIPv4Group), errno: .addressNotAvailable, says: ["not a member"]),
    AdviceCase(
        operation: .getReadOnlyOption(.originalDestination),
        errno: .noSuchEntry,
        says: ["no NAT rule redirected"]
    ),
    AdviceCase(operation: .getReadOnlyOption(.pathMTU), errno: .notConnected, says: ["not connected"]),
    // close(2): never retried.
    AdviceCase(operation: .close, errno: .interrupted, says: ["closed all the same", "do not close it again"]),
    AdviceCase(operation: .close, errno: .badFileDescriptor, says: ["closed already", "twice"]),
    AdviceCase(operation: .close, errno: .ioError, says: ["do not close it again"]),
    // send(2), recv(2)
    AdviceCase(operation: .send, errno: .brokenPipe, says: ["peer closed"]),
    AdviceCase(operation: .send, errno: .wouldBlock, says: ["send timeout", "not reading"]),
    AdviceCase(operation: .receive, errno: .wouldBlock, says: ["receive timeout"]),
    AdviceCase(operation: .send, errno: .messageTooLong, says: ["65507"]),
    AdviceCase(operation: .receive, errno: .connectionRefused, says: ["ICMP port unreachable"]),
    AdviceCase(operation: .receive, errno: .notConnected, says: ["not connected"]),
    AdviceCase(operation: .receive, errno: .timedOut, says: ["keepalive"]),
    AdviceCase(operation: .send, errno: .permissionDenied, says: ["SO_BROADCAST"]),
    AdviceCase(operation: .send, errno: .noBufferSpace, says: ["queue is full"]),
    // chmod(2) of the socket file.
    AdviceCase(operation: .chmod(unixPath), errno: .notPermitted, says: ["does not own"]),
    AdviceCase(operation: .chmod(unixPath), errno: .permissionDenied, says: ["search permission"]),
    // rename(2) of a stale socket file into the private directory.
    AdviceCase(operation: .removeStaleFile(unixPath), errno: .notPermitted, says: ["sticky", "as its owner"]),
    AdviceCase(operation: .removeStaleFile(unixPath), errno: .permissionDenied, says: ["may not move or remove"]),
    // Any call.
    AdviceCase(operation: .localAddress, errno: .notSocket, says: ["not a socket"]),
    AdviceCase(operation: .localAddress, errno: .badFileDescriptor, says: ["not open"]),
    AdviceCase(operation: .receive, errno: .interrupted, says: ["call it again"]),
    AdviceCase(operation: .getOption(.noDelay), errno: .badAddress, says: ["bug"]),
]

@Suite("Advice for each errno of each call")
struct ErrorAdviceTests {
    @Test("The advice says what the errno means for that call and family", arguments: cases)
    func advice(_ example: AdviceCase) {
        let message = SocketError.system(example.operation, example.errno).description
        for phrase in example.says {
            #expect(message.contains(phrase), "missing \"\(phrase)\" in: \(message)")
        }
        for phrase in example.never {
            #expect(!message.contains(phrase), "\"\(phrase)\" does not fit: \(message)")
        }
        #expect(!message.contains("system error"))
        #expect(!message.contains("See the"), "no row for it: \(message)")
    }

    /// The lock file beside a Unix socket file: the call has no SocketError.Operation of its own here.
    private static let lockFileCases: [(Errno, [String])] = [
        (.permissionDenied, ["write permission", "lock file"]),
        (.notPermitted, ["write permission", "lock file"]),
        (.isDirectory, ["PATH.lock", "is a directory", "Remove it"]),
        (.tooManySymbolicLinks, ["PATH.lock", "symbolic link", "remove it"]),
        (.noSuchEntry, ["does not exist"]),
        (.notDirectory, ["should be a directory"]),
        (.readOnlyFileSystem, ["read-only"]),
    ]

    @Test("The lock file beside a Unix socket file gets advice about the lock and its directory")
    func lockFileAdvice() {
        for (errno, phrases) in Self.lockFileCases {
            let advice = ErrorAdvice.advice(call: .lockFile, family: .unix, errno: errno)
            for phrase in phrases { #expect(advice.contains(phrase), "\(errno.name): \(advice)") }
        }
    }

    @Test("Every row of the table is met by one of the cases")
    func everyRowTested() {
        var reached = Set<Int>()
        for (errno, _) in Self.lockFileCases {
            if let row = ErrorAdvice.row(call: .lockFile, family: .unix, errno: errno),
                let index = ErrorAdvice.rows.firstIndex(where: { $0.text == row.text })
            {
                reached.insert(index)
            }
        }
        for example in cases {
            let (call, family) = example.operation.adviceKey
            if let row = ErrorAdvice.row(call: call, family: family, errno: example.errno) {
                if let index = ErrorAdvice.rows.firstIndex(where: { $0.text == row.text }) { reached.insert(index) }
            }
        }
        let missed = ErrorAdvice.rows.indices.filter { !reached.contains($0) }.map { ErrorAdvice.rows[$0].text }
        #expect(missed.isEmpty, "rows no case reaches: \(missed)")
    }

    @Test("An errno without a row points to the call's man page, by the errno's C name")
    func fallback() {
        let message = SocketError.system(.listen(ip4), .noSuchDevice).description
        #expect(message.hasSuffix("See the listen(2) man page for what ENODEV means there."))
    }

    @Test("Common errnos have their C names; none is a bare number or a \"system error\"")
    func errnoNames() {
        let named: [(Errno, String, String)] = [
            (.notDirectory, "ENOTDIR", "not a directory"),
            (.nameTooLong, "ENAMETOOLONG", "file name too long"),
            (.tooManySymbolicLinks, "ELOOP", "too many levels of symbolic links"),
            (.readOnlyFileSystem, "EROFS", "read-only file system"),
            (.noSpace, "ENOSPC", "no space left on device"),
            (.messageTooLong, "EMSGSIZE", "message too long"),
            (.inProgress, "EINPROGRESS", "operation now in progress"),
            (.wrongProtocolType, "EPROTOTYPE", "protocol wrong type for socket"),
        ]
        for (errno, name, explanation) in named {
            #expect(errno.name == name)
            #expect(errno.description == "\(name) (\(explanation))")
        }
        // Linux's errnos 1...40 (EPERM to ELOOP, the classic Unix set): each has its C name.
        for raw in Int32(1)...Int32(40) {
            #expect(!Errno(rawValue: raw).name.hasPrefix("errno "), "errno \(raw) has no name")
        }
        #expect(!SocketError.system(.bind(unixPath), .notDirectory).description.contains("system error"))
        #expect(SocketError.system(.bind(unixPath), .notDirectory).description.contains("ENOTDIR (not a directory)"))
    }
}
