// SocketOptions: what ListeningSocket and DatagramSocket do alike to make their socket: the
// options checked before any system call, the socket opened, each option set and read back, the
// socket bound, and the options that bind can change read again.

enum SocketSetup {
    /// A socket made and bound, with the record of its options: what ``make(_:role:options:over:)``
    /// hands to the initializer of its owner.
    struct Made: ~Copyable {
        let descriptor: SocketDescriptor
        let record: SocketRecord
    }

    /// What the socket is made for, and so how it is opened and bound.
    enum Role {
        /// A stream socket, non-blocking (so that an accept after poll never waits for a connection
        /// someone else took), that listens with `backlog`; a Unix one is bound under a private
        /// name and published at its path with `unixFileMode` once listening.
        case listener(backlog: Int, unixFileMode: UInt32?)
        /// A datagram socket; a Unix one is bound at its path itself, since its bound name is where
        /// the datagrams it sends come from.
        case datagram

        func open(for address: SocketAddress) throws(SocketError) -> SocketDescriptor {
            switch self {
            case .listener: try SocketCalls.open(for: address, nonBlocking: true)
            case .datagram: try SocketCalls.open(for: address, datagram: true)
            }
        }

        /// The backlog to listen with; nil for a socket that does not listen.
        var backlog: Int? {
            switch self {
            case .listener(let backlog, _): backlog
            case .datagram: nil
            }
        }

        func kind(for address: SocketAddress) -> SocketKind {
            switch self {
            case .listener: SocketKind(family: address.family, type: .stream)
            case .datagram: SocketKind(family: address.family, type: .datagram)
            }
        }
    }

    /// Makes a socket for `address`: every option checked and encoded first (a bad one throws
    /// before any system call), then socket, one setsockopt and getsockopt per option in order,
    /// bind (and listen, for a listener), getsockname for an IP address, and a second read of the
    /// options bind can change. A throw after socket closes the socket (its descriptor's deinit).
    ///
    /// The options are `given` laid over `defaults` by name, in the order of
    /// ``forEachOption(_:over:dualStack:_:)``: for an IPv6 address that can take IPv4 too (`::` or
    /// IPv4-mapped) without `ipv6Only` among them, `.ipv6Only(false)` last, dual stack whatever
    /// `net.ipv6.bindv6only` says. Not for a specific IPv6 address: bind turns IPV6_V6ONLY on for
    /// it, so `.ipv6Only(false)` could not hold.
    ///
    /// The options are read where they lie, in the caller's arrays. A setup whose options are all
    /// one C int as they stand is planned first (``compactPlan(_:over:dualStack:kind:into:)``): nothing
    /// allocated, nothing on the stack but the plan. Any other setup checks every option into a
    /// buffer on the stack, and its record keeps the options' records in an array.
    static func make(
        _ address: SocketAddress,
        role: Role,
        options given: [SocketOption],
        over defaults: [SocketOption]
    ) throws(SocketError) -> Made {
        // Nothing of an IPv4 address is checked here (it has no path, and maps nothing).
        if case .ip(.ipv4, _) = address.endpoint {} else { try checkAddress(address, given) }
        let kind = role.kind(for: address)
        let dualStack = address.canServeIPv4
        var plan = CompactPlan()
        if compactPlan(given, over: defaults, dualStack: dualStack, kind: kind, into: &plan) {
            let descriptor = try role.open(for: address)
            try setCompactly(&plan, on: descriptor.rawValue)
            let bound = try bind(descriptor.rawValue, to: address, role: role)
            return Made(descriptor: descriptor, record: SocketRecord(bound, kept: plan.options))
        }
        return try makeGenerally(address, role: role, kind: kind, dualStack: dualStack, options: given, over: defaults)
    }

    /// Refuses, before any call, what the address alone makes impossible: a Unix path that cannot be
    /// split into its directory and name, and `.ipv6Only(true)` for an IPv4-mapped address. Out of
    /// line, and called for any address but IPv4, so that the text of its errors takes no room in the
    /// frame of ``make(_:role:options:over:)``.
    @inline(never)
    private static func checkAddress(_ address: SocketAddress, _ given: [SocketOption]) throws(SocketError) {
        if let path = address.unixPath { _ = try UnixSocketFile.split(path, address: address) }
        if address.isIPv4Mapped, given.contains(.ipv6Only(true)) {
            throw .invalidValue(
                .ipv6Only(true),
                reason: "an IPv4-mapped address (\(address)) carries IPv4 traffic, which an IPv6-only socket "
                    + "cannot take: bind would refuse it (EINVAL); leave ipv6Only out, or bind the IPv4 address itself"
            )
        }
    }

