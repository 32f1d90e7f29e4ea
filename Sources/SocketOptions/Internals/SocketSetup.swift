// SocketOptions: what ListeningSocket and DatagramSocket do alike before and at bind.

enum SocketSetup {
    /// Checks every option against its range, against the kind of socket, and for repeats.
    /// Nothing here touches the system.
    static func validate(_ options: [SocketOption], for kind: SocketKind) throws(SocketError) {
        for (index, option) in options.enumerated() {
            _ = try check(option, for: kind)
            if options[..<index].contains(where: { $0.name == option.name }) {
                throw .invalidValue(option, reason: "\(option.name) is given more than once; give each option once")
            }
        }
    }

    /// Checks one option's value and that the kind of socket has it; returns its description and
    /// its encoded value for the setsockopt that follows.
    static func check(
        _ option: SocketOption,
        for kind: SocketKind
    ) throws(SocketError) -> (spec: OptionSpec, value: OptionValue) {
        let spec = option.name.spec
        let value = try option.encoded(spec: spec)
        guard spec.appliesTo.allows(kind) else { throw .optionNotSupported(option.name, socket: kind) }
        return (spec, value)
    }

    /// The options as given, and for an IPv6 address that can take IPv4 too (`::` or IPv4-mapped)
    /// without `ipv6Only` among them, `.ipv6Only(false)` last: dual stack whatever
    /// `net.ipv6.bindv6only` says. Not for a specific IPv6 address: bind turns IPV6_V6ONLY on
    /// for it, so `.ipv6Only(false)` could not hold.
    static func withDualStack(_ options: [SocketOption], for address: SocketAddress) -> [SocketOption] {
        guard address.canServeIPv4, !options.contains(where: { $0.name == .ipv6Only }) else { return options }
        return options + [.ipv6Only(false)]
    }

    /// Reads again, once the socket is bound, the options that bind can change
    /// (``AppliedOption/bindChanges(_:)``), so that the record says what holds for the ready
    /// socket. No call and no copy when none of them was set.
    static func readAgainAfterBind(_ applied: [AppliedOption], on fd: CInt) throws(SocketError) -> [AppliedOption] {
        var result = applied
        for index in applied.indices where AppliedOption.bindChanges(applied[index].name) != nil {
            let option = applied[index]
            let now = try OptionAccess.read(option.name, from: fd)
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
    static func apply(_ options: [SocketOption], on fd: CInt) throws(SocketError) -> [AppliedOption] {
        var applied: [AppliedOption] = []
        applied.reserveCapacity(options.count)
        for option in options {
            applied.append(try OptionAccess.apply(option, on: fd))
        }
        return applied
    }
}
