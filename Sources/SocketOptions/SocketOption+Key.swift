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
            // From the table of makers, not `name.row`, which would build the whole row for one closure.
            SocketOption.Name.makers[name.position].make(encode(value))
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
