// SocketOptions: what a row of the option catalogue says about one option.

/// One option described as data: its C level and name, its codec and range, when it may be set,
/// which sockets have it, whether accepted connections inherit it, and its prose. `Option` is
/// ``SocketOption`` for options that can be set, ``ReadOnlySocketOption`` for the others.
///
/// Strings are StaticString and numbers plain values, so that looking a row up on the path of every
/// setsockopt and getsockopt costs no allocation and no reference counting. The option with a value
/// is made by its name (`Name.make`, generated from the cases), not by the row.
struct OptionRow<Option> {
    /// When the option may be set.
    enum Scope {
        /// Any time.
        case any
        /// Before bind: it changes what bind does.
        case beforeBind
        /// On a listening socket only.
        case listener
    }

    // The fields every set, read and setup uses come first, in one block of under 64 bytes at the
    // start of the row (each row of the table starts a 64-byte slot, ``RowTable``), so that the
    // path of a call touches one cache line of the table rather than four; the rest serves checks,
    // errors and text. (Swift lays a struct's stored properties out in order; a test checks the
    // offsets.)
    /// The C level, as a number (`level`'s).
    let rawLevel: CInt
    let rawName: CInt
    /// The C option getsockopt reads the value with: `readName`, else `rawName`.
    let rawReadName: CInt
    /// How a read decodes the value, derived from `codec` and `canReadBack` when the row is made:
    /// one byte that the path of every read tests instead of the codec.
    let reading: Reading
    /// False for an option the kernel takes but cannot report (a membership, a filter): it is set
    /// without a readback, and ``AppliedOption/isReadBack`` says so.
    let canReadBack: Bool
    let scope: Scope
    let sockets: SocketKinds
    /// Whether bind can change the value (`bindChange` is not nil): a setup reads such an option
    /// again once bound. Kept here, beside the other fields a setup reads, rather than only as the
    /// text far down the row.
    let bindCanChange: Bool
    /// Which of the kinds of socket a setup makes have the option, one bit each
    /// (``SocketKind/setupBit``): what `sockets.allows` says for them, stored when the table of rows
    /// is built, so that a setup tests one bit instead of calling the switch over `sockets`.
    fileprivate(set) var setupKinds: UInt8 = 0
    /// The values an int codec takes (``OptionCodec/int(_:unit:)``), for the set path's shortcut;
    /// meaningful only where `reading` is `.plainInt` (0...0 for every other codec).
    let intRange: ClosedRange<Int>
    /// ``SocketOption/Name/cIntLocation`` of the row's option, stored with the row when the table of
    /// rows is built, so that a setup that already holds the row reads it with one load rather than
    /// the generated switch; nil for an option that is not one C int read back under its own name
    /// (such as `receiveTimeout`, a `timeval`).
    fileprivate(set) var cIntLocation: SocketOption.CIntLocation? = nil

    let level: SocketOption.Level
    let cName: StaticString
    let codec: OptionCodec
    /// The C option that reads the value back, when it is not the one that sets it: SO_RCVBUF for
    /// SO_RCVBUFFORCE, which the kernel does not report under its own name.
    let readName: CInt?
    /// Whether an accepted connection reads back the listener's value (checked by a test).
    let inherited: Bool
    let meaning: StaticString
    let notes: StaticString
    /// Appended to the reason of a refused value.
    let valueNote: StaticString?
    /// Why the kernel keeps another value than the one set, when that is known
    /// (``AppliedOption/adjustment``); the platform notes stand in for it otherwise.
    let adjustment: StaticString?
    /// What bind itself does to the value, for an option bind can change: a listener reads such an
    /// option again once bound (``AppliedOption/changedByBind``).
    let bindChange: StaticString?
    /// How a value of 0 read back is described, for an option that cannot be set to 0 but reads
    /// back 0 when unset.
    let zeroMeaning: StaticString?

    /// How the kernel's answer becomes the option's Swift value.
    enum Reading: UInt8 {
        /// A C int that is the value as it is (``OptionCodec/int(_:unit:)``).
        case plainInt
        /// A C int that is a flag: any non-zero value is on.
        case bool
        /// Through ``OptionCodec/decode(_:)``.
        case decoded
        /// A socket filter, read into an array of its own length.
        case filter
        /// Not readable: set only (``canReadBack`` is false).
        case unreadable
    }

    init(
        level: SocketOption.Level,
        rawName: CInt,
        cName: StaticString,
        codec: OptionCodec,
        scope: Scope = .any,
        canReadBack: Bool = true,
        readName: CInt? = nil,
        inherited: Bool = false,
        sockets: SocketKinds,
        meaning: StaticString,
        notes: StaticString = "",
        valueNote: StaticString? = nil,
        adjustment: StaticString? = nil,
        bindChange: StaticString? = nil,
        zeroMeaning: StaticString? = nil
    ) {
        self.level = level
        self.rawLevel = level.cLevel
        self.rawReadName = readName ?? rawName
        self.rawName = rawName
        self.cName = cName
        self.codec = codec
        self.scope = scope
        self.canReadBack = canReadBack
        self.readName = readName
        self.inherited = inherited
        self.sockets = sockets
        self.meaning = meaning
        self.notes = notes
        self.valueNote = valueNote
        self.adjustment = adjustment
        self.bindChange = bindChange
        self.bindCanChange = bindChange != nil
        self.zeroMeaning = zeroMeaning
        self.intRange =
            switch codec {
            case .int(let range, _): range
            default: 0...0
            }
        self.reading =
            switch codec {
            case _ where !canReadBack: .unreadable
            case .int: .plainInt
            case .bool: .bool
            case .filter: .filter
            default: .decoded
            }
    }

}

