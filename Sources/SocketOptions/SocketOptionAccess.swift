// SocketOptions: the one surface for reading and setting options, written once for every socket
// the package owns (ListeningSocket, Connection, DatagramSocket) or borrows (BorrowedSocket).

/// A socket whose options can be read: ``ListeningSocket``, ``Connection``, ``DatagramSocket``, or
/// a ``BorrowedSocket`` view of a descriptor that some other code owns.
///
/// Every method here is written once, for all of them:
///
/// ```swift
/// let size = try listener.value(.receiveBufferSize)      // Int
/// let timeout = try connection.value(.receiveTimeout)    // Duration?
/// let type = try socket.value(.type)                     // SocketKind.SocketType
/// print(try listener.option(.reuseAddress))              // reuseAddress(on)
/// ```
///
/// A ``ListeningSocket`` has no way to set a typed option after it is made, so that no option
/// that must precede bind can be set too late; the sockets that can set options conform to
/// ``SocketOptionSetting`` too. The escape hatch for options the catalogue lacks,
/// ``setRawOption(level:name:value:)`` and ``rawOption(level:name:)``, is on every socket.
public protocol SocketOptionAccess: ~Copyable {
    /// The socket's descriptor, lent: the socket still owns it (a ``BorrowedSocket``: the code that
    /// lent it). Use it to wait on the socket with `poll` or an event loop; never close it.
    var rawDescriptor: Int32 { get }

    /// Gives up the descriptor without closing it; the caller owns it from here on and must close
    /// it. A ``BorrowedSocket`` owned nothing: it returns the descriptor it was lent, which its
    /// lender still owns and closes (generic code that closes what it released must not be given a
    /// borrowed view).
    consuming func releaseDescriptor() -> Int32
}

/// A socket on which options can be set after it is made: ``Connection``, ``DatagramSocket`` and
/// ``BorrowedSocket``, not ``ListeningSocket``.
///
/// ```swift
/// try connection.set(.noDelay, true)
/// try datagram.set(.ipv4MulticastTimeToLive, 4)
/// ```
public protocol SocketOptionSetting: SocketOptionAccess, ~Copyable {
    /// The kind of socket when it is known without asking the kernel; nil for a
    /// ``BorrowedSocket``. An owner that knows its kind is past bind: it refuses, before any system
    /// call, an option its kind lacks, an option that must precede bind and an option for
    /// listeners only. A borrowed descriptor leaves that to the kernel, and to its caller.
    var socketKind: SocketKind? { get }
}

extension SocketOptionAccess where Self: ~Copyable {
    /// Reads an option's present value from the kernel with `getsockopt`. An accepted connection
    /// starts with the listener's value of the options whose
    /// ``SocketOption/Name/isInheritedByAcceptedConnections`` is true.
    ///
    /// - Throws: ``SocketError/optionNotSupported(_:socket:errno:)`` when this socket has no such
    ///   option (`ipv6Only` on an IPv4 socket); ``SocketError/optionNotApplicable(_:reason:)`` for
    ///   an option the kernel does not report (``SocketOption/Name/canReadBack``);
    ///   ``SocketError/system(_:_:)`` with `EBADF` or `ENOTSOCK` for a descriptor that is not a
    ///   socket.
    public func option(_ name: SocketOption.Name) throws(SocketError) -> SocketOption {
        try OptionCalls.read(name, from: rawDescriptor)
    }

    /// Reads a read-only option, such as ``ReadOnlySocketOption/Name/acceptingConnections``.
    public func option(_ name: ReadOnlySocketOption.Name) throws(SocketError) -> ReadOnlySocketOption {
        try OptionCalls.readOnly(name, from: rawDescriptor)
    }

    /// Reads an option's present value as the Swift type of its key, with one `getsockopt`:
    /// `try socket.value(.receiveBufferSize)` is an `Int`, `.receiveTimeout` a `Duration?`,
    /// `.reuseAddress` a `Bool`. Nothing is allocated.
    ///
    /// - Throws: as ``option(_:)->SocketOption``.
    @inlinable
    public func value<Value>(_ key: SocketOption.Key<Value>) throws(SocketError) -> Value {
        // Inlinable so that the caller's code knows the concrete socket and reads its descriptor
        // directly, not through the protocol's witness table (Documentation/Performance.md).
        try OptionCalls.value(key, from: rawDescriptor)
    }

