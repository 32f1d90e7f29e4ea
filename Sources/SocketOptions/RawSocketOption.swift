// SocketOptions: the escape hatch, for options the catalogue lacks: set and read by C level,
// name and bytes, with the same report of what was asked and what the kernel kept.

/// What a raw `setsockopt` asked for and what `getsockopt` then read back: the report of
/// ``SocketOptionAccess/setRawOption(level:name:value:)`` (`Value` is `Int32`) and
/// ``SocketOptionAccess/setRawOption(level:name:bytes:)`` (`Value` is `[UInt8]`).
public struct AppliedRawOption<Value: Hashable & Sendable>: Hashable, Sendable, CustomStringConvertible {
    /// The C level, such as `SOL_SOCKET`.
    public let level: Int32
    /// The C option name, such as `SO_RCVBUF`.
    public let name: Int32
    /// The value as given.
    public let requested: Value
    /// The value `getsockopt` read back straight after the set; nil when it failed, as it does for
    /// options the kernel takes but does not report (memberships, filters): ``readBackError`` says
    /// with which errno. The set itself succeeded either way.
    public let effective: Value?
    /// The errno of the `getsockopt` that read the value back, when it failed.
    public let readBackError: Errno?

    /// Whether the kernel read back something other than what was requested. For bytes, only the
    /// bytes the kernel returned are compared: SO_LINGER set with 16 bytes reads back its 8, and
    /// is not adjusted when those 8 are the first 8 given.
    public let wasAdjusted: Bool

    init(level: Int32, name: Int32, requested: Value, effective: Value?, readBackError: Errno?, wasAdjusted: Bool) {
        self.level = level
        self.name = name
        self.requested = requested
        self.effective = effective
        self.readBackError = readBackError
        self.wasAdjusted = wasAdjusted
    }

    /// `"setsockopt(SOL_SOCKET, SO_RCVBUF): requested 4096, kernel kept 8192"`, with the C names
    /// when the catalogue knows the option, the numbers otherwise.
    public var description: String {
        let call = SocketError.Operation.setRawOption(level: level, name: name).description
        guard let effective else {
            return "\(call): requested \(requested), set; reading it back failed with \(readBackError?.name ?? "?")"
        }
        return "\(call): requested \(requested), " + (wasAdjusted ? "kernel kept \(effective)" : "kept as requested")
    }
}

extension SocketOptionAccess where Self: ~Copyable {
    /// Sets an option the catalogue lacks to a C int, with one `setsockopt` by C level and name,
    /// reads it back with `getsockopt` and reports both. Nothing is allocated.
    ///
    /// This is the escape hatch, and the place where the kernel's silent behaviours are not
    /// checked for you: no range, no unit, no "must precede bind", no boolean that reads back
    /// different thrown as an error. Linux takes a negative buffer size as its maximum, keeps
    /// twice a buffer size, accepts `SO_REUSEADDR` after bind and does nothing with it; the report
    /// shows what it kept, and it is yours to judge. Prefer a typed option where there is one.
    ///
    /// ```swift
    /// let applied = try socket.setRawOption(level: SOL_SOCKET, name: SO_RCVBUF, value: 4096)
    /// applied.effective   // 8192 on Linux
    /// ```
    ///
    /// - Throws: ``SocketError/system(_:_:)`` with the errno of `setsockopt` (`ENOPROTOOPT` for an
    ///   option the socket does not know, `EINVAL` for a value the kernel refuses).
    @discardableResult
    public func setRawOption(level: Int32, name: Int32, value: Int32) throws(SocketError) -> AppliedRawOption<Int32> {
        let fd = rawDescriptor
        if case .failure(let errno) = OptionCalls.set(.int(value), level: level, name: name, on: fd) {
            throw .system(.setRawOption(level: level, name: name), errno)
        }
        switch OptionCalls.readInt(level: level, name: name, from: fd) {
        case .success(let kept):
            return AppliedRawOption(
                level: level,
                name: name,
                requested: value,
                effective: kept,
                readBackError: nil,
                wasAdjusted: kept != value
            )
        case .failure(let errno):
            return AppliedRawOption(
                level: level,
                name: name,
                requested: value,
                effective: nil,
                readBackError: errno,
                wasAdjusted: false
            )
        }
    }

    /// Reads an option as a C int, with one `getsockopt` by C level and name. Nothing is allocated;
    /// nothing about the value is checked or interpreted.
    ///
    /// - Throws: ``SocketError/system(_:_:)`` with the errno of `getsockopt`.
    public func rawOption(level: Int32, name: Int32) throws(SocketError) -> Int32 {
        switch OptionCalls.readInt(level: level, name: name, from: rawDescriptor) {
        case .success(let value): return value
        case .failure(let errno): throw .system(.getRawOption(level: level, name: name), errno)
        }
    }

    /// Sets an option the catalogue lacks to the C bytes of its value (a structure laid out as
    /// the kernel expects it), reads it back into as many bytes and reports both. The escape hatch,
    /// unchecked, as ``setRawOption(level:name:value:)``.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for more than ``maximumRawOptionSize`` bytes,
    ///   before any call; ``SocketError/system(_:_:)`` with the errno of `setsockopt`.
    @discardableResult
    public func setRawOption(
        level: Int32,
        name: Int32,
        bytes: [UInt8]
    ) throws(SocketError) -> AppliedRawOption<[UInt8]> {
        guard bytes.count <= maximumRawOptionSize else {
            throw .invalidArgument("an option value of \(bytes.count) bytes; give at most \(maximumRawOptionSize)")
        }
        let fd = rawDescriptor
        if case .failure(let errno) = OptionCalls.setBytes(bytes, level: level, name: name, on: fd) {
            throw .system(.setRawOption(level: level, name: name), errno)
        }
        switch OptionCalls.getBytes(capacity: bytes.count, level: level, name: name, from: fd) {
        case .success(let kept):
            // The kernel writes as many bytes as the option holds: what it did not return was not
            // read back, so it cannot count as changed.
            return AppliedRawOption(
                level: level,
                name: name,
                requested: bytes,
                effective: kept,
                readBackError: nil,
                wasAdjusted: !bytes.starts(with: kept)
            )
        case .failure(let errno):
            return AppliedRawOption(
                level: level,
                name: name,
                requested: bytes,
                effective: nil,
                readBackError: errno,
                wasAdjusted: false
            )
        }
    }

    /// Reads an option as the C bytes `getsockopt` writes, at most `capacity` of them: as many as
    /// the kernel says it wrote.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` for a capacity outside
    ///   0...``maximumRawOptionSize``, before anything is allocated; ``SocketError/system(_:_:)`` with
    ///   the errno of `getsockopt`.
    public func rawOption(level: Int32, name: Int32, capacity: Int) throws(SocketError) -> [UInt8] {
        guard capacity >= 0 && capacity <= maximumRawOptionSize else {
            throw .invalidArgument("a capacity of \(capacity) bytes; give 0...\(maximumRawOptionSize)")
        }
        switch OptionCalls.getBytes(capacity: capacity, level: level, name: name, from: rawDescriptor) {
        case .success(let bytes): return bytes
        case .failure(let errno): throw .system(.getRawOption(level: level, name: name), errno)
        }
    }

    /// The largest raw option value taken or read, in bytes (64 KiB): larger than any option
    /// structure, and a bound on what one call allocates.
    public var maximumRawOptionSize: Int { 65536 }
}
