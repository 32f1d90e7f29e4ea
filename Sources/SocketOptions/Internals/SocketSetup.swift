// SocketOptions: what ListeningSocket and DatagramSocket do alike to make their socket: the
// options checked before any system call, the socket opened, each option set and read back, the
// socket bound, and the options that bind can change read again.

enum SocketSetup {
    /// A socket made and bound, with the record of its options: what ``make(_:kind:options:over:open:bind:)``
    /// hands to the initializer of its owner.
    struct Made: ~Copyable {
        let descriptor: SocketDescriptor
        let unixFile: UnixSocketFile?
        let localAddress: SocketAddress
        let options: OptionRecord
    }

    /// Makes a socket for `address`: every option checked and encoded first (a bad one throws
    /// before any system call), then `open`, one setsockopt and getsockopt per option in order,
    /// `bind` (which binds, listens when it should, and says the local address), and a second read
    /// of the options bind can change. A throw after `open` closes the socket (its descriptor's
    /// deinit).
    ///
    /// The options are `given` laid over `defaults` by name (``SocketOption/merged(_:over:)``), and
    /// for an IPv6 address that can take IPv4 too (`::` or IPv4-mapped) without `ipv6Only` among
    /// them, `.ipv6Only(false)` last: dual stack whatever `net.ipv6.bindv6only` says. Not for a
    /// specific IPv6 address: bind turns IPV6_V6ONLY on for it, so `.ipv6Only(false)` could not hold.
    ///
    /// The encoded values live on the stack for the length of the call: the record of the options
    /// is the one array allocated.
    static func make(
        _ address: SocketAddress,
        kind: SocketKind,
        options given: [SocketOption],
        over defaults: [SocketOption],
        open: () throws(SocketError) -> SocketDescriptor,
        bind: (CInt) throws(SocketError) -> (unixFile: UnixSocketFile?, localAddress: SocketAddress)
    ) throws(SocketError) -> Made {
        // What the address alone makes impossible, before any call.
        if let path = address.unixPath { _ = try UnixSocketFile.split(path, address: address) }
        if address.isIPv4Mapped, given.contains(.ipv6Only(true)) {
            throw .invalidValue(
                .ipv6Only(true),
                reason: "an IPv4-mapped address (\(address)) carries IPv4 traffic, which an IPv6-only socket "
                    + "cannot take: bind would refuse it (EINVAL); leave ipv6Only out, or bind the IPv4 address itself"
            )
        }
        let list = OptionList(given, over: defaults, dualStack: address.canServeIPv4)
        return try withUnsafeTemporaryAllocation(of: CheckedOption.self, capacity: list.count) {
            checked throws(SocketError) -> Made in
            for index in 0..<list.count {
                let option = list[index]
                let one = try check(option, for: kind)
                if let earlier = checked[..<index].firstIndex(where: { $0.name == one.name }) {
                    throw .optionGivenTwice(one.name, first: list[earlier], second: option)
                }
                checked.initializeElement(at: index, to: one)
            }
            let descriptor = try open()
            let fd = descriptor.rawValue
            if let kept = try setCompactly(list, checked, on: fd) {
                let bound = try bind(fd)
                return Made(
                    descriptor: descriptor,
                    unixFile: bound.unixFile,
                    localAddress: bound.localAddress,
                    options: OptionRecord(compact: kept)
                )
            }
            var applied: [AppliedOption] = []
            applied.reserveCapacity(list.count)
            for index in 0..<list.count {
                applied.append(try OptionCalls.apply(checked[index], list[index], on: fd))
            }
            let bound = try bind(fd)
            // Only the options whose row says bind can change them are read again.
            for index in 0..<list.count where checked[index].row.pointee.bindChange != nil {
                try readAgain(&applied[index], name: checked[index].name, on: fd)
            }
            return Made(
                descriptor: descriptor,
                unixFile: bound.unixFile,
                localAddress: bound.localAddress,
                options: OptionRecord(records: applied)
            )
        }
    }

