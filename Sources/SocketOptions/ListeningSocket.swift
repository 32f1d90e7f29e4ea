// SocketOptions: a TCP listener, set up in the one order that works.

/// A TCP socket listening on an address, with its options set and verified.
///
/// The initializer does exactly this, in this order: `socket` (close-on-exec), one `setsockopt`
/// per option (the ``defaultOptions`` the caller did not name, then the options given, in their
/// order), each read back with `getsockopt`, then `bind`, then `listen`.
/// Options that only work before bind (``SocketOption/Name/mustPrecedeBind``) can only be given
/// here: the type has no way to set them later, when the kernel would accept and ignore them.
///
/// ```swift
/// let listener = try ListeningSocket(
///     address: try SocketAddress("0.0.0.0:8080"),
///     options: [.reusePort(true)],  // joins the default .reuseAddress(true)
///     backlog: 128)
/// print(listener.localAddress.port)       // the real port, also after binding port 0
/// print(try listener.option(.reuseAddress)) // reuseAddress(on), read back with getsockopt
/// let connection = try listener.accept()
/// ```
///
/// The listener owns its descriptor: it closes it in ``close()`` or when it goes out of scope,
/// and on every failure inside the initializer before the error is thrown. ``stopAccepting()``,
/// from any thread, ends every `accept` waiting on it with ``SocketError/listenerStopped``;
/// ``drainAndStopAccepting(quietPeriod:timeLimit:_:)`` first hands out what is queued.
public struct ListeningSocket: ~Copyable, Sendable, SocketOptionAccess {
    /// The backlog used when none is given. Linux caps every backlog at `net.core.somaxconn`.
    public static let defaultBacklog = 128

    @usableFromInline let descriptor: SocketDescriptor

    /// The listener's descriptor, lent: the listener still owns it. Wait on it with `poll` or an
    /// event loop; never close it.
    @inlinable public var rawDescriptor: Int32 { descriptor.rawValue }

    /// The address the socket is bound to, read back with `getsockname`: after binding port 0,
    /// it carries the port the kernel chose.
    public var localAddress: SocketAddress { record.localAddress }

    /// A stream socket of the family of ``localAddress``: what the listener is, known without
    /// asking the kernel (the initializers made or checked it). The corresponding C options are
    /// `SO_DOMAIN` and `SO_TYPE`.
    public var socketKind: SocketKind { SocketKind.stream(for: localAddress) }

    /// Each option as requested and as the kernel keeps it on the listening socket, in the order
    /// set: the ``defaultOptions`` that were not overridden, then the options given. For `::` or an IPv4-mapped address without ``SocketOption/ipv6Only(_:)`` among the
    /// options, the listener adds `.ipv6Only(false)` last, so that it serves IPv4 too whatever
    /// `net.ipv6.bindv6only` says; a specific IPv6 address such as `::1` is IPv6-only by the
    /// kernel's rule (see ``AppliedOption/changedByBind``).
    public var appliedOptions: [AppliedOption] { record.applied }

    /// What ``localAddress`` and ``appliedOptions`` are read from, and, for a Unix-domain listener
    /// that bound a path, the socket file, removed when the listener goes.
    let record: SocketRecord

    /// Whether ``releaseDescriptor()`` turns O_NONBLOCK off again: the descriptor was blocking when
    /// the listener got it (made here, or adopted blocking).
    let blocksAfterRelease: Bool

    /// The backlog passed to `listen`; 0 for an adopted listener, whose backlog its maker chose (on
    /// Linux, ``tcpInfo()`` reads the one the kernel kept as ``TCPInfo/acceptQueueLimit``).
    public let backlog: Int