    /// ``make(_:role:options:over:)`` for a setup that is not compact: out of line, so that the
    /// compact path's code lies together.
    @inline(never)
    private static func makeGenerally(
        _ address: SocketAddress,
        role: Role,
        kind: SocketKind,
        dualStack: Bool,
        options given: [SocketOption],
        over defaults: [SocketOption]
    ) throws(SocketError) -> Made {
        let capacity = defaults.count + given.count + 1
        return try withUnsafeTemporaryAllocation(of: Planned.self, capacity: capacity) {
            planned throws(SocketError) -> Made in
            var count = 0
            try forEachOption(given, over: defaults, dualStack: dualStack) { option, name, origin throws(SocketError) in
                let one = try check(option, for: kind)
                if let earlier = planned[..<count].firstIndex(where: { $0.checked.name == name }) {
                    throw .optionGivenTwice(
                        name,
                        first: planned[earlier].origin.option(given, defaults),
                        second: copy option
                    )
                }
                planned.initializeElement(at: count, to: Planned(checked: one, origin: origin))
                count += 1
            }
            // Plain data (`Planned` holds no reference): nothing to deinitialize, on any path.
            let options = UnsafeMutableBufferPointer(rebasing: planned[..<count])
            let descriptor = try role.open(for: address)
            let fd = descriptor.rawValue
            var applied: [AppliedOption] = []
            applied.reserveCapacity(count)
            for option in options {
                applied.append(try OptionCalls.apply(option.checked, option.origin.option(given, defaults), on: fd))
            }
            let bound = try bind(fd, to: address, role: role)
            // Only the options whose row says bind can change them are read again.
            for index in options.indices where options[index].checked.row.pointee.bindCanChange {
                try readAgain(&applied[index], name: options[index].checked.name, on: fd)
            }
            return Made(descriptor: descriptor, record: SocketRecord(bound, records: applied))
        }
    }

    /// Binds the socket as `role` says, listens for a listener, and says where it is bound.
    private static func bind(
        _ fd: CInt,
        to address: SocketAddress,
        role: Role
    ) throws(SocketError) -> SocketRecord.Bound {
        guard address.unixPath != nil else {
            // An IP address, an abstract name, or an unnamed address (which the kernel binds to an
            // abstract name of its own): no file; bound as it is and read back.
            try SocketCalls.bind(fd, to: address)
            if let backlog = role.backlog { try SocketCalls.listen(fd, backlog: backlog, address: address) }
            return try SocketCalls.localBound(fd)
        }
        switch role {
        case .listener(let backlog, let unixFileMode):
            // Bound under a private name and published at the path once listening: the path is
            // the address (getsockname reports the private name).
            let file = try UnixSocketFile.bind(fd, to: address, mode: unixFileMode) { fd throws(SocketError) in
                try SocketCalls.listen(fd, backlog: backlog, address: address)
            }
            return .unix(address, file: file)
        case .datagram:
            return .unix(address, file: try UnixSocketFile.bindInPlace(fd, to: address))
        }
    }

    /// One option of a setup, checked, and where the caller gave it: plain data.
    struct Planned {
        let checked: CheckedOption
        let origin: Origin
    }

    /// Where an option of a setup comes from: the option is read there again only for the text of
    /// an error or for a record that keeps it whole, never copied for the calls.
    enum Origin {
        case given(Int)
        case `default`(Int)
        /// The `.ipv6Only(false)` added for an address that can serve IPv4.
        case dualStack

        func option(_ given: [SocketOption], _ defaults: [SocketOption]) -> SocketOption {
            switch self {
            case .given(let index): given[index]
            case .default(let index): defaults[index]
            case .dualStack: .ipv6Only(false)
            }
        }
    }

    /// The options a socket is set up with, in the order they are set: the defaults that `given`
    /// does not name, in their order, then every option of `given`, in its order, then
    /// `.ipv6Only(false)` when `dualStack` (an address that can serve IPv4) and none of them names
    /// `ipv6Only`. The one statement of that rule, for ``SocketOption/merged(_:over:)`` and for
    /// ``make(_:role:options:over:)``; each option is lent where it lies, with the name the walk
    /// read of it to merge, and where it came from.
    @inline(__always)
    static func forEachOption<Failure: Error>(
        _ given: [SocketOption],
        over defaults: [SocketOption],
        dualStack: Bool,
        _ body: (borrowing SocketOption, SocketOption.Name, Origin) throws(Failure) -> Void
    ) throws(Failure) {
        // Each option is lent where it lies in its array's buffer: an array's subscript returns a
        // copy (and a copy of an option that holds a string or an array retains it).
        var namesIPv6Only = false
        try given.withUnsafeBufferPointer { given throws(Failure) in
            try defaults.withUnsafeBufferPointer { defaults throws(Failure) in
                for index in defaults.indices {
                    let name = defaults[index].name
                    if name == .ipv6Only { namesIPv6Only = true }
                    var named = false
                    for other in given.indices where given[other].name == name {
                        named = true
                        break
                    }
                    if !named { try body(defaults[index], name, .default(index)) }
                }
            }
            for index in given.indices {
                let name = given[index].name
                if name == .ipv6Only { namesIPv6Only = true }
                try body(given[index], name, .given(index))
            }
        }
        if dualStack && !namesIPv6Only { try body(.ipv6Only(false), .ipv6Only, .dualStack) }
    }

