// SocketOptions: the options the kernel reports but does not let anyone set.

/// A socket option that can be read but not set: what kind of socket it is, whether it listens,
/// its pending error.
///
/// These are a type apart from ``SocketOption`` so that none of them can be passed where options
/// are set. Read one with ``ListeningSocket/option(_:)->ReadOnlySocketOption`` or
/// ``Name/read(fromDescriptor:)``.
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

    /// The name of a read-only option.
    public enum Name: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
        /// `SO_TYPE`; see ``ReadOnlySocketOption/type(_:)``.
        case type
        /// `SO_ACCEPTCONN`; see ``ReadOnlySocketOption/acceptingConnections(_:)``.
        case acceptingConnections
        /// `SO_ERROR`; see ``ReadOnlySocketOption/pendingError(_:)``.
        case pendingError
        #if os(Linux)
        /// `SO_DOMAIN`; see ``ReadOnlySocketOption/domain(_:)``.
        case domain
        /// `SO_PROTOCOL`; see ``ReadOnlySocketOption/transportProtocol(_:)``.
        case transportProtocol
        #endif

        public var description: String { rawValue }

        /// The protocol level: all of these are socket-level options.
        public var level: SocketOption.Level { .socket }

        /// The C name, such as `"SO_TYPE"`.
        public var cName: String {
            switch self {
            case .type: "SO_TYPE"
            case .acceptingConnections: "SO_ACCEPTCONN"
            case .pendingError: "SO_ERROR"
            #if os(Linux)
            case .domain: "SO_DOMAIN"
            case .transportProtocol: "SO_PROTOCOL"
            #endif
            }
        }

        /// What the option reports, in one line.
        public var meaning: String {
            switch self {
            case .type: "The socket type: stream, datagram, ..."
            case .acceptingConnections: "Whether the socket is listening"
            case .pendingError: "The error waiting on the socket; reading it clears it"
            #if os(Linux)
            case .domain: "The address family"
            case .transportProtocol: "The transport protocol number (6 TCP, 17 UDP)"
            #endif
            }
        }

        /// The Swift type of the value.
        public var valueType: String {
            switch self {
            case .type: "SocketKind.SocketType"
            case .acceptingConnections: "Bool"
            case .pendingError: "Errno?"
            #if os(Linux)
            case .domain: "SocketFamily"
            case .transportProtocol: "Int32"
            #endif
            }
        }

        /// Reads the option from a socket descriptor that some other code owns.
        ///
        /// - Throws: ``SocketError/system(_:_:)`` with `EBADF` or `ENOTSOCK` for a descriptor that is
        ///   not a socket.
        public func read(fromDescriptor descriptor: Int32) throws(SocketError) -> ReadOnlySocketOption {
            try ReadOnlySocketOption.read(self, from: descriptor)
        }
    }

    /// Which option this is.
    public var name: Name {
        switch self {
        case .type: .type
        case .acceptingConnections: .acceptingConnections
        case .pendingError: .pendingError
        #if os(Linux)
        case .domain: .domain
        case .transportProtocol: .transportProtocol
        #endif
        }
    }

    /// The value as a person reads it: `"stream"`, `"on"`, `"none"`, `"6 (TCP)"`.
    public var valueDescription: String {
        switch self {
        case .type(let type): type.description
        case .acceptingConnections(let on): on ? "on" : "off"
        case .pendingError(let errno): errno?.description ?? "none"
        #if os(Linux)
        case .domain(let family): family.description
        case .transportProtocol(let number):
            switch number {
            case 6: "6 (TCP)"
            case 17: "17 (UDP)"
            default: "\(number)"
            }
        #endif
        }
    }

    /// `"type(stream)"`.
    public var description: String { "\(name)(\(valueDescription))" }
}
