// SocketOptions: the one path from a catalogue row to setsockopt and getsockopt, with the value
// checked and encoded once and read back.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@usableFromInline
enum OptionCalls {
    /// One setsockopt call with the value's own C layout and size.
    @inline(__always)
    static func set(_ value: OptionCodec.CValue, level: CInt, name: CInt, on fd: CInt) -> Result<Void, Errno> {
        let result: Result<CInt, Errno>
        switch value {
        case .int(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<CInt>.size)) }
        case .time(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<timeval>.size)) }
        case .linger(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<CLinger>.size)) }
        case .text(var raw):
            // The length is the name's own: the kernel copies that many bytes and ends them itself.
            let count = socklen_t(raw.count)
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw.bytes, count) }
        case .address(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<in_addr>.size)) }
        case .ipv4Membership(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<ip_mreqn>.size)) }
        case .ipv4SourceMembership(var raw):
            result = valueOrErrno {
                system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<ip_mreq_source>.size))
            }
        case .ipv6Membership(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<ipv6_mreq>.size)) }
        case .filter:
            preconditionFailure("a filter is set with setFilter, from the program in its option")
        case .unsigned64, .peerCredentials, .socketAddress:
            preconditionFailure("read-only values are never set")
        }
        return result.map { _ in () }
    }

    /// One getsockopt call into a zeroed buffer of the value's full size. Out of line: the reads
    /// of a C int or flag, the commonest, do not come here (``readValue(_:from:)``), and the rest
    /// would make every read's frame as large as the largest layout.
    @inline(never)
    static func get(
        _ layout: OptionCodec.CLayout,
        level: CInt,
        name: CInt,
        from fd: CInt
    ) -> Result<OptionCodec.CValue, Errno> {
        switch layout {
        case .int:
            var raw: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .int(raw) }
        case .time:
            var raw = timeval(tv_sec: 0, tv_usec: 0)
            var length = socklen_t(MemoryLayout<timeval>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .time(raw) }
        case .linger:
            var raw = CLinger(l_onoff: 0, l_linger: 0)
            var length = socklen_t(MemoryLayout<CLinger>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .linger(raw) }
        case .text:
            var raw = ShortText()
            var length = socklen_t(MemoryLayout.size(ofValue: raw.bytes))
            return valueOrErrno { system_getsockopt(fd, level, name, &raw.bytes, &length) }.map { _ in
                raw.count = min(Int(length), ShortText.capacity + 1)
                return .text(raw)
            }
        case .address:
            var raw = in_addr(s_addr: 0)
            var length = socklen_t(MemoryLayout<in_addr>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .address(raw) }
        case .unsigned64:
            var raw: UInt64 = 0
            var length = socklen_t(MemoryLayout<UInt64>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .unsigned64(raw) }
        case .peerCredentials:
            var raw = CPeerCredentials()
            var length = socklen_t(MemoryLayout<CPeerCredentials>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .peerCredentials(raw) }
        case .socketAddress:
            var raw = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .socketAddress(raw) }
        case .filter:
            preconditionFailure("a filter is read with getFilter, into an array of its length")
        case .none:
            preconditionFailure("a set-only option is never read: its row says so")
        }
    }

    /// SO_GET_FILTER counts in instructions, not bytes (net/core/filter.c, sk_get_filter): asked
    /// with at least as many instructions as the program has, it copies them and reports their
    /// count. One call with room for the longest program the kernel takes (BPF_MAXINSNS), rather
    /// than a first call asking for the count: that cannot race with a filter attached between two
    /// calls, and it never hands the kernel a buffer smaller than the length it reports back
    /// (AddressSanitizer's getsockopt takes that length for bytes written).
    static func getFilter(level: CInt, name: CInt, from fd: CInt) -> Result<SocketFilter, Errno> {
        var instructions = [SocketFilter.Instruction](
            repeating: SocketFilter.Instruction(code: 0, jumpIfTrue: 0, jumpIfFalse: 0, k: 0),
            count: SocketFilter.maximumInstructions
        )
        var length = socklen_t(SocketFilter.maximumInstructions)
        let result = instructions.withUnsafeMutableBufferPointer { buffer in
            valueOrErrno { system_getsockopt(fd, level, name, buffer.baseAddress!, &length) }
        }
        return result.map { _ in
            SocketFilter(Array(instructions.prefix(min(Int(length), SocketFilter.maximumInstructions))))
        }
    }

    /// SO_ATTACH_FILTER (and SO_ATTACH_REUSEPORT_CBPF, which takes the same struct): a sock_fprog
    /// that points into the program's own array for the call.
    static func setFilter(_ program: SocketFilter, level: CInt, name: CInt, on fd: CInt) -> Result<Void, Errno> {
        program.instructions.withUnsafeBufferPointer { instructions in
            // The count fits: the codec took 1...4096 instructions only.
            var raw = CFilterProgram(length: UInt16(instructions.count), instructions: instructions.baseAddress)
            return valueOrErrno {
                system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<CFilterProgram>.size))
            }
            .map { _ in () }
        }
    }

    /// One setsockopt with the caller's bytes, for the escape hatch.
    static func setBytes(_ bytes: [UInt8], level: CInt, name: CInt, on fd: CInt) -> Result<Void, Errno> {
        // The caller's own storage, not a copy: a set allocates nothing. An empty array may have no
        // address: the kernel is then given a byte of the stack of which it is told none.
        var none: UInt8 = 0
        let length = socklen_t(bytes.count)
        return bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else {
                return valueOrErrno { system_setsockopt(fd, level, name, &none, 0) }
            }
            return valueOrErrno { system_setsockopt(fd, level, name, base, length) }
        }
        .map { _ in () }
    }

    /// One getsockopt into a zeroed buffer of `capacity` bytes; the bytes the kernel says it wrote.
    static func getBytes(capacity: Int, level: CInt, name: CInt, from fd: CInt) -> Result<[UInt8], Errno> {
        // At least one byte, so that the buffer has an address; the kernel is told `capacity`.
        var bytes = [UInt8](repeating: 0, count: max(capacity, 1))
        var length = socklen_t(capacity)
        let result = bytes.withUnsafeMutableBytes { buffer in
            valueOrErrno { system_getsockopt(fd, level, name, buffer.baseAddress!, &length) }
        }
        return result.map { _ in Array(bytes.prefix(min(Int(length), capacity))) }
    }

    /// One getsockopt of a C int, for reading a socket's kind without a row.
    static func readInt(level: CInt, name: CInt, from fd: CInt) -> Result<CInt, Errno> {
        get(.int, level: level, name: name, from: fd).map { value in
            guard case .int(let raw) = value else { preconditionFailure("an int layout reads back an int") }
            return raw
        }
    }

    /// Reads a settable option's Swift value, with the errno turned into the package's error.
    /// The row's fields are read in place from ``SocketOption/Name/rows``: this is the path of
    /// every typed read and of every readback.
    @usableFromInline @inline(__always)
    static func readValue(_ name: SocketOption.Name, from fd: CInt) throws(SocketError) -> OptionCodec.SwiftValue {
        try readValue(name, row: name.rowPointer, from: fd)
    }

    /// ``readValue(_:from:)`` with the option's row already looked up, for the set path, which
    /// has it from the checks.
    @inline(__always)
    static func readValue(
        _ name: SocketOption.Name,
        row: UnsafePointer<OptionRow<SocketOption>>,
        from fd: CInt
    ) throws(SocketError) -> OptionCodec.SwiftValue {
        let reading = row.pointee.reading
        guard reading == .plainInt || reading == .bool else { return try readOtherValue(name, row: row, from: fd) }
        // The commonest codecs, decided by one byte of the row rather than by the codec, whose
        // payloads make it costly to test and copy; the same results as decode's. Everything else,
        // errors included, is out of line, so that this path is a few instructions and a small frame.
        var raw: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        let level = row.pointee.rawLevel
        let readName = row.pointee.rawReadName
        if case .failure(let errno) = valueOrErrno({ system_getsockopt(fd, level, readName, &raw, &length) }) {
            try fail(errno, name: name, fd: fd)
        }
        return reading == .bool ? .bool(raw != 0) : .int(Int(raw))
    }

    /// The reads of every codec but a plain C int or flag: out of line, off the commonest path.
    @inline(never)
    static func readOtherValue(
        _ name: SocketOption.Name,
        row: UnsafePointer<OptionRow<SocketOption>>,
        from fd: CInt
    ) throws(SocketError) -> OptionCodec.SwiftValue {
        let level = row.pointee.rawLevel
        let readName = row.pointee.rawReadName
        switch row.pointee.reading {
        case .plainInt, .bool, .decoded:
            let codec = row.pointee.codec
            switch get(codec.cLayout, level: level, name: readName, from: fd) {
            case .success(let value): return codec.decode(value)
            case .failure(let errno): throw error(errno, name: name, fd: fd)
            }
        case .filter:
            switch getFilter(level: level, name: readName, from: fd) {
            case .success(let program): return .filter(program)
            case .failure(let errno): throw error(errno, name: name, fd: fd)
            }
        case .unreadable:
            throw .optionNotApplicable(name, reason: "the kernel does not report its value; it can only be set")
        }
    }

    /// Throws the error of a failed call: out of line, so that the paths that call it keep no room
    /// for an error in their own frame.
    @inline(never)
    static func fail(
        _ errno: Errno,
        name: SocketOption.Name,
        setting: SocketOption? = nil,
        fd: CInt
    ) throws(SocketError) -> Never {
        throw error(errno, name: name, setting: setting, fd: fd)
    }

    /// Reads a settable option.
    static func read(_ name: SocketOption.Name, from fd: CInt) throws(SocketError) -> SocketOption {
        name.make(try readValue(name, from: fd))
    }

    /// Reads a settable option as the Swift type of its key. Inlinable, as its caller
    /// ``SocketOptionAccess/value(_:)`` is, so that the key's decoding is known where it is called
    /// and becomes a branch on the value read, without a call through the key's closure.
    ///
    /// An option that getsockopt reports as one C int (``SocketOption/Name/cIntLocation``) is read
    /// by that getsockopt here, in the caller's code, with a failure handed to an out-of-line call
    /// that makes the error as ``readValue(_:from:)`` does.
    @inlinable
    static func value<Value>(_ key: SocketOption.Key<Value>, from fd: CInt) throws(SocketError) -> Value {
        guard let location = key.name.cIntLocation else { return key.decode(try readValue(key.name, from: fd)) }
        var raw: CInt = 0
        guard inlinableGetsockopt(fd, location.level, location.name, &raw) == 0 else {
            return key.decode(try readAfterFailure(key.name, from: fd))
        }
        return key.decode(location.isFlag ? .bool(raw != 0) : .int(Int(raw)))
    }

    /// What a typed read does after its inlined getsockopt failed: errno read at once, then a
    /// read interrupted by a signal made again (the way every other call retries EINTR), and any
    /// other errno thrown as ``readValue(_:from:)`` throws it.
    @usableFromInline @inline(never)
    static func readAfterFailure(_ name: SocketOption.Name, from fd: CInt) throws(SocketError) -> OptionCodec.SwiftValue
    {
        let errno = currentErrno()
        guard errno == .interrupted else { throw error(errno, name: name, fd: fd) }
        return try readValue(name, from: fd)
    }

    /// ``readAfterFailure(_:from:)`` for an option of one C int: the int it read (a flag's 0 or 1).
    @usableFromInline @inline(never)
    static func readCIntAfterFailure(_ name: SocketOption.Name, from fd: CInt) throws(SocketError) -> CInt {
        // The row of an option with a C int location reads as a plain int or a flag (a test checks
        // every row): its value always has a C int number.
        guard let number = try readAfterFailure(name, from: fd).cIntNumber else {
            preconditionFailure("\(name) has a C int location but its row reads no C int")
        }
        return CInt(truncatingIfNeeded: number)
    }

    /// Reads a read-only option's Swift value.
    static func read(_ name: ReadOnlySocketOption.Name, from fd: CInt) throws(SocketError) -> OptionCodec.SwiftValue {
        let row = name.row
        switch get(row.codec.cLayout, level: row.rawLevel, name: row.rawReadName, from: fd) {
        case .success(let value): return row.codec.decode(value)
        case .failure(let errno): throw .system(.getReadOnlyOption(name), errno)
        }
    }

    /// Reads a read-only option.
    static func readOnly(_ name: ReadOnlySocketOption.Name, from fd: CInt) throws(SocketError) -> ReadOnlySocketOption {
        name.make(try read(name, from: fd))
    }

    /// Reads a read-only option as the Swift type of its key.
    static func value<Value>(_ key: ReadOnlySocketOption.Key<Value>, from fd: CInt) throws(SocketError) -> Value {
        key.decode(try read(key.name, from: fd))
    }

    /// The work of ``SocketOptionSetting/setOption(_:)``: on a socket of a known kind, the checks
    /// of a socket past bind first; then the set and its readback.
    ///
    /// Inlinable: for an option that is one C int read back under its own name
    /// (``SocketOption/Name/cIntLocation``), the checks are one call and the setsockopt and
    /// getsockopt are made here, in the caller's code, where the option's case is known; every
    /// other option, and every failure, goes out of line.
    @inlinable @inline(__always)
    static func setOption(
        _ option: consuming SocketOption,
        kind: SocketKind?,
        on fd: CInt
    ) throws(SocketError) -> AppliedOption {
        let (name, value) = option.entry
        guard let kept = try setAsCInt(name, value, kind: kind, on: fd, requested: { name.make(value) }) else {
            return try setOptionThroughRow(option, kind: kind, on: fd)
        }
        return AppliedOption(requested: option, effective: name.make(kept))
    }

    /// The set of ``setOption(_:kind:on:)`` and of the typed set (``SocketOptionSetting/set(_:_:)``)
    /// for an option set as one C int: checked, set and read back in the caller's code. Nil,
    /// before any call, for any other option, or a value its codec must encode: the caller then
    /// sets it through the option's row. `requested` makes the option, for an error's text only.
    ///
    /// - Returns: the value kept, as the catalogue's Swift value.
    @inlinable @inline(__always)
    static func setAsCInt(
        _ name: SocketOption.Name,
        _ value: OptionCodec.SwiftValue,
        kind: SocketKind?,
        on fd: CInt,
        requested: () -> SocketOption
    ) throws(SocketError) -> OptionCodec.SwiftValue? {
        guard let location = name.cIntLocation, let number = value.cIntNumber,
            let raw = try checkedCInt(name, number, isFlag: location.isFlag, kind: kind)
        else { return nil }
        return try setCIntAndReadBack(raw, at: location, name, on: fd, requested: requested)
    }

    /// ``setOption(_:kind:on:)`` for any option, through its row.
    @usableFromInline
    static func setOptionThroughRow(
        _ option: consuming SocketOption,
        kind: SocketKind?,
        on fd: CInt
    ) throws(SocketError) -> AppliedOption {
        let checked =
            if let kind { try SocketSetup.checkAfterBind(option, for: kind) } else { try CheckedOption(option) }
        return try apply(checked, option, on: fd)
    }

    /// The checks of a set (the socket's kind and the option's scope when the kind is known, then
    /// the value) for an option set as one C int, whose value is `number` (a flag's 0 or 1): the
    /// int to set, or nil when the codec did not make one (the set then goes through the row). A
    /// flag takes any value and a number in its row's range is itself; the rest, refusals
    /// included, is what ``CheckedOption`` says of it.
    @usableFromInline
    static func checkedCInt(
        _ name: SocketOption.Name,
        _ number: Int,
        isFlag: Bool,
        kind: SocketKind?
    ) throws(SocketError) -> CInt? {
        if let kind {
            try SocketSetup.checkKind(name, kind)
            try SocketSetup.checkScopeAfterBind(name)
        }
        if isFlag { return number != 0 ? 1 : 0 }
        if name.rowPointer.pointee.intRange.contains(number), let raw = CInt(exactly: number) { return raw }
        return try checkedCIntOutOfRange(name, number)
    }

    /// ``checkedCInt(_:_:isFlag:kind:)`` for a number outside its row's plain range: the codec's
    /// own encoding, or its refusal. Out of line, so that the common case keeps a small frame.
    @inline(never)
    static func checkedCIntOutOfRange(_ name: SocketOption.Name, _ number: Int) throws(SocketError) -> CInt? {
        let value = OptionCodec.SwiftValue.int(number)
        let checked = try CheckedOption(name, value, option: { name.make(value) })
        guard case .int(let raw) = checked.value else { return nil }
        return raw
    }

    /// The setsockopt of a checked C int and the getsockopt that reads it back, made in the
    /// caller's code: what ``setAndReadBack(_:filter:requested:on:)`` does for such an option. A
    /// flag that reads back different from the request throws, as there.
    ///
    /// `requested` makes the option as requested, for an error's text and only for that.
    ///
    /// - Returns: the value kept, as the catalogue's Swift value (a flag's `.bool`, else `.int`).
    @inlinable @inline(__always)
    static func setCIntAndReadBack(
        _ raw: CInt,
        at location: SocketOption.CIntLocation,
        _ name: SocketOption.Name,
        on fd: CInt,
        requested: () -> SocketOption
    ) throws(SocketError) -> OptionCodec.SwiftValue {
        let kept = try setCIntAndReadBackKept(raw, at: location, name, on: fd, requested: requested)
        return location.isFlag ? .bool(kept != 0) : .int(Int(kept))
    }

    /// ``setCIntAndReadBack(_:at:_:on:requested:)`` keeping the C int the kernel kept, for a record
    /// that stores it as it is (``SocketRecord``).
    @inlinable @inline(__always)
    static func setCIntAndReadBackKept(
        _ raw: CInt,
        at location: SocketOption.CIntLocation,
        _ name: SocketOption.Name,
        on fd: CInt,
        requested: () -> SocketOption
    ) throws(SocketError) -> CInt {
        var request = raw
        if inlinableSetsockopt(fd, location.level, location.name, &request) != 0 {
            try setAfterFailure(raw, at: location, requested(), on: fd)
        }
        return try readBackKept(raw, at: location, name, on: fd, requested: requested)
    }

    /// The second half of ``setCIntAndReadBackKept(_:at:_:on:requested:)``, once the set of `raw`
    /// succeeded: the getsockopt (an interrupted one made again, any other errno thrown) and the
    /// flag's check. Also what a compact setup does after a set it had to make again.
    @inlinable @inline(__always)
    static func readBackKept(
        _ raw: CInt,
        at location: SocketOption.CIntLocation,
        _ name: SocketOption.Name,
        on fd: CInt,
        requested: () -> SocketOption
    ) throws(SocketError) -> CInt {
        var kept: CInt = 0
        if inlinableGetsockopt(fd, location.level, location.name, &kept) != 0 {
            kept = try readCIntAfterFailure(name, from: fd)
        }
        try checkKept(kept, raw, at: location, name, requested: requested)
        return kept
    }

    /// Refuses a flag the kernel read back other than it was set (`raw`, 0 or 1).
    @inlinable @inline(__always)
    static func checkKept(
        _ kept: CInt,
        _ raw: CInt,
        at location: SocketOption.CIntLocation,
        _ name: SocketOption.Name,
        requested: () -> SocketOption
    ) throws(SocketError) {
        if location.isFlag && (kept != 0) != (raw != 0) {
            try failNotKept(requested(), effective: name.make(.bool(kept != 0)))
        }
    }

    /// What an inlined setsockopt does after a failure: errno read at once, the call made again
    /// while a signal interrupts it, and any other errno thrown as every set throws it.
    @usableFromInline @inline(never)
    static func setAfterFailure(
        _ raw: CInt,
        at location: SocketOption.CIntLocation,
        _ requested: SocketOption,
        on fd: CInt
    ) throws(SocketError) {
        var errno = currentErrno()
        while errno == .interrupted {
            var request = raw
            let size = socklen_t(MemoryLayout<CInt>.size)
            guard system_setsockopt(fd, location.level, location.name, &request, size) != 0 else { return }
            errno = currentErrno()
        }
        throw error(errno, name: requested.name, setting: requested, fd: fd)
    }

    /// Checks `option`, sets it, reads it back and reports what was kept.
    static func apply(_ option: SocketOption, on fd: CInt) throws(SocketError) -> AppliedOption {
        try apply(CheckedOption(option), option, on: fd)
    }

    /// Sets an option whose value is already checked and encoded, reads it back and reports what
    /// was kept. Inlined into its two callers (one option, a socket's list), where it is the whole work.
    @inline(__always)
    static func apply(
        _ checked: CheckedOption,
        _ option: consuming SocketOption,
        on fd: CInt
    ) throws(SocketError) -> AppliedOption {
        let filter: SocketFilter? =
            if case .filter = checked.value, case .attachFilter(let program) = copy option { program } else { nil }
        guard let kept = try setAndReadBack(checked, filter: filter, requested: { copy option }, on: fd) else {
            return AppliedOption(requested: option, unreadable: ())
        }
        return AppliedOption(requested: option, effective: checked.name.make(kept))
    }

    /// The work of the typed write ``SocketOptionSetting/set(_:_:)``: the option named by its key,
    /// with its value as the key encoded it, checked as ``setOption(_:kind:on:)`` checks it, set
    /// and read back, without making a ``SocketOption`` unless an error must show one.
    ///
    /// - Returns: the value the kernel kept; nil for an option it does not report.
    @usableFromInline
    static func setValue(
        _ name: SocketOption.Name,
        _ value: OptionCodec.SwiftValue,
        kind: SocketKind?,
        on fd: CInt
    ) throws(SocketError) -> OptionCodec.SwiftValue? {
        if let kind {
            try SocketSetup.checkKind(name, kind)
            try SocketSetup.checkScopeAfterBind(name)
        }
        let checked = try CheckedOption(name, value) { name.make(value) }
        let filter: SocketFilter? = if case .filter(let program) = value { program } else { nil }
        return try setAndReadBack(checked, filter: filter, requested: { name.make(value) }, on: fd)
    }

    /// The one setsockopt and getsockopt of every set: the checked value set (a filter from its
    /// program), then read back. A boolean that reads back different from the request throws: the
    /// kernel ignored it. `requested` makes the option for an error's text, and only for that.
    ///
    /// - Returns: the Swift value the kernel kept; nil for an option it does not report.
    @inline(__always)
    static func setAndReadBack(
        _ checked: CheckedOption,
        filter: SocketFilter?,
        requested: () -> SocketOption,
        on fd: CInt
    ) throws(SocketError) -> OptionCodec.SwiftValue? {
        let name = checked.name
        let row = checked.row
        let level = row.pointee.rawLevel
        let setName = row.pointee.rawName
        let result =
            if let filter {
                setFilter(filter, level: level, name: setName, on: fd)
            } else {
                set(checked.value, level: level, name: setName, on: fd)
            }
        if case .failure(let errno) = result { try fail(errno, name: name, setting: requested(), fd: fd) }
        guard row.pointee.canReadBack else { return nil }
        let kept = try readValue(name, row: row, from: fd)
        // A boolean is compared as the C flag that was set: the kernel ignored it when it differs.
        if case .bool(let on) = kept, case .int(let raw) = checked.value, on != (raw != 0) {
            try failNotKept(requested(), effective: name.make(kept))
        }
        return kept
    }

    /// Throws ``SocketError/optionNotKept(requested:effective:)``, out of line.
    @usableFromInline @inline(never)
    static func failNotKept(_ requested: SocketOption, effective: SocketOption) throws(SocketError) -> Never {
        throw .optionNotKept(requested: requested, effective: effective)
    }

    /// ENOPROTOOPT, EOPNOTSUPP, EINVAL and EPROTO (a membership on TCP) mean the socket has no such
    /// option when its kind lacks it by the catalogue (IP_MULTICAST_TTL on TCP): said with the
    /// socket's kind. From a kind that has it they are the kernel's own answer, kept as it is:
    /// TCP_FASTOPEN_CONNECT is EOPNOTSUPP where a sysctl turns client Fast Open off. EINVAL from
    /// setting `setting` on a kind that has it (or of a kind unknown) refuses the value. The
    /// socket's kind is read once, and only for these errnos.
    static func error(
        _ errno: Errno,
        name: SocketOption.Name,
        setting: SocketOption? = nil,
        fd: CInt
    ) -> SocketError {
        let operation: SocketError.Operation = setting == nil ? .getOption(name) : .setOption(name)
        switch errno {
        case .protocolNotAvailable, .notSupported, .invalidArgument, .protocolError:
            let row = name.row
            let kind = SocketKind.read(fd)
            if let kind, !row.sockets.allows(kind) {
                return .optionNotSupported(name, socket: kind, errno: errno)
            }
            if errno == .invalidArgument, let setting {
                return .invalidValue(
                    setting,
                    reason: "the kernel refused it (EINVAL): the value is out of its range, or the socket is past "
                        + "the point where this option can be set" + (row.valueNote.map { "; \($0)" } ?? "")
                )
            }
            return .system(operation, errno)
        default:
            return .system(operation, errno)
        }
    }
}

