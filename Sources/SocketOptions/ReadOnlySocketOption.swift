// SocketOptions: the options the kernel reports but does not let anyone set.

/// A socket option that can be read but not set: what kind of socket it is, whether it listens,
/// its pending error, who its peer is, the path MTU to it.
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
    /// A number the kernel gives the socket for its lifetime, unique until reboot: the `sk:` that
    /// `ss -e` prints, and the key of BPF socket maps. Linux only. The corresponding C option is
    /// `SO_COOKIE`.
    case cookie(UInt64)
    /// The process at the other end of a Unix-domain connection, as it was when it connected;
    /// nil on other sockets. Linux only. The corresponding C option is `SO_PEERCRED`.
    case peerCredentials(PeerCredentials?)
    /// The NAPI instance (device receive queue) the socket's last packet came through, for
    /// steering threads to queues; nil before any, and over devices without NAPI such as
    /// loopback. Linux only. The corresponding C option is `SO_INCOMING_NAPI_ID`.
    case incomingNAPIID(Int?)
    /// The destination a client asked for before a netfilter NAT rule (`REDIRECT`, `DNAT`)
    /// redirected its connection here, for transparent proxies. Reading it fails with `ENOENT`
    /// for a connection no rule redirected. IPv4 connections (IPv4-mapped ones on IPv6 sockets
    /// too); Linux only. The corresponding C option is `SO_ORIGINAL_DST` (level `SOL_IP`).
    case originalDestination(SocketAddress)
    /// The path MTU the kernel holds for a connected socket's peer, in bytes; reading it fails
    /// with `ENOTCONN` on a socket that is not connected. Linux only. The corresponding C option
    /// is `IP_MTU`.
    case pathMTU(Int)
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

    /// The protocol level, such as `.socket` for `SO_TYPE` and `.ipv4` for `IP_MTU`.
    public var level: SocketOption.Level { row.level }

    /// The C name, such as `"SO_TYPE"`.
    public var cName: String { "\(row.cName)" }

    /// What the option reports, in one line.
    public var meaning: String { "\(row.meaning)" }

    /// The Swift type of the value.
    public var valueType: String { row.codec.typeDescription }
}
