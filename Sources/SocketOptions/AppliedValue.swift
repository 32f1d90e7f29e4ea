// SocketOptions: what a typed write asked of the kernel, and what it kept, as the key's Swift type.

/// An option set by its typed key, as requested and as the kernel kept it: what
/// ``SocketOptionSetting/set(_:_:)`` returns. The values have the key's Swift type, so that what
/// the kernel kept needs no pattern match:
///
/// ```swift
/// let size = try connection.set(.receiveBufferSize, 65536)
/// size.effective        // 131072: Linux keeps twice a buffer size (socket(7))
/// size.wasAdjusted      // true
/// print(size)           // SO_RCVBUF: requested 65536 bytes, kernel kept 131072 bytes
/// ```
///
/// ``option`` is the same record as an ``AppliedOption``, with its adjustment text and JSON. There
/// is no C counterpart: the record is one `setsockopt` and the `getsockopt` that reads it back.
public struct AppliedValue<Value>: CustomStringConvertible {
    /// Which option this is.
    public let name: SocketOption.Name
    /// The value as given.
    public let requested: Value
    /// The value as the kernel keeps it, read back with `getsockopt` straight after `setsockopt`;
    /// the request for an option the kernel does not report (``isReadBack`` is false).
    public let effective: Value
    /// Whether ``effective`` was read back from the kernel. False for an option the kernel takes
    /// but cannot report (a multicast membership): only the success of `setsockopt` says it was
    /// taken.
    public let isReadBack: Bool
    /// The key's conversion of a value to the catalogue's, for ``option``: the one part of the key
    /// the record needs, so that it holds one closure rather than the whole key.
    @usableFromInline let encode: @Sendable (Value) -> OptionCodec.SwiftValue

    /// A record made by the package, which read `effective` back for the same key.
    @usableFromInline
    init(key: SocketOption.Key<Value>, requested: Value, effective: Value, isReadBack: Bool) {
        self.name = key.name
        self.encode = key.encode
        self.requested = requested
        self.effective = effective
        self.isReadBack = isReadBack
    }

    /// The record as an ``AppliedOption``: the requested and kept values as options, the reason
    /// for an adjustment, JSON.
    public var option: AppliedOption {
        isReadBack
            ? AppliedOption(requested: name.make(encode(requested)), effective: name.make(encode(effective)))
            : AppliedOption(requested: name.make(encode(requested)), unreadable: ())
    }

    /// Whether the kernel kept something other than what was requested.
    public var wasAdjusted: Bool { option.wasAdjusted }

    /// Why the kernel keeps a different value for this option, when it is known to; `nil` when it
    /// keeps the value as given. See ``AppliedOption/adjustment``.
    public var adjustment: String? { option.adjustment }

    /// `"SO_RCVBUF: requested 65536 bytes, kernel kept 131072 bytes"`, as ``AppliedOption``.
    public var description: String { option.description }
}

extension AppliedValue: Sendable where Value: Sendable {}
