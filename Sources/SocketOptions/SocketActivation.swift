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
public enum SocketActivation {
    /// The first descriptor a launcher passes (`SD_LISTEN_FDS_START`).
    public static let firstDescriptor: Int32 = 3

    /// One inherited descriptor.
    public struct Descriptor: Hashable, Sendable {
        /// The descriptor number, 3 or more.
        public let rawValue: Int32
        /// Its name from `LISTEN_FDNAMES`, or nil.
        public let name: String?
    }

    /// The descriptors passed to this process, or an empty array when none were (no
    /// `LISTEN_FDS`, or `LISTEN_PID` names another process: the variables were inherited
    /// from a parent that was activated itself).
    ///
    /// - Parameter unsetEnvironment: remove the three variables, so that child processes do not
    ///   take the descriptors for theirs (as `sd_listen_fds(1)` does).
    /// - Throws: ``SocketError/invalidActivation(_:)`` when the variables are malformed.
    public static func descriptors(unsetEnvironment: Bool = true) throws(SocketError) -> [Descriptor] {
        let environment = ActivationEnvironment.current()
        let result = try parse(
            pid: environment.pid,
            fds: environment.fds,
            names: environment.names,
            ownPID: environment.ownPID
        )
        if unsetEnvironment { ActivationEnvironment.unset() }
        return result
    }

    /// The protocol's rules, apart from the process environment so that they can be tested.
    static func parse(pid: String?, fds: String?, names: String?, ownPID: Int32) throws(SocketError) -> [Descriptor] {
        guard let fds else { return [] }
        guard let pid else { throw .invalidActivation("LISTEN_FDS is set but LISTEN_PID is not") }
        guard let listenPID = Int32(pid), listenPID > 0 else {
            throw .invalidActivation("LISTEN_PID \"\(pid)\" is not a process id")
        }
        guard listenPID == ownPID else { return [] }
        guard let count = Int32(fds), count >= 0, count <= Int32.max - firstDescriptor else {
            throw .invalidActivation("LISTEN_FDS \"\(fds)\" is not a count of descriptors")
        }
        let nameList = names.map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
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
    /// first one, or the one called `name` in `LISTEN_FDNAMES`. Returns nil when the process was
    /// not socket-activated or no descriptor has that name.
    ///
    /// - Throws: ``SocketError/invalidActivation(_:)`` for a malformed environment, and
    ///   ``SocketError/notAListener(descriptor:reason:)`` when the descriptor is not a listening
    ///   stream socket (a datagram socket, say).
    public static func activated(name: String? = nil) throws(SocketError) -> ListeningSocket? {
        let descriptors = try SocketActivation.descriptors()
        guard let chosen = descriptors.first(where: { name == nil || $0.name == name }) else { return nil }
        return try ListeningSocket(adopting: chosen.rawValue)
    }
}
