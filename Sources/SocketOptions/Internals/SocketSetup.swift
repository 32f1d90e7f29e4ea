// SocketOptions: what ListeningSocket and DatagramSocket do alike with their options before and
// at bind.

enum SocketSetup {
    /// Checks and encodes every option, against its range, against the kind of socket, and for
    /// repeats; the encoded values are what `apply` sets. Nothing here touches the system.
    static func check(_ options: [SocketOption], for kind: SocketKind) throws(SocketError) -> [CheckedOption] {
        var checked: [CheckedOption] = []
        checked.reserveCapacity(options.count + 1)
        for option in options {
            let one = try check(option, for: kind)
            if checked.contains(where: { $0.name == one.name }) {
                throw .invalidValue(option, reason: "\(one.name) is given more than once; give each option once")
            }
            checked.append(one)
        }
        return checked
    }

    /// Checks and encodes one option, and that the kind of socket has it.
    static func check(_ option: SocketOption, for kind: SocketKind) throws(SocketError) -> CheckedOption {
        let checked = try CheckedOption(option)
        guard SocketOption.Name.rows[checked.name.position].sockets.allows(kind) else {
            throw .optionNotSupported(checked.name, socket: kind, errno: nil)
        }
        return checked
    }

    /// Checks and encodes one option for a socket past bind, whose kind is known: an option that
    /// must precede bind, or that is for listeners only, is refused.
    static func checkAfterBind(_ option: SocketOption, for kind: SocketKind) throws(SocketError) -> CheckedOption {
        let name = option.name
        if name.mustPrecedeBind {
            throw .optionNotApplicable(
                name,
                reason: "it only has its effect before bind, and this socket is past that; give it to the listener "
                    + "(or DatagramSocket) when it is made"
            )
        }
        if name.isForListenersOnly {
            throw .optionNotApplicable(name, reason: "it applies to listening sockets only; give it to the listener")
        }
        return try check(option, for: kind)
    }

    /// The options as given, and for an IPv6 address that can take IPv4 too (`::` or IPv4-mapped)
    /// without `ipv6Only` among them, `.ipv6Only(false)` last: dual stack whatever
    /// `net.ipv6.bindv6only` says. Not for a specific IPv6 address: bind turns IPV6_V6ONLY on
    /// for it, so `.ipv6Only(false)` could not hold.
    static func withDualStack(
        _ options: [CheckedOption],
        for address: SocketAddress
    ) throws(SocketError) -> [CheckedOption] {
        guard address.canServeIPv4, !options.contains(where: { $0.name == .ipv6Only }) else { return options }
        return options + [try CheckedOption(.ipv6Only(false))]
    }

    /// Reads again, once the socket is bound, the options that bind can change
    /// (``AppliedOption/bindChanges(_:)``), so that the record says what holds for the ready
    /// socket. No call and no copy when none of them was set.
    static func readAgainAfterBind(_ applied: [AppliedOption], on fd: CInt) throws(SocketError) -> [AppliedOption] {
        var result = applied
        for index in applied.indices where AppliedOption.bindChanges(applied[index].name) != nil {
            let option = applied[index]
            let now = try OptionCalls.read(option.name, from: fd)
            if now != option.effective {
                result[index] = AppliedOption(
                    requested: option.requested,
                    keptBeforeBind: option.effective,
                    effective: now
                )
            }
        }
        return result
    }

    /// One setsockopt per option, in order, each read back.
    static func apply(_ options: [CheckedOption], on fd: CInt) throws(SocketError) -> [AppliedOption] {
        var applied: [AppliedOption] = []
        applied.reserveCapacity(options.count)
        for option in options {
            applied.append(try OptionCalls.apply(option, on: fd))
        }
        return applied
    }
}
