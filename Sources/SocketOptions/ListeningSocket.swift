// SocketOptions: a TCP listener, set up in the one order that works.

/// A TCP socket listening on an address, with its options set and verified.
///
/// The initializer does exactly this, in this order: `socket` (close-on-exec), one `setsockopt`
/// per option in the order given, each read back with `getsockopt`, then `bind`, then `listen`.
/// Options that only work before bind (``SocketOption/Name/mustPrecedeBind``) can only be given
/// here: the type has no way to set them later, when the kernel would accept and ignore them.
///
/// ```swift
/// let listener = try ListeningSocket(
///     address: try SocketAddress("0.0.0.0:8080"),
///     options: [.reuseAddress(true), .reusePort(true)],
///     backlog: 128)
/// print(listener.localAddress.port)       // the real port, also after binding port 0
/// print(try listener.option(.reuseAddress)) // reuseAddress(on), read back with getsockopt
/// let connection = try listener.accept()
/// ```
///
/// The listener owns its descriptor: it closes it in ``close()`` or when it goes out of scope,
/// and on every failure inside the initializer before the error is thrown.
public struct ListeningSocket: ~Copyable, Sendable {
    /// The options used when none are given: `SO_REUSEADDR` on, so the server can restart at once
    /// while its previous connections sit in TIME_WAIT. `SO_REUSEPORT` is left to the caller: with
    /// it on by default an accidental second start would succeed and silently take half the traffic.
    public static let defaultOptions: [SocketOption] = [.reuseAddress(true)]

    /// The backlog used when none is given. Linux caps every backlog at `net.core.somaxconn`.
    public static let defaultBacklog = 128

    let descriptor: SocketDescriptor

    /// The address the socket is bound to, read back with `getsockname`: after binding port 0,
    /// it carries the port the kernel chose.
    public let localAddress: SocketAddress

    /// Each option as requested and as the kernel kept it, in the order given.
    public let appliedOptions: [AppliedOption]

    /// The backlog passed to `listen`.
    public let backlog: Int

    /// Creates a socket, sets its options, binds it to `address` and listens.
    ///
    /// Every argument is checked before the first system call: a bad value throws and nothing
    /// has happened to the system.
    ///
    /// - Parameters:
    ///   - address: where to listen; port 0 lets the kernel choose a free port.
    ///   - options: the options to set, each once, in order; ``defaultOptions`` when omitted.
    ///   - backlog: how many connections may wait to be accepted, 0...Int32.max.
    /// - Throws: ``SocketError/addressInUse(_:)``, ``SocketError/addressNotAvailable(_:)``,
    ///   ``SocketError/permissionDenied(_:)`` from bind or listen; ``SocketError/invalidValue(_:reason:)``
    ///   for an option value out of range or an option given twice;
    ///   ``SocketError/optionNotSupported(_:socket:)`` for an option a TCP socket of the address's
    ///   family lacks (`ipv6Only` on IPv4); ``SocketError/optionNotKept(requested:effective:)``;
    ///   ``SocketError/invalidBacklog(_:)``; ``SocketError/system(_:_:)`` for anything else.
    public init(
        address: SocketAddress,
        options: [SocketOption] = ListeningSocket.defaultOptions,
        backlog: Int = ListeningSocket.defaultBacklog
    ) throws(SocketError) {
        try Self.validate(address: address, options: options, backlog: backlog)

        let descriptor = try StreamCalls.open(for: address)
        // From here on, a throw leaves `descriptor` behind, and its deinit closes it.
        var applied: [AppliedOption] = []
        applied.reserveCapacity(options.count)
        for option in options {
            applied.append(try OptionAccess.apply(option, on: descriptor.rawValue))
        }
        try StreamCalls.bind(descriptor.rawValue, to: address)
        try StreamCalls.listen(descriptor.rawValue, backlog: backlog, address: address)
        let localAddress = try StreamCalls.localAddress(descriptor.rawValue)

        self.descriptor = descriptor
        self.localAddress = localAddress
        self.appliedOptions = applied
        self.backlog = backlog
    }

    /// Everything that can be known wrong without asking the kernel.
    private static func validate(
        address: SocketAddress,
        options: [SocketOption],
        backlog: Int
    ) throws(SocketError) {
        guard backlog >= 0 && backlog <= Int(Int32.max) else { throw .invalidBacklog(backlog) }
        let kind = SocketKind.tcp(for: address)
        for (index, option) in options.enumerated() {
            _ = try option.encoded()
            guard option.name.spec.appliesTo.allows(kind) else { throw .optionNotSupported(option.name, socket: kind) }
            if options[..<index].contains(where: { $0.name == option.name }) {
                throw .invalidValue(option, reason: "\(option.name) is given more than once; give each option once")
            }
        }
    }

    /// Reads an option's present value from the kernel with `getsockopt`.
    ///
    /// - Throws: ``SocketError/optionNotSupported(_:socket:)`` when this socket has no such option
    ///   (`ipv6Only` on an IPv4 listener).
    public func option(_ name: SocketOption.Name) throws(SocketError) -> SocketOption {
        try OptionAccess.read(name, from: descriptor.rawValue)
    }

    /// Reads a read-only option, such as ``ReadOnlySocketOption/Name/acceptingConnections``.
    public func option(_ name: ReadOnlySocketOption.Name) throws(SocketError) -> ReadOnlySocketOption {
        try ReadOnlySocketOption.read(name, from: descriptor.rawValue)
    }

    /// Every readable option of the listener with its present value; see ``SocketSnapshot``.
    public func snapshot() throws(SocketError) -> SocketSnapshot {
        try SocketSnapshot(descriptor: descriptor.rawValue)
    }

    #if os(Linux)
    /// The kernel's TCP state of the listener (`TCP_INFO`): for a listener, ``TCPInfo/unacknowledged``
    /// is the number of connections waiting to be accepted. Linux only.
    public func tcpInfo() throws(SocketError) -> TCPInfo {
        try TCPInfo.read(from: descriptor.rawValue)
    }
    #endif

    /// Waits for a connection and accepts it. The new descriptor is close-on-exec.
    ///
    /// A connection that the client reset while it waited in the queue (`ECONNABORTED`) is skipped,
    /// and a signal does not end the wait (`EINTR` is retried): use ``accept(timeout:)`` in a loop
    /// that has to notice a request to stop.
    ///
    /// - Throws: ``SocketError/system(_:_:)`` with the errno of `accept`; `EMFILE`, `ENFILE`,
    ///   `ENOBUFS` and `ENOMEM` leave the listener usable: back off and accept again.
    public func accept() throws(SocketError) -> Connection {
        try StreamCalls.accept(descriptor.rawValue)
    }

    /// Waits at most `timeout` for a connection and accepts it.
    ///
    /// Returns `nil` when no connection came in time or when a signal interrupted the wait, so that
    /// a server loop can check its own stop flag between calls. The wait is rounded up to whole
    /// milliseconds (`poll`).
    public func accept(timeout: Duration) throws(SocketError) -> Connection? {
        guard try StreamCalls.waitReadable(descriptor.rawValue, timeout: timeout) else { return nil }
        return try accept()
    }

    /// Closes the listener. Connections already accepted stay open; those still waiting in the
    /// queue are reset.
    ///
    /// - Throws: ``SocketError/system(_:_:)`` when `close` reports an error; the descriptor is
    ///   closed all the same (a failing close is never retried).
    public consuming func close() throws(SocketError) {
        try descriptor.close()
    }
}