    /// Sets and reads back the options of a setup whose record can be compact (``OptionRecord``):
    /// every option one C int that bind cannot change, at most ``OptionRecord/KeptInts/capacity``
    /// of them. The same setsockopt and getsockopt, checks and errors as ``OptionCalls/apply(_:on:)``
    /// makes; nil, before any call, for any other setup.
    private static func setCompactly(
        _ list: OptionList,
        _ checked: UnsafeMutableBufferPointer<CheckedOption>,
        on fd: CInt
    ) throws(SocketError) -> OptionRecord.KeptInts? {
        guard list.count <= OptionRecord.KeptInts.capacity else { return nil }
        for index in 0..<list.count {
            guard checked[index].name.cIntLocation != nil, checked[index].row.pointee.bindChange == nil,
                checked[index].isVerbatimInt
            else { return nil }
        }
        var kept = OptionRecord.KeptInts()
        for index in 0..<list.count {
            let name = checked[index].name
            // Verbatim (checked above): the C int set is the request itself.
            guard let location = name.cIntLocation, case .int(let raw) = checked[index].value else { continue }
            let value = try OptionCalls.setCIntAndReadBack(raw, at: location, name, on: fd) { list[index] }
            // The value came from one C int: its number is that int.
            let keptInt = CInt(truncatingIfNeeded: value.cIntNumber ?? Int(raw))
            kept.append(OptionRecord.KeptInts.Entry(name: name, requested: raw, kept: keptInt))
        }
        return kept
    }

    /// The options a socket is set up with, in the order they are set: the defaults that `given`
    /// does not name, in their order, then every option of `given`, in its order, then
    /// `.ipv6Only(false)` for an address that can serve IPv4 when none of them names `ipv6Only`.
    /// The one statement of that rule, for ``SocketOption/merged(_:over:)`` and for
    /// ``make(_:kind:options:over:open:bind:)``, which walks it twice (checks, then calls)
    /// without building the list: the options are read from the caller's arrays by position.
    struct OptionList {
        let given: [SocketOption]
        let defaults: [SocketOption]
        /// The positions in `defaults` of the defaults that are set.
        private let kept: KeptDefaults
        let dualStack: Bool
        let count: Int

        init(_ given: [SocketOption], over defaults: [SocketOption], dualStack canServeIPv4: Bool = false) {
            self.given = given
            self.defaults = defaults
            var named = false
            var kept = KeptDefaults()
            for index in defaults.indices {
                let name = defaults[index].name
                if name == .ipv6Only { named = true }
                if !given.contains(where: { $0.name == name }) { kept.append(index) }
            }
            if canServeIPv4 && !named { named = given.contains { $0.name == .ipv6Only } }
            self.kept = kept
            self.dualStack = canServeIPv4 && !named
            self.count = kept.count + given.count + (dualStack ? 1 : 0)
        }

        subscript(index: Int) -> SocketOption {
            if index < kept.count { return defaults[kept[index]] }
            if index - kept.count < given.count { return given[index - kept.count] }
            return .ipv6Only(false)
        }
    }

    /// Positions in a list of defaults: up to two inline (the package has one default), more in an
    /// array, so that the common setup allocates nothing for them.
    struct KeptDefaults {
        private var first = -1
        private var second = -1
        /// Nil until a third default: the common list holds and drops nothing counted.
        private var more: [Int]? = nil
        private(set) var count = 0

        mutating func append(_ index: Int) {
            switch count {
            case 0: first = index
            case 1: second = index
            default: more = (more ?? []) + [index]
            }
            count += 1
        }

        subscript(position: Int) -> Int {
            switch position {
            case 0: first
            case 1: second
            default: (more ?? [])[position - 2]
            }
        }
    }

    /// Checks that the kind of socket has the option, then checks and encodes its value: an option
    /// the socket cannot have is refused as such, whatever its value.
    static func check(_ option: SocketOption, for kind: SocketKind) throws(SocketError) -> CheckedOption {
        try checkKind(option.name, kind)
        return try CheckedOption(option)
    }

    /// Refuses an option that the kind of socket lacks, by the catalogue.
    static func checkKind(_ name: SocketOption.Name, _ kind: SocketKind) throws(SocketError) {
        guard name.row.sockets.allows(kind) else { throw .optionNotSupported(name, socket: kind, errno: nil) }
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
