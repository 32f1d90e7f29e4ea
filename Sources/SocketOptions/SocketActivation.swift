// SocketOptions: the systemd socket-activation protocol, without systemd.

/// The descriptors a socket-activation launcher passed to this process: systemd, or any launcher
/// that speaks its protocol (`systemd-socket-activate`, s6, ...).
///
/// The launcher opens and binds the sockets, then starts the server with them as descriptors 3,
/// 4, ... and sets `LISTEN_PID` to the server's process id, `LISTEN_FDS` to their number and,
/// optionally, `LISTEN_FDNAMES` to their names separated by colons. Nothing here needs systemd to
/// be running.
///
/// ```swift
/// if let listener = try ListeningSocket.activated() {
///     // serve on the inherited socket
/// } else {
///     let listener = try ListeningSocket(address: try SocketAddress("0.0.0.0:8080"))
/// }
/// ```
///
/// With several sockets, claim each by its name, in any order (`activated(name: "http")`, then
/// `activated(name: "admin")`), or all at once with ``ListeningSocket/activatedAll()``.
///
/// The environment is read once per process, on the first call of any of these, and kept: the
/// variables are then removed (so that children do not take the descriptors for theirs), every
/// inherited descriptor is made close-on-exec (so that a child started later does not inherit one
/// that is not claimed yet), and each descriptor is handed out at most once. The count is checked
/// against the process's descriptor limit (`RLIMIT_NOFILE`) and every descriptor must be open
/// (`fcntl(F_GETFD)`), so that a stray `LISTEN_FDS` cannot make the process allocate without bound
/// or adopt a descriptor number that means something else.
public enum SocketActivation {
    /// The first descriptor a launcher passes (`SD_LISTEN_FDS_START`).
    public static let firstDescriptor: Int32 = 3

    /// One inherited descriptor; it prints as `3 "http"` (or `3` without a name).
    public struct Descriptor: Hashable, Sendable, CustomStringConvertible {
        /// The descriptor number, 3 or more.
        public let rawValue: Int32
        /// Its name from `LISTEN_FDNAMES`, or nil.
        public let name: String?

        /// `3 "http"`: the number, and the name quoted with any control character escaped (it
        /// comes from the environment).
        public var description: String {
            name.map { "\(rawValue) \($0.debugDescription)" } ?? "\(rawValue)"
        }
    }

    /// An inherited descriptor that is not a listening stream socket (a datagram socket, say), as
    /// ``ListeningSocket/activatedAll()`` reports it: claimed, close-on-exec, and the caller's to use
    /// and close.
    public struct OtherDescriptor: Hashable, Sendable {
        /// The descriptor and its name.
        public let descriptor: Descriptor
        /// What it is instead of a listener, as ``SocketError/notAListener(descriptor:reason:)``
        /// would say: `"it is a datagram socket, not a stream socket"`.
        public let reason: String
    }

    /// The descriptors passed to this process, or an empty array when none were (no
    /// `LISTEN_FDS`, or `LISTEN_PID` names another process: the variables were inherited
    /// from a parent that was activated itself). Every one of them, claimed or not.
    ///
    /// The first call of any activation API reads the environment; later calls return what it
    /// read (or throw what it threw), whatever the environment says by then.
    ///
    /// - Parameter unsetEnvironment: remove the three variables, so that child processes do not
    ///   take the descriptors for theirs (as `sd_listen_fds(1)` does).
    /// - Throws: ``SocketError/invalidActivation(_:)`` when the variables are malformed, ask for
    ///   more descriptors than `RLIMIT_NOFILE` allows, or name a descriptor that is not open.
    public static func descriptors(unsetEnvironment: Bool = true) throws(SocketError) -> [Descriptor] {
        try ActivationRegistry.shared.withLock { (state) throws(SocketError) in
            try read(&state, unsetEnvironment: unsetEnvironment)
        }
    }

    /// Reads the environment on the first call and keeps the outcome; the caller holds the lock.
    private static func read(_ state: inout ActivationState, unsetEnvironment: Bool) throws(SocketError) -> [Descriptor]
    {
        if state.outcome == nil {
            let environment = ActivationEnvironment.current()
            state.outcome = Result { () throws(SocketError) in
                let found = try parse(
                    pid: environment.pid,
                    fds: environment.fds,
                    names: environment.names,
                    ownPID: environment.ownPID,
                    firstDescriptor: state.firstDescriptor,
                    descriptorLimit: ActivationEnvironment.descriptorLimit()
                )
                try checkOpen(found)
                return found
            }
        }
        if unsetEnvironment { ActivationEnvironment.unset() }
        return try state.outcome!.get()
    }