/// The kinds of socket that have an option.
enum SocketKinds: Hashable, Sendable, CustomStringConvertible {
    case anySocket
    /// IPv4 and IPv6, any type.
    case ip
    /// IPv4, any type.
    case ipv4
    case tcp
    case ipDatagram
    case ipv6
    case ipv6Datagram
    case unix
    /// Raw IPv4 sockets (SOCK_RAW), which take CAP_NET_RAW to make.
    case ipv4Raw
    /// Raw IPv6 sockets.
    case ipv6Raw

    var description: String {
        switch self {
        case .anySocket: "any socket"
        case .ip: "IPv4 and IPv6 sockets"
        case .ipv4: "IPv4 sockets"
        case .tcp: "TCP sockets"
        case .ipDatagram: "UDP sockets (IPv4 and IPv6)"
        case .ipv6: "IPv6 sockets"
        case .ipv6Datagram: "IPv6 UDP sockets"
        case .unix: "Unix-domain sockets"
        case .ipv4Raw: "raw IPv4 sockets"
        case .ipv6Raw: "raw IPv6 sockets"
        }
    }

    func allows(_ kind: SocketKind) -> Bool {
        let isIP = kind.family == .ipv4 || kind.family == .ipv6
        return switch self {
        case .anySocket: true
        case .ip: isIP
        case .ipv4: kind.family == .ipv4
        case .tcp: isIP && kind.type == .stream
        case .ipDatagram: isIP && kind.type == .datagram
        case .ipv6: kind.family == .ipv6
        case .ipv6Datagram: kind.family == .ipv6 && kind.type == .datagram
        case .unix: kind.family == .unix
        case .ipv4Raw: kind.family == .ipv4 && kind.type == .raw
        case .ipv6Raw: kind.family == .ipv6 && kind.type == .raw
        }
    }
}

extension SocketOption.Name {
    /// Every row of the catalogue, built once, in the order of `allCases`, and kept for the life of
    /// the process. The path of every set and read takes the few fields it needs from here in
    /// place, through ``row``: the catalogue's `catalogueRow` switch writes all of a row's fields
    /// (and its closure) on every call, and a row taken out of an Array is copied whole: together
    /// some 140 of the 380 instructions a typed read added to its getsockopt
    /// (Documentation/Performance.md).
    /// A constant once built, so safe to share between threads.
    static let rows = RowTable(
        allCases.map { name in
            var row = name.catalogueRow
            row.cIntLocation = name.cIntLocation
            for kind in SocketKind.madeBySetup where row.sockets.allows(kind) { row.setupKinds |= kind.setupBit }
            return row
        }
    )

    /// This option's position in `allCases` and in `rows`. An enum without associated
    /// values holds the position of its case in declaration order, which is the order of
    /// `allCases` (a test checks it for every option).
    var position: Int { Int(unsafeBitCast(self, to: UInt8.self)) }

    /// The option at `position`, the inverse of ``position``: only for a position read from a
    /// name, as ``SocketRecord/KeptInts`` stores its names.
    init(position: UInt8) {
        assert(Int(position) < Self.rows.count, "no option at position \(position)")
        self = unsafeBitCast(position, to: Self.self)
    }

    /// This option's row, read in place in ``rows``: `name.row.scope` loads one field, without
    /// copying the row (its closure included) or running the catalogue's switch.
    var row: OptionRow<SocketOption> {
        unsafeAddress { rowPointer }
    }

    /// Where this option's row is in ``rows``: for a path that reads several fields, so that the
    /// table is looked up once.
    var rowPointer: UnsafePointer<OptionRow<SocketOption>> { Self.rows.pointer(at: position) }
}

/// The rows of the catalogue, each at the start of a 64-byte cache line: the fields a set, a read
/// or a setup uses lie in the first 64 bytes of a row (see the order of OptionRow's fields), so
/// that each option costs one line of the table. Built once and never freed.
struct RowTable: @unchecked Sendable {
    /// The distance between two rows: a row's size rounded up to whole cache lines.
    static let slot = (MemoryLayout<OptionRow<SocketOption>>.stride + 63) & ~63

    let count: Int
    private let base: UnsafeMutableRawPointer

    init(_ rows: [OptionRow<SocketOption>]) {
        count = rows.count
        base = UnsafeMutableRawPointer.allocate(byteCount: Self.slot * max(rows.count, 1), alignment: 64)
        for (position, row) in rows.enumerated() {
            (base + position * Self.slot).initializeMemory(as: OptionRow<SocketOption>.self, to: row)
        }
    }

    /// Where the row at `position` lies. Unchecked in a release build, for the path of every call:
    /// its callers pass a `Name`'s position, which is always in the table.
    @inline(__always)
    func pointer(at position: Int) -> UnsafePointer<OptionRow<SocketOption>> {
        assert(position >= 0 && position < count, "no row at \(position)")
        return UnsafePointer((base + position * Self.slot).assumingMemoryBound(to: OptionRow<SocketOption>.self))
    }

    subscript(position: Int) -> OptionRow<SocketOption> {
        unsafeAddress {
            precondition(position >= 0 && position < count, "no row at \(position)")
            return pointer(at: position)
        }
    }
}