    /// Creates a socket, sets its options, binds it to `address` and listens.
    ///
    /// Every argument is checked before the first system call: a bad value throws and nothing
    /// has happened to the system.
    ///
    /// An IPv6 listener serves IPv4 too (through IPv4-mapped addresses) unless `.ipv6Only(true)` is
    /// given: the listener sets `IPV6_V6ONLY` itself rather than leave it to the host's
    /// `net.ipv6.bindv6only`. A dual-stack `[::]:P` holds `0.0.0.0:P` as well.
    ///
    /// For a Unix-domain path `DIR/NAME`, the socket file appears at its path only when it is
    /// already listening and already has `unixFileMode`: the socket is bound and its mode set in a
    /// private directory (0700) made in `DIR`, reached through its descriptor, then the file is
    /// linked to `DIR/NAME`, never over an existing file. Nothing is done through a name that
    /// someone else who can write `DIR` could swap for a symlink. A lock, `DIR/NAME.lock` (`flock`,
    /// held while the listener lives), makes a second instance fail at once with `.addressInUse`.
    /// A socket file that a dead server left behind (no socket in the kernel's table is bound to
    /// it: sock_diag, never a connect to a live server) is recovered; a live server's socket and a
    /// file that is not a socket are never touched (`.addressInUse` then). The file is removed when
    /// the listener closes, if it is still the same file, and so is the lock file.
    /// ``localAddress`` is the path asked for; `getsockname` on the descriptor, a client's
    /// `getpeername` and `ss -x` show the private name the socket was bound under, such as
    /// `/proc/self/fd/5/app.sock`. That name is not an address: another process that resolves it
    /// reaches its own descriptor 5. A client must never connect or send to the `getpeername` of a
    /// Unix listener; it should use the path it connected to. (A ``DatagramSocket``, whose bound
    /// name is the sender address its peers answer to, is bound at the path itself.)
    ///
    /// - Parameters:
    ///   - address: where to listen; port 0 lets the kernel choose a free port.
    ///   - options: the options to set, each once, in order, over ``defaultOptions``: a default this
    ///     list does not name is set first, one it names is replaced by the given value, so
    ///     `[.receiveBufferSize(1 << 20)]` sets `SO_REUSEADDR` on and then `SO_RCVBUF`, and
    ///     `[.reuseAddress(false)]` turns the default off. ``appliedOptions`` lists what was set.
    ///   - backlog: how many connections may wait to be accepted, 0...Int32.max.
    ///   - unixFileMode: for a Unix-domain path, the permission bits of the socket file, 0o0...0o777,
    ///     such as `0o660`, set exactly (the umask does not apply); `nil` leaves them to the umask.
    /// - Throws: ``SocketError/addressInUse(_:errno:)``, ``SocketError/addressNotAvailable(_:)``,
    ///   ``SocketError/permissionDenied(_:errno:)`` from bind or listen; ``SocketError/invalidValue(_:reason:)``
    ///   for an option value out of range; ``SocketError/optionGivenTwice(_:first:second:)``;
    ///   ``SocketError/optionNotSupported(_:socket:errno:)`` for an option a stream socket of the address's
    ///   family lacks (`ipv6Only` on IPv4, `reusePort` on a Unix socket);
    ///   ``SocketError/optionNotKept(requested:effective:)``; ``SocketError/invalidBacklog(_:)``;
    ///   ``SocketError/invalidFileMode(_:)``; for a Unix-domain path,
    ///   ``SocketError/unixPathUnusable(_:_:errno:)`` when the path names no file or what the package
    ///   found beside it keeps it from binding (``UnixPathProblem``), and
    ///   ``SocketError/socketFileReplaced(_:errno:)`` when the bound socket file was removed or
    ///   replaced at once; ``SocketError/unrepresentableAddress(_:family:)`` when `getsockname`
    ///   answers a family of another kind (the descriptor was replaced under the package);
    ///   ``SocketError/system(_:_:)`` for anything else.
    public init(
        address: borrowing SocketAddress,
        options: borrowing [SocketOption] = [],
        backlog: Int = ListeningSocket.defaultBacklog,
        unixFileMode: UInt32? = nil
    ) throws(SocketError) {
        guard backlog >= 0 && backlog <= Int(Int32.max) else { throw .invalidBacklog(backlog) }
        if let mode = unixFileMode, mode > 0o777 || address.unixPath == nil { throw .invalidFileMode(mode) }
        let made = try SocketSetup.make(
            address,
            role: .listener(backlog: backlog, unixFileMode: unixFileMode),
            options: options,
            over: Self.defaultOptions
        )
        self.descriptor = made.descriptor
        self.record = made.record
        self.backlog = backlog
        self.blocksAfterRelease = true
    }