/// An option's value checked and encoded: what a setsockopt needs, made once per set. Plain data
/// (the option itself stays with the caller), so that a socket's list of them is copied and freed
/// without reference counting.
struct CheckedOption {
    let name: SocketOption.Name
    let value: OptionCodec.CValue
    /// The option's row, looked up once for the checks, the calls and the readback.
    let row: UnsafePointer<OptionRow<SocketOption>>

    /// Checks the value against what the kernel keeps faithfully and encodes it. Nothing here
    /// touches the system.
    @inline(__always)
    init(_ option: borrowing SocketOption) throws(SocketError) {
        let (name, value) = option.entry
        try self.init(name, value, row: name.rowPointer, option: option)
    }

    /// Checks and encodes `value` of the option `name`, whose row the caller has looked up; `option`
    /// is the option itself, copied only for the text of a refusal.
    @inline(__always)
    init(
        _ name: SocketOption.Name,
        _ value: OptionCodec.SwiftValue,
        row: UnsafePointer<OptionRow<SocketOption>>,
        option: borrowing SocketOption
    ) throws(SocketError) {
        if let verbatim = Self.verbatim(name, value, row) {
            self = verbatim
        } else {
            self = try Self.encoded(name, value, row, option: option)
        }
    }

    /// Checks and encodes the value of the option `name`; `option` makes the option for the text
    /// of a refusal, and only for that.
    @inline(__always)
    init(
        _ name: SocketOption.Name,
        _ value: OptionCodec.SwiftValue,
        option: () -> SocketOption
    ) throws(SocketError) {
        let row = name.rowPointer
        if let verbatim = Self.verbatim(name, value, row) {
            self = verbatim
        } else {
            self = try Self.encoded(name, value, row, option: option())
        }
    }