    /// Reads a read-only option as the Swift type of its key: `try socket.value(.type)` is a
    /// ``SocketKind/SocketType``, `.acceptingConnections` a `Bool`.
    public func value<Value>(_ key: ReadOnlySocketOption.Key<Value>) throws(SocketError) -> Value {
        try OptionCalls.value(key, from: rawDescriptor)
    }

    /// Every readable option of the socket with its present value; see ``SocketSnapshot``.
    ///
    /// - Throws: ``SocketError/system(_:_:)`` with `EBADF` or `ENOTSOCK` for a descriptor that is
    ///   not a socket.
    public func snapshot() throws(SocketError) -> SocketSnapshot {
        try SocketSnapshot(descriptor: rawDescriptor)
    }

    #if os(Linux)
    /// The kernel's TCP state of the socket (`TCP_INFO`): state, round-trip time, retransmissions,
    /// congestion window; for a listener, ``TCPInfo/unacknowledged`` is the number of connections
    /// waiting to be accepted. TCP sockets only; Linux only.
    public func tcpInfo() throws(SocketError) -> TCPInfo {
        try TCPInfo.read(from: rawDescriptor)
    }
    #endif
}

extension SocketOptionSetting where Self: ~Copyable {
    /// Sets an option, reads it back and returns both values.
    ///
    /// The value is checked first, as everywhere in the package. On a socket that knows its kind
    /// (``socketKind``), the options it lacks, those that must be set before bind and those for
    /// listeners only are refused before any system call. On a ``BorrowedSocket`` mind the order
    /// the kernel needs: options such as ``SocketOption/reuseAddress(_:)`` return success after
    /// bind but do nothing there (``SocketOption/Name/mustPrecedeBind``).
    ///
    /// - Returns: the option as requested and as the kernel kept it.
    /// - Throws: ``SocketError/invalidValue(_:reason:)`` before any system call for a value out of
    ///   range; ``SocketError/optionNotApplicable(_:reason:)`` for an option that must precede bind
    ///   or is for listeners only; ``SocketError/optionNotSupported(_:socket:errno:)`` when the
    ///   socket has no such option; ``SocketError/optionNotKept(requested:effective:)`` when a
    ///   boolean reads back different; ``SocketError/system(_:_:)`` with `EBADF` or `ENOTSOCK` for a
    ///   descriptor that is not a socket.
    @inlinable @inline(__always)
    @discardableResult
    public func setOption(_ option: consuming SocketOption) throws(SocketError) -> AppliedOption {
        // Inlinable so that the caller's code knows the concrete socket and reads its kind and
        // descriptor directly, not through the protocol's witness table (Documentation/Performance.md).
        try OptionCalls.setOption(option, kind: socketKind, on: rawDescriptor)
    }

    /// Sets an option by its typed key, reads it back and returns both values in the key's Swift
    /// type: `try connection.set(.receiveBufferSize, 65536).effective` is the `Int` the kernel
    /// kept. Checked as ``setOption(_:)`` checks an option, and throws what it throws.
    ///
    /// No ``SocketOption`` is made: the value goes from the key's type to C and back, and the record
    /// holds the two values (``AppliedValue/option`` makes the ``AppliedOption`` when it is wanted).
    /// Inlinable, so that the key's conversions are known where it is called.
    @inlinable @inline(__always)
    @discardableResult
    public func set<Value>(_ key: SocketOption.Key<Value>, _ value: Value) throws(SocketError) -> AppliedValue<Value> {
        let name = key.name
        let encoded = key.encode(value)
        // An option of one C int is set and read back here, in the caller's code.
        if let kept = try OptionCalls.setAsCInt(
            name,
            encoded,
            kind: socketKind,
            on: rawDescriptor,
            requested: {
                name.make(encoded)
            }
        ) {
            return AppliedValue(key: key, requested: value, effective: key.decode(kept), isReadBack: true)
        }
        let kept = try OptionCalls.setValue(name, encoded, kind: socketKind, on: rawDescriptor)
        guard let kept else { return AppliedValue(key: key, requested: value, effective: value, isReadBack: false) }
        return AppliedValue(key: key, requested: value, effective: key.decode(kept), isReadBack: true)
    }
}