    /// Takes over a listening socket that some other code made, such as one inherited from a
    /// parent process or a socket-activation launcher (see ``SocketActivation``).
    ///
    /// The descriptor is checked before it is trusted: it must be a socket (`SO_TYPE`), a stream
    /// socket, of the IPv4, IPv6 or Unix family (`SO_DOMAIN` on Linux), and listening
    /// (`SO_ACCEPTCONN`). It is then made close-on-exec, so that children do not inherit it,
    /// non-blocking (`O_NONBLOCK`, so that ``accept(timeout:)`` keeps its bound), and owned: the
    /// listener closes it. ``appliedOptions`` is empty: nothing was set here; read the options with
    /// ``option(_:)->SocketOption`` or ``snapshot()``.
    ///
    /// `O_NONBLOCK` belongs to the open file description, which every duplicate of the descriptor
    /// shares, in this process and in others (a parent that kept its copy, a launcher): a plain
    /// blocking `accept` elsewhere on the same socket then fails with `EAGAIN` when nothing is queued
    /// instead of waiting. ``releaseDescriptor()`` turns it off again when it was off at adoption.
    ///
    /// - Throws: ``SocketError/notAListener(descriptor:reason:)`` saying what the descriptor is
    ///   instead; the descriptor is then left open, as it was.
    public init(adopting descriptor: Int32) throws(SocketError) {
        let problem = Self.checkListener(descriptor)
        if let problem { throw .notAListener(descriptor: descriptor, reason: problem) }
        let localAddress: SocketAddress
        do {
            localAddress = try SocketCalls.localAddress(descriptor)
        } catch .unrepresentableAddress(_, let family) {
            throw .notAListener(
                descriptor: descriptor,
                reason: "its address is of \(family), which SocketAddress cannot hold"
            )
        } catch {
            throw .notAListener(
                descriptor: descriptor,
                reason: "its address cannot be read (\(error.errno?.name ?? "?"))"
            )
        }
        guard let wasNonBlocking = SocketCalls.setNonBlocking(descriptor, true) else {
            throw .notAListener(
                descriptor: descriptor,
                reason: "its flags cannot be read or set (fcntl: \(currentErrno().name))"
            )
        }
        SocketCalls.setCloseOnExec(descriptor)
        self.descriptor = SocketDescriptor(rawValue: descriptor)
        self.record = SocketRecord(adoptedAt: localAddress)
        self.backlog = 0
        self.blocksAfterRelease = !wasNonBlocking
    }

    static func checkListener(_ fd: Int32) -> String? {
        if fd < 0 { return "\(fd) is not a descriptor" }
        let type: ReadOnlySocketOption
        do {
            type = try OptionCalls.readOnly(.type, from: fd)
        } catch {
            switch error.errno {
            case .badFileDescriptor?: return "it is not open"
            case .notSocket?: return "it is not a socket"
            default: return "its socket type cannot be read (\(error.errno?.name ?? "?"))"
            }
        }
        guard type == .type(.stream) else { return "it is a \(type.valueDescription) socket, not a stream socket" }
        if let kind = SocketKind.read(fd) {
            switch kind.family {
            case .ipv4, .ipv6, .unix: break
            case .other: return "it is a socket of \(kind.family), not IPv4, IPv6 or Unix"
            }
        }
        guard (try? OptionCalls.readOnly(.acceptingConnections, from: fd)) == .acceptingConnections(true) else {
            return "it is not listening (a connected socket, or one that was never given listen)"
        }
        return nil
    }

