// SocketOptions: the options the kernel reports but does not let anyone set.

/// A socket option that can be read but not set: what kind of socket it is, whether it listens,
/// its pending error.
///
/// These are a type apart from ``SocketOption`` so that none of them can be passed where options
/// are set. Read one on any socket (``SocketOptionAccess``) with `option(.type)`, or typed with its
/// ``Key``: `try socket.value(.type)` is a ``SocketKind/SocketType``. Their rows are in the one
/// option catalogue, beside the settable options'.
public enum ReadOnlySocketOption: Hashable, Sendable, CustomStringConvertible {
    /// The socket type. The corresponding C option is `SO_TYPE`.
    case type(SocketKind.SocketType)
    /// Whether the socket is listening. The corresponding C option is `SO_ACCEPTCONN`.
    case acceptingConnections(Bool)
    /// The error waiting on the socket (from a non-blocking connect, say), or nil. Reading it
    /// clears it. The corresponding C option is `SO_ERROR`.
    case pendingError(Errno?)
    #if os(Linux)
    /// The address family. Linux only. The corresponding C option is `SO_DOMAIN`.
    case domain(SocketFamily)
    /// The transport protocol number, such as 6 for TCP and 17 for UDP. Linux only. The
    /// corresponding C option is `SO_PROTOCOL`.
    case transportProtocol(Int32)
    #endif

    /// Which option this is.
    public var name: Name { entry.name }

    /// The value as a person reads it: `"stream"`, `"on"`, `"none"`, `"6 (TCP)"`.
    public var valueDescription: String { name.row.codec.describe(entry.value) }

    /// `"type(stream)"`.
    public var description: String { "\(name)(\(valueDescription))" }
}

extension ReadOnlySocketOption.Name {
    public var description: String { rawValue }

    /// The protocol level: all of these are socket-level options.
    public var level: SocketOption.Level { row.level }

    /// The C name, such as `"SO_TYPE"`.
    public var cName: String { "\(row.cName)" }

    /// What the option reports, in one line.
    public var meaning: String { "\(row.meaning)" }

    /// The Swift type of the value.
    public var valueType: String { row.codec.typeDescription }
}