    /// The options of a compact setup, as ``compactPlan(_:over:dualStack:kind:into:)`` plans them: each
    /// option's name and C int requested (and, once set, kept), and where its C int lives, so that
    /// setting them looks no row up again.
    struct CompactPlan {
        var options = SocketRecord.KeptInts()
        /// Where each option's C int lives, in the lanes of `options`.
        private var locations: Lanes<SocketOption.CIntLocation> = {
            let none = SocketOption.CIntLocation(level: 0, name: 0, isFlag: false)
            return (none, none, none, none)
        }()

        /// Adds an option; the caller has checked that there is room.
        @inline(__always)
        mutating func append(_ name: SocketOption.Name, _ raw: CInt, at location: SocketOption.CIntLocation) {
            setLane(&locations, options.count, location)
            options.append(SocketRecord.KeptInts.Entry(name: name, requested: raw, kept: 0))
        }

        /// Where the C int of option `index` lives.
        func location(_ index: Int) -> SocketOption.CIntLocation { lane(locations, index) }
    }

    /// The options of the commonest setup, planned in as little code and memory as it takes (the
    /// speed of a listener's setup is the footprint of its code between system calls,
    /// Documentation/Performance.md): every option one C int read back under its own name that bind
    /// cannot change (``SocketOption/Name/cIntLocation``), valid as it stands for `kind` (a flag, or
    /// a number in its row's range), no name twice, at most ``SocketRecord/KeptInts/capacity`` of
    /// them, in the order of ``forEachOption(_:over:dualStack:_:)``.
    ///
    /// False for any other setup, valid or not: the general path then checks the options, says what
    /// is wrong with one, and sets them. The plan takes only what that path takes with the same C
    /// ints (the same row checks and ``CheckedOption/verbatimInt(_:_:)``), so the two cannot differ
    /// on a setup both would make; a test compares them. Out of line, so that its code lies together.
    ///
    /// Plans into `plan` (empty) and says whether the setup fits; after false, `plan` is to be ignored.
    @inline(never)
    static func compactPlan(
        _ given: [SocketOption],
        over defaults: [SocketOption],
        dualStack: Bool,
        kind: SocketKind,
        into plan: inout CompactPlan
    ) -> Bool {
        // The kind's bit, and the table of rows, once for every option.
        let kindBit = kind.setupBit
        let rows = SocketOption.Name.rows
        var fits = kindBit != 0
        forEachOption(given, over: defaults, dualStack: dualStack) { option, name, _ in
            guard fits else { return }
            let row = rows.pointer(at: name.position)
            guard plan.options.count < SocketRecord.KeptInts.capacity, !plan.options.contains(name),
                let location = row.pointee.cIntLocation, !row.pointee.bindCanChange,
                row.pointee.setupKinds & kindBit != 0,
                let raw = CheckedOption.verbatimInt(option.entry.value, row)
            else {
                fits = false
                return
            }
            plan.append(name, raw, at: location)
        }
        return fits
    }

    /// Sets and reads back each option of a compact plan, in order: the same setsockopt and
    /// getsockopt, checks and errors as ``OptionCalls/apply(_:_:on:)`` makes for them. Writes the C
    /// int the kernel kept for each into the plan.
    ///
    /// The calls are made by ``setEach(_:from:on:)``, which throws nothing and so keeps a small
    /// frame between them; where one fails, ``finish(_:_:on:)`` does what the inlined set of
    /// ``OptionCalls/setCIntAndReadBackKept(_:at:_:on:requested:)`` does after a failure (an
    /// interrupted call made again, any other errno thrown), and the loop goes on after that option.
    private static func setCompactly(_ plan: inout CompactPlan, on fd: CInt) throws(SocketError) {
        var next = 0
        while let stop = setEach(&plan, from: next, on: fd) {
            next = try finish(stop, &plan, on: fd)
        }
    }

    /// Where ``setEach(_:from:on:)`` stopped: at the option at `index`, whose call failed (errno as
    /// the call left it), or whose flag the kernel did not keep.
    enum CompactStop {
        case setFailed(index: Int)
        case readFailed(index: Int)
        case flagNotKept(index: Int, kept: CInt)
    }

