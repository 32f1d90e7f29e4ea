// SocketOptions: keys that carry the Swift type of an option's value, for typed reads and writes.

extension SocketOption {
    /// One option, named with the Swift type of its value, so that reading it needs no pattern
    /// match:
    ///
    /// ```swift
    /// let size = try listener.value(.receiveBufferSize)     // Int
    /// let timeout = try listener.value(.receiveTimeout)     // Duration?
    /// try connection.set(.noDelay, true)
    /// ```
    ///
    /// Every settable option has its key, a static member of the same name as its case
    /// (``SocketOption/Key/receiveBufferSize``). A read is one `getsockopt` into a value on the
    /// stack: nothing is allocated.
    public struct Key<Value>: Sendable {
        /// Which option this is.
        public let name: Name
        @usableFromInline let decode: @Sendable (OptionCodec.SwiftValue) -> Value
        @usableFromInline let encode: @Sendable (Value) -> OptionCodec.SwiftValue

        /// The memberwise initializer, written out so that the inlinable keys can call it.
        @usableFromInline
        init(
            name: Name,
            decode: @escaping @Sendable (OptionCodec.SwiftValue) -> Value,
            encode: @escaping @Sendable (Value) -> OptionCodec.SwiftValue
        ) {
            self.name = name
            self.decode = decode
            self.encode = encode
        }

        /// The option with `value`, as it is set.
        public func callAsFunction(_ value: Value) -> SocketOption {
            name.make(encode(value))
        }
    }
}

extension SocketOption {
    /// The C level and name under which getsockopt reports an option as one C int, and whether that
    /// int is a flag (``SocketOption/Name/cIntLocation``). An option that has one is read by the
    /// getsockopt itself, and set by the setsockopt itself, inlined where the read or set is called:
    /// no look-up in the catalogue, no call between the caller and the C library
    /// (Documentation/Performance.md).
    @usableFromInline
    struct CIntLocation: Sendable {
        @usableFromInline let level: CInt
        @usableFromInline let name: CInt
        @usableFromInline let isFlag: Bool

        @inlinable
        init(level: CInt, name: CInt, isFlag: Bool) {
            self.level = level
            self.name = name
            self.isFlag = isFlag
        }
    }
}

extension SocketOption.Key where Value == Bool {
    @inlinable
    init(_ name: SocketOption.Name) { self.init(name: name, decode: { $0.bool }, encode: { .bool($0) }) }
}

extension SocketOption.Key where Value == Int {
    @inlinable
    init(_ name: SocketOption.Name) { self.init(name: name, decode: { $0.int }, encode: { .int($0) }) }
}

extension SocketOption.Key where Value == UInt32 {
    // The kernel's C int is read back as its UInt32 bit pattern, so the clamp never changes a value.
    @inlinable
    init(_ name: SocketOption.Name) {
        self.init(name: name, decode: { UInt32(clamping: $0.int) }, encode: { .int(Int($0)) })
    }
}

extension SocketOption.Key where Value == Duration {
    @inlinable
    init(_ name: SocketOption.Name) {
        self.init(name: name, decode: { $0.duration ?? .zero }, encode: { .duration($0) })
    }
}

extension SocketOption.Key where Value == Duration? {
    @inlinable
    init(_ name: SocketOption.Name) { self.init(name: name, decode: { $0.duration }, encode: { .duration($0) }) }
}

extension SocketOption.Key where Value == String {
    @inlinable
    init(_ name: SocketOption.Name) { self.init(name: name, decode: { $0.text ?? "" }, encode: { .text($0) }) }
}

extension SocketOption.Key where Value == String? {
    @inlinable
    init(_ name: SocketOption.Name) { self.init(name: name, decode: { $0.text }, encode: { .text($0) }) }
}

extension SocketOption.Key where Value == IPv4Address {
    @inlinable
    init(_ name: SocketOption.Name) { self.init(name: name, decode: { $0.ipv4 }, encode: { .ipv4($0) }) }
}

