// SocketOptions: what to do about an errno, by the call that returned it and the address family.
//
// One table: each row names the calls and the family it is for, the errnos, and the advice, written
// from what the man page of the call (socket(2), bind(2), listen(2), connect(2), accept(2),
// setsockopt(2), close(2), send(2), recv(2), chmod(2), unix(7), ip(7)) says the errno means there.
// The first matching row wins, so a row for one call and family comes before a general one.

enum ErrorAdvice {
    /// The system call, without its arguments.
    enum Call: Hashable, Sendable, CaseIterable {
        case socket, bind, listen, connect, accept, setOption, getOption, localAddress, close, send, receive, chmod
        /// shutdown(SHUT_RD) of a listener, to stop it accepting.
        case shutdown
        /// setsockopt through the escape hatch: the bytes were not checked, so their size may be wrong.
        /// Every row for `setOption` is for it too, after its own.
        case setRawOption
        /// open and flock of the lock file beside a Unix socket file (PATH.lock).
        case lockFile
        /// renameat of a stale Unix socket file into a private directory, before it is removed.
        case removeStaleFile
    }

    /// The address family a row is for.
    enum Scope: Hashable, Sendable {
        case any, ip, unix

        func matches(_ family: SocketFamily?) -> Bool {
            switch (self, family) {
            case (.any, _): true
            case (.ip, .ipv4?), (.ip, .ipv6?): true
            case (.unix, .unix?): true
            default: false
            }
        }
    }

    struct Row: Sendable {
        /// The calls it is for; empty for every call.
        var calls: [Call]
        var scope: Scope
        var errnos: [Errno]
        var text: String
    }

    /// The advice for `errno` from `call` on a socket of `family` (nil when the call does not say).
    static func advice(call: Call, family: SocketFamily?, errno: Errno) -> String {
        row(call: call, family: family, errno: errno)?.text
            ?? "See the \(call.manPage) man page for what \(errno.name) means there."
    }

    static func row(call: Call, family: SocketFamily?, errno: Errno) -> Row? {
        rows.first { row in
            (row.calls.isEmpty || row.calls.contains(call) || (call == .setRawOption && row.calls.contains(.setOption)))
                && row.scope.matches(family) && row.errnos.contains(errno)
        }
    }

    private static let pathTooLong =
        "A name on the path is longer than the file system allows (255 bytes a component): shorten it."