    /// Waits for a connection and accepts it. The new descriptor is close-on-exec and blocking.
    ///
    /// A connection that the client reset while it waited in the queue (`ECONNABORTED`) is skipped,
    /// and a signal does not end the wait (`EINTR` is retried). ``stopAccepting()``, called from
    /// another thread, ends it at once with ``SocketError/listenerStopped``: that is how several
    /// acceptor threads stop without a bound on their wait (a loop that must notice a signal uses
    /// ``accept(timeout:)``). The wait is as long as the listener's
    /// ``SocketOption/receiveTimeout(_:)`` (forever by default), after which it throws `EAGAIN`, as a
    /// blocking `accept` would.
    ///
    /// ```swift
    /// while true {
    ///     do throws(SocketError) {
    ///         serve(try listener.accept())
    ///     } catch .listenerStopped {
    ///         break  // stopAccepting() or a drain, from any thread
    ///     } catch {
    ///         // EMFILE and the like: back off, then accept again
    ///     }
    /// }
    /// ```
    ///
    /// - Throws: ``SocketError/listenerStopped`` once the listener was stopped (`accept`: `EINVAL`
    ///   after `shutdown(SHUT_RD)`), the end of an accept loop; ``SocketError/system(_:_:)`` with the
    ///   errno of `accept`; `EMFILE`, `ENFILE`, `ENOBUFS` and `ENOMEM` leave the listener usable: back
    ///   off and accept again.
    public func accept() throws(SocketError) -> Connection {
        guard let connection = try SocketCalls.accept(descriptor.rawValue, timeout: nil) else {
            throw .system(.accept, .wouldBlock)
        }
        return connection
    }

    /// Waits at most `timeout` for a connection and accepts it.
    ///
    /// Returns `nil` when no connection came in time or when a signal interrupted the wait, so that
    /// a server loop can check its own stop flag between calls. It never waits much longer than
    /// `timeout` (the scheduler's slack, and the rounding up to whole milliseconds of `poll`), also
    /// when another thread or process takes the connection between the wait and the accept: the
    /// listener's descriptor is non-blocking (`O_NONBLOCK`), and an accept that finds nothing waits
    /// again for the time that is left. Any Duration is taken: zero or negative only takes a
    /// connection already waiting; a long one is waited in polls of at most about 24 days each.
    ///
    /// A ``stopAccepting()`` from another thread ends the wait at once with
    /// ``SocketError/listenerStopped``, however long `timeout` is (`poll` reports the listener hung
    /// up, `POLLHUP`, or `POLLRDHUP` for a Unix-domain one).
    ///
    /// The corresponding C calls are `poll` and `accept4` on a descriptor with `O_NONBLOCK`.
    public func accept(timeout: Duration) throws(SocketError) -> Connection? {
        try SocketCalls.accept(descriptor.rawValue, timeout: timeout)
    }

    /// Gives up the descriptor without closing it, for another library to serve on (SwiftNIO's
    /// `ServerBootstrap.withBoundSocket`, say). The caller owns it from here on and must close
    /// it; a Unix-domain socket file is left in place (the new owner removes it). The lock file
    /// beside it is released and removed: a later start on the path still finds the socket file
    /// live (a socket is bound to it) and fails with `.addressInUse` while the descriptor is open.
    ///
    /// The descriptor is handed over close-on-exec, and blocking or not as it was when the
    /// listener got it: blocking for a listener made by ``init(address:options:backlog:unixFileMode:)``
    /// (the listener itself keeps it non-blocking, `O_NONBLOCK`), and as it was adopted for one made
    /// by ``init(adopting:)``.
    public consuming func releaseDescriptor() -> Int32 {
        record.disarmUnixFile()
        if blocksAfterRelease { SocketCalls.setNonBlocking(descriptor.rawValue, false) }
        return descriptor.release()
    }

    /// Closes the listener. Connections already accepted stay open; those still waiting in the
    /// queue are reset. A Unix-domain socket file the listener created is removed if it is still
    /// the same file (a newer server's file at the path is left alone), and so is its lock file.
    ///
    /// - Throws: ``SocketError/system(_:_:)`` when `close` reports an error; the descriptor is
    ///   closed all the same (a failing close is never retried).
    public consuming func close() throws(SocketError) {
        try descriptor.close()
    }
}