extension SocketOption.Key where Value == Int? {
    @inlinable
    init(_ name: SocketOption.Name) {
        self.init(name: name, decode: { $0.optionalInt }, encode: { .optionalInt($0) })
    }
}

extension SocketOption.Key where Value == PathMTUDiscovery {
    @inlinable
    init(_ name: SocketOption.Name) {
        self.init(name: name, decode: { $0.pathMTUDiscovery }, encode: { .pathMTUDiscovery($0) })
    }
}

// An option that is an action (detaching a filter) has no value: its key takes `()`.
extension SocketOption.Key where Value == Void {
    @inlinable
    init(_ name: SocketOption.Name) { self.init(name: name, decode: { _ in () }, encode: { _ in .action }) }
}

extension SocketOption.Key where Value == SocketFilter {
    @inlinable
    init(_ name: SocketOption.Name) { self.init(name: name, decode: { $0.filter }, encode: { .filter($0) }) }
}

// Memberships are set only: their keys serve typed writes (`set(.joinIPv4Group, membership)`); a
// typed read of one throws, as reading the option does.
extension SocketOption.Key where Value == IPv4MulticastMembership {
    @inlinable
    init(_ name: SocketOption.Name) {
        self.init(name: name, decode: { $0.ipv4Membership }, encode: { .ipv4Membership($0) })
    }
}

extension SocketOption.Key where Value == IPv4SourceMembership {
    @inlinable
    init(_ name: SocketOption.Name) {
        self.init(name: name, decode: { $0.ipv4SourceMembership }, encode: { .ipv4SourceMembership($0) })
    }
}

extension SocketOption.Key where Value == IPv6MulticastMembership {
    @inlinable
    init(_ name: SocketOption.Name) {
        self.init(name: name, decode: { $0.ipv6Membership }, encode: { .ipv6Membership($0) })
    }
}

extension ReadOnlySocketOption {
    /// A read-only option named with the Swift type of its value: `try listener.value(.type)` is a
    /// ``SocketKind/SocketType``. A type apart from ``SocketOption/Key`` so that no read-only option
    /// can be passed where options are set.
    public struct Key<Value>: Sendable {
        /// Which option this is.
        public let name: Name
        let decode: @Sendable (OptionCodec.SwiftValue) -> Value
    }
}

extension ReadOnlySocketOption.Key where Value == Bool {
    init(_ name: ReadOnlySocketOption.Name) { self.init(name: name, decode: { $0.bool }) }
}

extension ReadOnlySocketOption.Key where Value == SocketKind.SocketType {
    init(_ name: ReadOnlySocketOption.Name) { self.init(name: name, decode: { $0.socketType }) }
}

extension ReadOnlySocketOption.Key where Value == SocketFamily {
    init(_ name: ReadOnlySocketOption.Name) { self.init(name: name, decode: { $0.family }) }
}

extension ReadOnlySocketOption.Key where Value == Errno? {
    init(_ name: ReadOnlySocketOption.Name) { self.init(name: name, decode: { $0.errno }) }
}

extension ReadOnlySocketOption.Key where Value == Int32 {
    init(_ name: ReadOnlySocketOption.Name) { self.init(name: name, decode: { Int32(clamping: $0.int) }) }
}

extension ReadOnlySocketOption.Key where Value == UInt64 {
    init(_ name: ReadOnlySocketOption.Name) { self.init(name: name, decode: { $0.unsigned64 }) }
}

extension ReadOnlySocketOption.Key where Value == PeerCredentials? {
    init(_ name: ReadOnlySocketOption.Name) { self.init(name: name, decode: { $0.peerCredentials }) }
}

extension ReadOnlySocketOption.Key where Value == Int? {
    init(_ name: ReadOnlySocketOption.Name) { self.init(name: name, decode: { $0.optionalInt }) }
}

extension ReadOnlySocketOption.Key where Value == Int {
    init(_ name: ReadOnlySocketOption.Name) { self.init(name: name, decode: { $0.int }) }
}

extension ReadOnlySocketOption.Key where Value == SocketAddress {
    init(_ name: ReadOnlySocketOption.Name) { self.init(name: name, decode: { $0.address }) }
}