    /// Every descriptor must be open (all are checked before any is changed); each is then made
    /// close-on-exec, claimed or not.
    private static func checkOpen(_ found: [Descriptor]) throws(SocketError) {
        for descriptor in found {
            if !ActivationEnvironment.isOpen(descriptor.rawValue) {
                throw .invalidActivation(
                    "LISTEN_FDS is \(found.count), but descriptor \(descriptor.rawValue) is not open "
                        + "(\(currentErrno().name)); the variables do not describe this process: unset LISTEN_PID, "
                        + "LISTEN_FDS and LISTEN_FDNAMES, or start it from the launcher"
                )
            }
        }
        for descriptor in found { ActivationEnvironment.makeCloseOnExec(descriptor.rawValue) }
    }

    /// Hands out the first unclaimed descriptor that `matches`, marking it claimed; nil when none.
    static func claim(where matches: (Descriptor) -> Bool) throws(SocketError) -> Descriptor? {
        try ActivationRegistry.shared.withLock { (state) throws(SocketError) in
            let all = try read(&state, unsetEnvironment: true)
            guard let found = all.first(where: { !state.claimed.contains($0.rawValue) && matches($0) }) else {
                return nil
            }
            state.claimed.insert(found.rawValue)
            return found
        }
    }

    /// Gives a claimed descriptor back, when adopting it failed and it stays open.
    static func unclaim(_ descriptor: Descriptor) {
        _ = ActivationRegistry.shared.withLock { $0.claimed.remove(descriptor.rawValue) }
    }

    /// Forgets what was read, for tests that set the environment themselves. Descriptors handed
    /// out stay with their owners.
    static func resetForTesting(firstDescriptor: Int32 = SocketActivation.firstDescriptor) {
        ActivationRegistry.shared.withLock { $0 = ActivationState(firstDescriptor: firstDescriptor) }
    }

    /// The protocol's rules, apart from the process environment so that they can be tested.
    static func parse(
        pid: String?,
        fds: String?,
        names: String?,
        ownPID: Int32,
        firstDescriptor: Int32 = SocketActivation.firstDescriptor,
        descriptorLimit: Int = Int(Int32.max)
    ) throws(SocketError) -> [Descriptor] {
        guard let fds else { return [] }
        guard let pid else { throw .invalidActivation("LISTEN_FDS is set but LISTEN_PID is not") }
        guard let listenPID = Int32(pid), listenPID > 0 else {
            throw .invalidActivation("LISTEN_PID \"\(PrintableText.excerpt(pid))\" is not a process id")
        }
        guard listenPID == ownPID else { return [] }
        guard let count = Int32(fds), count >= 0 else {
            throw .invalidActivation("LISTEN_FDS \"\(PrintableText.excerpt(fds))\" is not a count of descriptors")
        }
        // Descriptors firstDescriptor..<firstDescriptor + count must all be below the limit.
        guard Int(count) <= descriptorLimit - Int(firstDescriptor) else {
            throw .invalidActivation(
                "LISTEN_FDS \"\(PrintableText.excerpt(fds))\" asks for descriptors \(firstDescriptor)...\(Int(firstDescriptor) + Int(count) - 1), "
                    + "past this process's limit of \(descriptorLimit) open descriptors (RLIMIT_NOFILE); the "
                    + "variables do not describe this process: unset LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, "
                    + "or raise the limit (ulimit -n)"
            )
        }
        // Names are split before anything is allocated per descriptor: their count bounds the array.
        // An empty LISTEN_FDNAMES names no descriptor when there are none (systemd sets it so).
        let nameList = names.map {
            $0.isEmpty && count == 0 ? [] : $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
        if let nameList, nameList.count != Int(count) {
            throw .invalidActivation("LISTEN_FDNAMES has \(nameList.count) names for \(count) descriptors")
        }
        return (0..<count).map { index in
            Descriptor(rawValue: firstDescriptor + index, name: nameList?[Int(index)])
        }
    }
}

extension ListeningSocket {
    /// The listener a socket-activation launcher passed, adopted (see ``init(adopting:)``): the
    /// first listening stream socket not claimed yet, or the one called `name` in `LISTEN_FDNAMES`.
    /// Returns nil when the process was not socket-activated, or no descriptor not yet claimed has
    /// that name (without a name: no listener is left; a datagram socket passed before it, as a
    /// unit with `ListenDatagram=` and `ListenStream=` does, is skipped and stays unclaimed).
    ///
    /// Each descriptor is handed out once: names can be claimed in any order, each by one call.
    /// The first call of any activation API makes every inherited descriptor close-on-exec.
    ///
    /// - Throws: ``SocketError/invalidActivation(_:)`` for a malformed environment, and
    ///   ``SocketError/notAListener(descriptor:reason:)`` when the descriptor is not a listening
    ///   stream socket (a datagram socket, say), for a `name` that names one; it then stays unclaimed
    ///   and open.
    public static func activated(name: String? = nil) throws(SocketError) -> ListeningSocket? {
        let chosen = try SocketActivation.claim { descriptor in
            if let name { return descriptor.name == name }
            return checkListener(descriptor.rawValue) == nil
        }
        guard let chosen else { return nil }
        do {
            return try ListeningSocket(adopting: chosen.rawValue)
        } catch {
            SocketActivation.unclaim(chosen)
            throw error
        }
    }

