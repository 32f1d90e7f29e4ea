// SocketOptions: what was asked of the kernel, and what it kept.

/// An option as it was requested and as the kernel keeps it once the socket is ready.
///
/// Linux keeps twice a requested buffer size and rounds timeouts up to its clock tick; such an
/// adjustment is reported here rather than thrown. A boolean option that reads back different
/// from the request is thrown as ``SocketError/optionNotKept(requested:effective:)`` instead,
/// unless bind changed it afterwards: binding a specific IPv6 address turns `IPV6_V6ONLY` on, and
/// binding an IPv6 address with a zone binds the socket to the zone's interface
/// (`SO_BINDTODEVICE`). Those options are read again once the socket is bound (and listening), so
/// that ``effective`` says what holds for the ready socket, and ``changedByBind`` says why.
public struct AppliedOption: Hashable, Sendable, CustomStringConvertible {
    /// The option as given.
    public let requested: SocketOption
    /// The option as the kernel keeps it on the ready socket: read back with `getsockopt` straight
    /// after `setsockopt`, and for an option that bind can change, read again after bind (after
    /// `listen` for a listener).
    public let effective: SocketOption
    /// The option as `getsockopt` read it back straight after `setsockopt`, before bind. It
    /// differs from ``effective`` only when bind changed it; see ``changedByBind``.
    public var keptBeforeBind: SocketOption { changedAtBind ?? effective }
    /// Whether ``effective`` was read back from the kernel. False for an option the kernel takes
    /// but cannot report (``SocketOption/Name/canReadBack``): ``effective`` is then the request,
    /// and only the success of `setsockopt` says it was taken.
    public let isReadBack: Bool
    /// The value kept at `setsockopt` when bind changed it afterwards, nil otherwise: stored only
    /// then, so that the record of an ordinary set holds two options, not three copies of one.
    let changedAtBind: SocketOption?

    /// A record of a requested and an effective value of one option; made only by the package,
    /// which reads the effective value back for the same option.
    @usableFromInline
    init(requested: SocketOption, effective: SocketOption) {
        self.requested = requested
        self.effective = effective
        self.changedAtBind = nil
        self.isReadBack = true
    }

    /// A record of an option whose value bind changed after it was set.
    init(requested: SocketOption, keptBeforeBind: SocketOption, effective: SocketOption) {
        self.requested = requested
        self.effective = effective
        self.changedAtBind = keptBeforeBind == effective ? nil : keptBeforeBind
        self.isReadBack = true
    }

    /// A record of an option that the kernel cannot report back: set, not read.
    init(requested: SocketOption, unreadable: Void) {
        self.requested = requested
        self.effective = requested
        self.changedAtBind = nil
        self.isReadBack = false
    }

    /// The options whose value bind itself can change, and why it does: these are read again
    /// once the socket is bound.
    static func bindChanges(_ name: SocketOption.Name) -> String? {
        name.row.bindChange.map { "\($0)" }
    }

    /// Why bind changed the value the kernel kept at `setsockopt`; `nil` when it did not.
    public var changedByBind: String? {
        changedAtBind == nil ? nil : (Self.bindChanges(name) ?? "bind changed it")
    }

    /// Which option this is.
    public var name: SocketOption.Name { requested.name }

    /// Whether the kernel kept something other than what was requested.
    public var wasAdjusted: Bool { requested != effective }

    /// Why the kernel keeps a different value for this option, when it is known to; `nil` when it
    /// keeps the value as given.
    public var adjustment: String? {
        guard wasAdjusted else { return nil }
        if let changedByBind { return "changed by bind: " + changedByBind }
        if let known = name.row.adjustment { return "\(known)" }
        return name.platformNotes.isEmpty ? "the kernel kept another value" : name.platformNotes
    }

    /// The record as a JSON object, for tools: `{"name": "receiveBufferSize", "cName": "SO_RCVBUF",
    /// "requested": 65536, "kept": 131072, "keptBeforeBind": 131072, "adjusted": true,
    /// "changedByBind": null, "readBack": true, "text": "..."}`, values typed as in ``SocketSnapshot/json``; `kept` is
    /// ``effective``, and `changedByBind` the reason when bind changed the value.
    public var json: String {
        "{\"name\": \(JSON.string(name.rawValue)), \"cName\": \(JSON.string(name.cName)), "
            + "\"requested\": \(JSON.value(requested.entry.value)), \"kept\": \(JSON.value(effective.entry.value)), "
            + "\"keptBeforeBind\": \(JSON.value(keptBeforeBind.entry.value)), \"adjusted\": \(wasAdjusted), "
            + "\"changedByBind\": \(changedByBind.map(JSON.string) ?? "null"), \"readBack\": \(isReadBack), "
            + "\"text\": \(JSON.string(description))}"
    }

    /// `"SO_RCVBUF: requested 65536 bytes, kernel kept 131072 bytes"`;
    /// `"IPV6_V6ONLY: requested off, kernel kept off, then bind made it on: binding a specific ..."`.
    public var description: String {
        if let changedByBind {
            return "\(name.cName): requested \(requested.valueDescription), kernel kept "
                + "\(keptBeforeBind.valueDescription), then bind made it \(effective.valueDescription): \(changedByBind)"
        }
        if !isReadBack {
            return "\(name.cName): requested \(requested.valueDescription), set (the kernel does not report it back)"
        }
        let kept = wasAdjusted ? "kernel kept \(effective.valueDescription)" : "kept as requested"
        return "\(name.cName): requested \(requested.valueDescription), \(kept)"
    }
}