    /// Sets and reads back the options of `plan` from `start` on, and checks each flag; stops at
    /// the first call that fails or flag not kept. Nothing between a failed call and the return
    /// touches errno.
    @inline(never)
    private static func setEach(_ plan: inout CompactPlan, from start: Int, on fd: CInt) -> CompactStop? {
        for index in start..<plan.options.count {
            let location = plan.location(index)
            var request = plan.options.requested(at: index)
            if inlinableSetsockopt(fd, location.level, location.name, &request) != 0 { return .setFailed(index: index) }
            var kept: CInt = 0
            if inlinableGetsockopt(fd, location.level, location.name, &kept) != 0 { return .readFailed(index: index) }
            if location.isFlag && (kept != 0) != (request != 0) { return .flagNotKept(index: index, kept: kept) }
            plan.options.setKept(kept, at: index)
        }
        return nil
    }

    /// Finishes the option at which ``setEach(_:from:on:)`` stopped, as the set of one option does
    /// after a failure (``OptionCalls/setCIntAndReadBackKept(_:at:_:on:requested:)``'s own steps),
    /// and returns the index of the next option; or throws.
    @inline(never)
    private static func finish(_ stop: CompactStop, _ plan: inout CompactPlan, on fd: CInt) throws(SocketError) -> Int {
        let index: Int
        switch stop {
        case .setFailed(let at), .readFailed(let at), .flagNotKept(let at, _): index = at
        }
        let entry = plan.options[index]
        let location = plan.location(index)
        let kept: CInt
        switch stop {
        case .setFailed:
            // An interrupted set made again, any other errno thrown; then the read, as after a set.
            try OptionCalls.setAfterFailure(entry.requested, at: location, entry.requestedOption, on: fd)
            kept = try OptionCalls.readBackKept(entry.requested, at: location, entry.name, on: fd) {
                entry.requestedOption
            }
        case .readFailed:
            kept = try OptionCalls.readCIntAfterFailure(entry.name, from: fd)
            try OptionCalls.checkKept(kept, entry.requested, at: location, entry.name) { entry.requestedOption }
        case .flagNotKept(_, let value):
            kept = value
            try OptionCalls.checkKept(kept, entry.requested, at: location, entry.name) { entry.requestedOption }
        }
        plan.options.setKept(kept, at: index)
        return index + 1
    }

    /// Checks that the kind of socket has the option, then checks and encodes its value: an option
    /// the socket cannot have is refused as such, whatever its value. The row is looked up once,
    /// for both checks.
    @inline(__always)
    static func check(_ option: borrowing SocketOption, for kind: SocketKind) throws(SocketError) -> CheckedOption {
        let (name, value) = option.entry
        let row = name.rowPointer
        try checkKind(name, row, kind)
        return try CheckedOption(name, value, row: row, option: option)
    }

    /// Refuses an option that the kind of socket lacks, by the catalogue.
    static func checkKind(_ name: SocketOption.Name, _ kind: SocketKind) throws(SocketError) {
        try checkKind(name, name.rowPointer, kind)
    }

    @inline(__always)
    private static func checkKind(
        _ name: SocketOption.Name,
        _ row: UnsafePointer<OptionRow<SocketOption>>,
        _ kind: SocketKind
    ) throws(SocketError) {
        guard row.pointee.sockets.allows(kind) else { throw .optionNotSupported(name, socket: kind, errno: nil) }
    }

    /// Checks and encodes one option for a socket past bind, whose kind is known: an option the
    /// kind lacks is refused first (a UDP socket is told it has no TCP_DEFER_ACCEPT, not to give it
    /// to a listener), then an option that must precede bind or is for listeners only.
    static func checkAfterBind(_ option: SocketOption, for kind: SocketKind) throws(SocketError) -> CheckedOption {
        let name = option.name
        try checkKind(name, kind)
        try checkScopeAfterBind(name)
        return try CheckedOption(option)
    }

    /// Refuses, on a socket past bind, an option that must precede bind or is for listeners only.
    static func checkScopeAfterBind(_ name: SocketOption.Name) throws(SocketError) {
        switch name.row.scope {
        case .any: return
        case .beforeBind:
            throw .optionNotApplicable(
                name,
                reason: "it only has its effect before bind, and this socket is past that; give it to the listener "
                    + "(or DatagramSocket) when it is made"
            )
        case .listener:
            throw .optionNotApplicable(name, reason: "it applies to listening sockets only; give it to the listener")
        }
    }

    /// Reads an option again once the socket is bound, for an option that bind can change (a row
    /// with a `bindChange`), so that the record says what holds for the ready socket.
    static func readAgain(_ applied: inout AppliedOption, name: SocketOption.Name, on fd: CInt) throws(SocketError) {
        let now = try OptionCalls.read(name, from: fd)
        if now != applied.effective {
            applied = AppliedOption(requested: applied.requested, keptBeforeBind: applied.effective, effective: now)
        }
    }
}