    /// Every descriptor a socket-activation launcher passed that is not claimed yet, claimed at
    /// once: the listening stream sockets adopted (see ``init(adopting:)``), the others reported
    /// in ``SocketActivation/Listeners/others`` as descriptors for the caller to use and close.
    ///
    /// ```swift
    /// var inherited = try ListeningSocket.activatedAll()
    /// let http = inherited.take(name: "http")
    /// let admin = inherited.take(name: "admin")
    /// ```
    ///
    /// The corresponding C function is `sd_listen_fds_with_names` (libsystemd), which this does
    /// without libsystemd.
    ///
    /// - Throws: ``SocketError/invalidActivation(_:)`` for a malformed environment.
    public static func activatedAll() throws(SocketError) -> SocketActivation.Listeners {
        var listeners: [SocketActivation.Descriptor] = []
        var others: [SocketActivation.OtherDescriptor] = []
        while let descriptor = try SocketActivation.claim(where: { _ in true }) {
            if let problem = checkListener(descriptor.rawValue) {
                others.append(SocketActivation.OtherDescriptor(descriptor: descriptor, reason: problem))
            } else {
                listeners.append(descriptor)
            }
        }
        return SocketActivation.Listeners(listeners, others: others)
    }
}

extension SocketActivation {
    /// The sockets ``ListeningSocket/activatedAll()`` claimed: the listeners, adopted, to take one
    /// by one, and the descriptors that are not listeners. A listener not taken is closed with
    /// this value.
    public struct Listeners: ~Copyable, @unchecked Sendable {
        /// The listeners' descriptors and names, in descriptor order, taken or not.
        public let descriptors: [Descriptor]
        /// The inherited descriptors that are not listening stream sockets, such as a datagram
        /// socket (`systemd-socket-activate --datagram`): claimed and close-on-exec, but not
        /// adopted: the caller owns each and closes it.
        public let others: [OtherDescriptor]
        private let storage: UnsafeMutableBufferPointer<ListeningSocket?>

        init(_ descriptors: [Descriptor], others: [OtherDescriptor]) {
            var adopted: [Descriptor] = []
            let storage = UnsafeMutableBufferPointer<ListeningSocket?>.allocate(capacity: descriptors.count)
            var others = others
            for descriptor in descriptors {
                do {
                    let listener = try ListeningSocket(adopting: descriptor.rawValue)
                    (storage.baseAddress! + adopted.count).initialize(to: listener)
                    adopted.append(descriptor)
                } catch {
                    let reason = if case .notAListener(_, let reason) = error { reason } else { "\(error)" }
                    others.append(OtherDescriptor(descriptor: descriptor, reason: reason))
                }
            }
            self.descriptors = adopted
            self.others = others
            self.storage = storage
        }

        /// How many listeners there are, taken or not.
        public var count: Int { descriptors.count }

        /// The listener at `index` (in ``descriptors`` order), or nil when it was taken already.
        public mutating func take(at index: Int) -> ListeningSocket? {
            guard descriptors.indices.contains(index), let base = storage.baseAddress else { return nil }
            let taken = (base + index).move()
            (base + index).initialize(to: nil)
            return taken
        }

        /// The first listener not taken yet that is called `name` in `LISTEN_FDNAMES` (with nil,
        /// the first not taken), or nil when there is none.
        public mutating func take(name: String?) -> ListeningSocket? {
            for index in descriptors.indices where name == nil || descriptors[index].name == name {
                if let listener = take(at: index) { return listener }
            }
            return nil
        }

        deinit {
            if let base = storage.baseAddress { base.deinitialize(count: descriptors.count) }
            storage.deallocate()
        }
    }
}