    static let rows: [Row] = [
        // socket(2)
        Row(
            calls: [.socket],
            scope: .any,
            errnos: [.addressFamilyNotSupported],
            text: "This kernel has the address family turned off (IPv6 disabled with ipv6.disable=1?): use an IPv4 "
                + "address, or turn the family on."
        ),
        Row(
            calls: [.socket],
            scope: .any,
            errnos: [.protocolNotSupported, .socketTypeNotSupported],
            text: "The kernel does not offer this socket type in this family (a module not loaded?): use another type."
        ),
        Row(
            calls: [.socket],
            scope: .any,
            errnos: [.permissionDenied, .notPermitted],
            text: "A security policy (seccomp, SELinux, AppArmor) forbids this process to create such a socket: "
                + "allow it in the policy."
        ),
        // bind(2), unix(7): the path names a file to create.
        Row(
            calls: [.bind],
            scope: .unix,
            errnos: [.permissionDenied],
            text: "The process may not create the socket file: it lacks search permission on a directory of the "
                + "path, or write permission on the directory that would hold it. Choose a directory it can write, "
                + "such as one under /run that belongs to its user."
        ),
        Row(
            calls: [.bind, .chmod, .lockFile],
            scope: .unix,
            errnos: [.noSuchEntry],
            text: "A directory on the path does not exist: create it first (mkdir -p), or fix the path."
        ),
        Row(
            calls: [.bind, .connect, .chmod, .send, .lockFile],
            scope: .unix,
            errnos: [.notDirectory],
            text: "A component of the path that should be a directory is not one: fix the path."
        ),
        Row(
            calls: [.bind, .connect, .chmod],
            scope: .unix,
            errnos: [.isDirectory],
            text: "The path names a directory, or ends in a slash: give the path of the socket file itself, "
                + "without a trailing slash (/run/app.sock, or /run/app/server.sock inside a directory)."
        ),
        Row(calls: [.bind, .connect, .chmod, .send], scope: .unix, errnos: [.nameTooLong], text: pathTooLong),
        Row(
            calls: [.bind, .connect, .chmod, .send],
            scope: .unix,
            errnos: [.tooManySymbolicLinks],
            text: "Resolving the path met too many symbolic links (a loop?): use a path without them."
        ),
        Row(
            calls: [.bind, .chmod, .lockFile],
            scope: .unix,
            errnos: [.readOnlyFileSystem],
            text: "The socket file would be on a read-only file system: choose a writable directory, such as /run "
                + "or /tmp."
        ),
        Row(
            calls: [.bind],
            scope: .unix,
            errnos: [.noSpace, .diskQuotaExceeded],
            text: "The file system has no room (space, inodes or quota) for the socket file: free some, or choose "
                + "another directory."
        ),
        Row(
            calls: [.bind],
            scope: .unix,
            errnos: [.addressInUse],
            text: "A file exists at the path: the socket file of a live server (a socket is bound to it, listening "
                + "or about to), or a file that is not a socket. Stop that server or choose another path."
        ),
        // A lock file held by another process is .addressInUse, whose diagnosis names the holder;
        // one that is not a regular file is .unixPathUnusable(.lockFileNotRegular), which names what
        // it is. The EISDIR and ELOOP rows are for an open that said so of a name that fstatat then
        // found changed or could not look at.
        Row(
            calls: [.lockFile],
            scope: .unix,
            errnos: [.permissionDenied, .notPermitted],
            text: "The process may not open or create the lock file beside the socket file (PATH.lock): it needs "
                + "write permission on the directory, or on the lock file if it exists."
        ),
        Row(
            calls: [.lockFile],
            scope: .unix,
            errnos: [.isDirectory],
            text: "PATH.lock, the lock file beside the socket file, is a directory: the package never removes it. "
                + "Remove it (rmdir), or choose another path."
        ),
        Row(
            calls: [.lockFile],
            scope: .unix,
            errnos: [.tooManySymbolicLinks],
            text: "PATH.lock, the lock file beside the socket file, is a symbolic link, which is never followed: "
                + "remove it, or choose another path."
        ),
        // rename(2): EPERM for a sticky directory whose file is another user's; EACCES without write
        // permission on the directory.
        Row(
            calls: [.removeStaleFile],
            scope: .unix,
            errnos: [.notPermitted, .permissionDenied],
            text: "A stale socket file is at the path, and this process may not move or remove it (in a sticky "
                + "directory such as /tmp only the file's owner, the directory's owner or root may): remove it as "
                + "its owner, or choose another path."
        ),
        // bind(2), ip(7)
        Row(
            calls: [.bind],
            scope: .ip,
            errnos: [.permissionDenied, .notPermitted],
            text: "Ports below net.ipv4.ip_unprivileged_port_start (1024 unless changed) need root or "
                + "CAP_NET_BIND_SERVICE; above it, a security policy refused the address. Use a higher port, or "
                + "grant the capability."
        ),
        Row(
            calls: [.bind],
            scope: .ip,
            errnos: [.addressNotAvailable],
            text: "The address is not one of this machine's (an IPv6 address may also still be in duplicate "
                + "address detection): use one that `ip addr` lists, the wildcard, or loopback."
        ),
        Row(
            calls: [.bind],
            scope: .ip,
            errnos: [.addressInUse],
            text: "Another socket holds the port, or TIME_WAIT connections do: see AddressInUseDiagnosis."
        ),
        Row(
            calls: [.bind],
            scope: .any,
            errnos: [.invalidArgument],
            text: "The socket is bound already, or the address does not fit it (an IPv6 link-local address needs "
                + "its interface: [fe80::1%eth0]:PORT)."
        ),
        // listen(2): it checks no port and no path permission.
        Row(
            calls: [.listen],
            scope: .any,
            errnos: [.addressInUse],
            text: "Another socket bound the same port with SO_REUSEADDR and listens on it already: stop it or "
                + "choose another port."
        ),
        Row(
            calls: [.listen],
            scope: .any,
            errnos: [.notSupported],
            text: "This type of socket cannot listen (a datagram socket): use a stream socket."
        ),
        Row(
            calls: [.listen],
            scope: .any,
            errnos: [.invalidArgument],
            text: "The socket cannot listen in its present state (it is connected, or was shut down)."
        ),
        Row(
            calls: [.listen, .accept],
            scope: .any,
            errnos: [.permissionDenied, .notPermitted],
            text: "A security policy refused the call (a firewall rule, SELinux, AppArmor or a cgroup BPF "
                + "program), not a port privilege: check the policy's log."
        ),
        Row(
            calls: [.connect, .send],
            scope: .ip,
            errnos: [.permissionDenied, .notPermitted],
            text: "A broadcast address needs .broadcast(true) (SO_BROADCAST); otherwise a local firewall rule "
                + "refused the connection or datagram: check the rules (`nft list ruleset`)."
        ),
        // connect(2)
        Row(
            calls: [.connect],
            scope: .unix,
            errnos: [.connectionRefused],
            text: "A socket file exists at the path but nothing listens on it (a server that died, or one that has "
                + "bound but not called listen yet): start the server, or try again in a moment."
        ),
        Row(
            calls: [.connect, .send],
            scope: .unix,
            errnos: [.noSuchEntry],
            text: "No socket file exists at the path: the server is not running, or the path is wrong."
        ),
        Row(
            calls: [.connect, .send],
            scope: .unix,
            errnos: [.permissionDenied],
            text: "The process lacks write permission on the socket file or search permission on a directory of "
                + "its path: run as a user the file's mode lets in."
        ),
        Row(
            calls: [.connect],
            scope: .unix,
            errnos: [.wouldBlock],
            text: "The server's accept queue is full: try again later, or let the server accept faster."
        ),
        Row(
            calls: [.connect],
            scope: .unix,
            errnos: [.wrongProtocolType],
            text: "The socket at the path is of another type (stream or datagram): use the type the server uses."
        ),
        Row(
            calls: [.connect],
            scope: .ip,
            errnos: [.connectionRefused],
            text: "Nothing listens on that port at that host (it answered with a reset): start the server, or "
                + "check the address and port."
        ),
        Row(
            calls: [.connect],
            scope: .ip,
            errnos: [.addressNotAvailable],
            text: "No local port is left for a new connection: net.ipv4.ip_local_port_range is used up (many "
                + "connections, or TIME_WAIT). Reuse connections, or widen the range."
        ),
        Row(
            calls: [.connect],
            scope: .ip,
            errnos: [.timedOut],
            text: "The host did not answer in time: it is down, a firewall drops the packets, or the server's "
                + "accept queue is full. Check the host and port, or give the connect more time."
        ),
        Row(
            calls: [.connect],
            scope: .unix,
            errnos: [.timedOut],
            text: "The server did not take the connection in time: its accept queue is full (it accepts too "
                + "slowly, or not at all). Try again later, or let the server accept faster."
        ),
        Row(
            calls: [.connect, .send],
            scope: .ip,
            errnos: [.networkUnreachable],
            text: "No route leads to that network: check `ip route`."
        ),
        Row(
            calls: [.connect, .send],
            scope: .ip,
            errnos: [.hostUnreachable],
            text: "The host cannot be reached (no route, or it does not answer on its network): check `ip route` "
                + "and the host."
        ),
        Row(
            calls: [.connect],
            scope: .any,
            errnos: [.alreadyConnected],
            text: "The socket is connected already: use it, or a new socket for another address."
        ),
        Row(
            calls: [.connect],
            scope: .any,
            errnos: [.inProgress, .alreadyInProgress],
            text: "A non-blocking connect is still under way: wait for the socket to become writable."
        ),
        // accept(2): the listener stays good.
        Row(
            calls: [.accept],
            scope: .any,
            errnos: [.tooManyOpenFiles, .tooManyOpenFilesInSystem, .noBufferSpace, .noMemory],
            text: "Keep the listener: the connection stays queued. Back off, close idle connections, and accept "
                + "again; raise the descriptor limit (`ulimit -n`) if it is the process's."
        ),
        Row(
            calls: [.accept],
            scope: .any,
            errnos: [.wouldBlock],
            text: "No connection was waiting (a non-blocking listener, or its receive timeout ran out): wait and "
                + "accept again."
        ),
        Row(
            calls: [.accept],
            scope: .any,
            errnos: [.invalidArgument],
            text: "The socket is not listening: it was never, or it was shut down or closed meanwhile."
        ),
        Row(
            calls: [.accept],
            scope: .any,
            errnos: [.connectionAborted],
            text: "A queued connection was reset before it was accepted: accept again."
        ),
        // setsockopt(2), getsockopt(2)
        Row(
            calls: [.setOption, .getOption],
            scope: .any,
            errnos: [.protocolNotAvailable],
            text: "The kernel does not know this option at this level for this socket: it is older than the "
                + "option, or the feature is not built in. Leave the option out."
        ),
        Row(
            calls: [.setOption, .getOption],
            scope: .any,
            errnos: [.notSupported],
            text: "This kind of socket rejects the option (a TCP option on a Unix-domain socket), or the kernel "
                + "has the feature turned off (TCP_FASTOPEN_CONNECT without client Fast Open in "
                + "net.ipv4.tcp_fastopen): leave it out, or turn the feature on."
        ),
        // A raw value is unchecked: its size is the first suspect (an int is 4 bytes, SO_LINGER's
        // linger 8, SO_RCVTIMEO's timeval 16 on 64-bit Linux).
        Row(
            calls: [.setRawOption],
            scope: .any,
            errnos: [.invalidArgument],
            text: "The value's size may not be the one this option takes (4 bytes for an int, 8 for SO_LINGER's "
                + "struct linger, 16 for the struct timeval of SO_RCVTIMEO on 64-bit Linux), or the value is out of "
                + "the option's range, or the socket is past the point where it can be set (some options only "
                + "before bind)."
        ),
        // setsockopt(2) does not list EDOM: the kernel's timeval check (net/core/sock.c) returns it.
        Row(
            calls: [.setOption],
            scope: .any,
            errnos: [.outOfDomain],
            text: "A timeout's microseconds are out of range: SO_RCVTIMEO and SO_SNDTIMEO take a struct timeval "
                + "whose tv_usec is 0...999999; carry whole seconds into tv_sec."
        ),
        Row(
            calls: [.setOption],
            scope: .any,
            errnos: [.invalidArgument],
            text: "The value is out of the option's range, or the socket is past the point where it can be set "
                + "(some options only before bind)."
        ),
        Row(
            calls: [.setOption, .getOption],
            scope: .any,
            errnos: [.notPermitted, .permissionDenied],
            text: "The option needs a privilege the process lacks (CAP_NET_ADMIN, or CAP_NET_RAW for some; see "
                + "the option's notes): run with the capability, or leave the option out."
        ),
        Row(
            calls: [.setOption],
            scope: .any,
            errnos: [.noSuchDevice],
            text: "There is no network interface with that name or index: see `ip link`."
        ),
        Row(
            calls: [.setOption],
            scope: .any,
            errnos: [.noSuchEntry],
            text: "The kernel has nothing by that name, or nothing to remove: for TCP_CONGESTION, no algorithm of "
                + "that name is loaded (see net.ipv4.tcp_available_congestion_control; modprobe tcp_NAME); for "
                + "SO_DETACH_FILTER, no filter is attached."
        ),
        Row(
            calls: [.setOption],
            scope: .any,
            errnos: [.addressInUse],
            text: "The socket is a member of this multicast group on this interface already: join it once."
        ),
        Row(
            calls: [.setOption],
            scope: .any,
            errnos: [.addressNotAvailable],
            text: "The address is not one of this machine's (IP_MULTICAST_IF), or the socket is not a member of "
                + "the group it leaves: see `ip addr`, and leave only what was joined."
        ),
        Row(
            calls: [.getOption],
            scope: .any,
            errnos: [.noSuchEntry],
            text: "There is nothing to report: for SO_ORIGINAL_DST, no NAT rule redirected this connection, so its "
                + "destination is its own local address."
        ),
        Row(
            calls: [.getOption],
            scope: .any,
            errnos: [.notConnected],
            text: "The option reports on a peer (IP_MTU: the path MTU to it), and the socket is not connected."
        ),
        // close(2): never retried.
        Row(
            calls: [.close],
            scope: .any,
            errnos: [.interrupted],
            text: "A signal interrupted close, but the descriptor is closed all the same: do not close it again."
        ),
        Row(
            calls: [.close],
            scope: .any,
            errnos: [.badFileDescriptor],
            text: "The descriptor was closed already: something closed it twice, which can close another "
                + "socket that took its number."
        ),
        Row(
            calls: [.close],
            scope: .any,
            errnos: [.ioError, .noSpace, .diskQuotaExceeded],
            text: "Data may not have been written out, but the descriptor is closed: do not close it again."
        ),
        // shutdown(2) of a listener. ENOTCONN (already stopped) is not an error there.
        Row(
            calls: [.shutdown],
            scope: .any,
            errnos: [.badFileDescriptor],
            text: "The listener's descriptor was closed under it (by a close of its raw descriptor elsewhere): "
                + "nothing is listening there any more, and its number may belong to another file now. Find what "
                + "closed it; never close a listener's rawDescriptor."
        ),
        // send(2), recv(2)
        Row(
            calls: [.send, .receive],
            scope: .any,
            errnos: [.connectionReset, .brokenPipe],
            text: "The peer closed or reset the connection: drop it."
        ),
        Row(
            calls: [.send],
            scope: .any,
            errnos: [.wouldBlock],
            text: "There was no room to send until the send timeout ran out: the receiver is not reading (its "
                + "queue, or the send buffer, is full) or reads too slowly. Retry later, or drop the peer."
        ),
        Row(
            calls: [.receive],
            scope: .any,
            errnos: [.wouldBlock],
            text: "The receive timeout ran out before anything arrived: wait again, or drop the connection."
        ),
        Row(
            calls: [.send],
            scope: .any,
            errnos: [.messageTooLong],
            text: "The datagram is larger than the protocol can carry in one piece (65507 bytes for UDP over "
                + "IPv4): send less."
        ),
        Row(
            calls: [.send, .receive],
            scope: .any,
            errnos: [.connectionRefused],
            text: "An earlier datagram found nothing listening at the destination (ICMP port unreachable): check "
                + "that the peer runs."
        ),
        Row(
            calls: [.send, .receive],
            scope: .any,
            errnos: [.notConnected],
            text: "The socket is not connected: connect it, or give a destination."
        ),
        Row(
            calls: [.send, .receive],
            scope: .any,
            errnos: [.timedOut],
            text: "The connection timed out (keepalive or TCP_USER_TIMEOUT gave up): the peer is unreachable; "
                + "drop it."
        ),
        Row(
            calls: [.send],
            scope: .any,
            errnos: [.permissionDenied, .notPermitted],
            text: "A datagram to a broadcast address needs .broadcast(true) (SO_BROADCAST); otherwise a local "
                + "firewall rule refused it."
        ),
        Row(
            calls: [.send],
            scope: .any,
            errnos: [.noBufferSpace],
            text: "The interface's queue is full: back off and send again."
        ),
        // chmod(2) of the socket file.
        Row(
            calls: [.chmod],
            scope: .unix,
            errnos: [.notPermitted],
            text: "The process does not own the socket file (and lacks CAP_FOWNER): run as its owner."
        ),
        Row(
            calls: [.chmod],
            scope: .unix,
            errnos: [.permissionDenied],
            text: "The process lacks search permission on a directory of the path: give it that, or choose "
                + "another directory."
        ),
        // Any call.
        Row(
            calls: [],
            scope: .any,
            errnos: [.tooManyOpenFiles],
            text: "The process has no descriptor left: close unused ones or raise its limit (`ulimit -n`)."
        ),
        Row(
            calls: [],
            scope: .any,
            errnos: [.tooManyOpenFilesInSystem],
            text: "The system has no descriptor left (fs.file-max): close descriptors or raise the limit."
        ),
        Row(
            calls: [],
            scope: .any,
            errnos: [.noBufferSpace, .noMemory],
            text: "The kernel is short of memory: back off and try again."
        ),
        Row(
            calls: [],
            scope: .any,
            errnos: [.badFileDescriptor],
            text: "The descriptor is not open: it was closed already, or never was a descriptor."
        ),
        Row(
            calls: [],
            scope: .any,
            errnos: [.notSocket],
            text: "The descriptor is not a socket: pass a socket's descriptor."
        ),
        Row(
            calls: [],
            scope: .any,
            errnos: [.interrupted],
            text: "A signal interrupted the call: call it again."
        ),
        Row(
            calls: [],
            scope: .any,
            errnos: [.badAddress],
            text: "A pointer passed to the kernel was not valid memory: a bug in the caller."
        ),
    ]
}

