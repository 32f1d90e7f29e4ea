// SocketOptions: the options a listener starts from, and how the options given combine with them.

extension ListeningSocket {
    /// The options every listener starts from: `SO_REUSEADDR` on, so the server can restart at once
    /// while its previous connections sit in TIME_WAIT. The options given to
    /// ``init(address:options:backlog:unixFileMode:)`` are laid over them by name
    /// (``SocketOption/merged(_:over:)``): adding another option keeps them, and
    /// `.reuseAddress(false)` turns `SO_REUSEADDR` off explicitly. `SO_REUSEPORT` is left to the
    /// caller: with it on by default an accidental second start would succeed and silently take
    /// half the traffic. There is deliberately no way to drop the defaults wholesale: each one is
    /// turned off by naming it, so that no list of options loses the fast restart by accident.
    public static let defaultOptions: [SocketOption] = [.reuseAddress(true)]
}

extension SocketOption {
    /// The options a socket is set up with: `defaults` with `given` laid over them by option name.
    ///
    /// The defaults that `given` does not name come first, in their order, then every option of
    /// `given`, in its order: each option is set once, and an option the caller names replaces the
    /// default of that name wherever the caller put it. So adding an unrelated option never drops a
    /// default (`[.receiveBufferSize(1 << 20)]` over `[.reuseAddress(true)]` sets both), and opting
    /// out of a default is explicit: `.reuseAddress(false)` sets `SO_REUSEADDR` off.
    ///
    /// An option given twice in `given` stays twice, for the socket's checks to refuse.
    ///
    /// ```swift
    /// SocketOption.merged([.receiveBufferSize(1 << 20)], over: ListeningSocket.defaultOptions)
    /// // [.reuseAddress(true), .receiveBufferSize(1048576)]
    /// ```
    ///
    /// ``ListeningSocket/init(address:options:backlog:unixFileMode:)`` calls it with
    /// ``ListeningSocket/defaultOptions``. There is no C counterpart: each option is one
    /// `setsockopt` call.
    public static func merged(_ given: [SocketOption], over defaults: [SocketOption]) -> [SocketOption] {
        // The common case returns the defaults as they are; the order is SocketSetup's, whose one
        // walk a socket's setup takes too, without building this list.
        if given.isEmpty { return defaults }
        var merged: [SocketOption] = []
        merged.reserveCapacity(defaults.count + given.count)
        SocketSetup.forEachOption(given, over: defaults, dualStack: false) { option, _, _ in
            merged.append(copy option)
        }
        return merged
    }
}