    private init(_ name: SocketOption.Name, _ value: OptionCodec.CValue, _ row: UnsafePointer<OptionRow<SocketOption>>)
    {
        self.name = name
        self.value = value
        self.row = row
    }

    /// A boolean and an int in range, the commonest, decided by the row's `reading` byte and range
    /// rather than by the codec, whose payloads make it costly to test; the same results as the
    /// codec's encode, which takes the rest and every refusal. Nil for those.
    @inline(__always)
    private static func verbatim(
        _ name: SocketOption.Name,
        _ value: OptionCodec.SwiftValue,
        _ row: UnsafePointer<OptionRow<SocketOption>>
    ) -> CheckedOption? {
        guard let raw = verbatimInt(value, row) else { return nil }
        return CheckedOption(name, .int(raw), row)
    }

    /// The C int of a value that is the option's own value as one C int (a flag's 0 or 1, or a
    /// number in its row's range): what ``verbatim`` checks, for the compact setup too. Nil for any
    /// other value, valid or not.
    @inline(__always)
    static func verbatimInt(_ value: OptionCodec.SwiftValue, _ row: UnsafePointer<OptionRow<SocketOption>>) -> CInt? {
        switch (row.pointee.reading, value) {
        case (.bool, .bool(let on)): on ? 1 : 0
        case (.plainInt, .int(let number)) where row.pointee.intRange.contains(number): CInt(number)
        default: nil
        }
    }

    /// Encodes by the codec, out of line: the option is copied for the text of a refusal only here,
    /// never on the common path.
    @inline(never)
    private static func encoded(
        _ name: SocketOption.Name,
        _ value: OptionCodec.SwiftValue,
        _ row: UnsafePointer<OptionRow<SocketOption>>,
        option: borrowing SocketOption
    ) throws(SocketError) -> CheckedOption {
        let encoded = try row.pointee.codec.encode(value, for: copy option, note: row.pointee.valueNote)
        return CheckedOption(name, encoded, row)
    }
}