extension ErrorAdvice.Call {
    /// The man page that explains the call's errors.
    var manPage: String {
        switch self {
        case .socket: "socket(2)"
        case .bind: "bind(2)"
        case .listen: "listen(2)"
        case .connect: "connect(2)"
        case .accept: "accept(2)"
        case .setOption, .setRawOption: "setsockopt(2)"
        case .getOption: "getsockopt(2)"
        case .localAddress: "getsockname(2)"
        case .close: "close(2)"
        case .shutdown: "shutdown(2)"
        case .send: "send(2)"
        case .receive: "recv(2)"
        case .chmod: "chmod(2)"
        case .lockFile: "flock(2)"
        case .removeStaleFile: "rename(2)"
        }
    }
}

extension SocketError.Operation {
    /// The call, and the address family when the operation names an address.
    var adviceKey: (call: ErrorAdvice.Call, family: SocketFamily?) {
        switch self {
        case .socket: (.socket, nil)
        case .setOption: (.setOption, nil)
        case .setRawOption: (.setRawOption, nil)
        case .getOption, .tcpInfo, .getReadOnlyOption, .getRawOption: (.getOption, nil)
        case .bind(let address): (.bind, address.family)
        case .listen(let address): (.listen, address.family)
        case .connect(let address): (.connect, address.family)
        case .accept: (.accept, nil)
        case .localAddress: (.localAddress, nil)
        case .send: (.send, nil)
        case .receive: (.receive, nil)
        case .close: (.close, nil)
        case .stopAccepting: (.shutdown, nil)
        case .chmod(let address): (.chmod, address.family)
        case .lockFile(let address): (.lockFile, address.family)
        case .removeStaleFile(let address): (.removeStaleFile, address.family)
        }
    }
}
