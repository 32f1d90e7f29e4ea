// SocketOptions: who is at the other end of a Unix-domain connection.

/// The process at the other end of a Unix-domain connection, as the kernel recorded it when the
/// connection was made (or the socket pair created): the value of
/// ``ReadOnlySocketOption/peerCredentials(_:)``. The corresponding C type is `struct ucred`.
///
/// These are the credentials at connect time: the process may have exited, changed user or
/// passed its descriptor on since. The pid is in the reader's pid namespace.
public struct PeerCredentials: Hashable, Sendable, CustomStringConvertible {
    /// The process id (`pid`).
    public var processID: Int32
    /// The effective user id (`uid`).
    public var userID: UInt32
    /// The effective group id (`gid`).
    public var groupID: UInt32

    /// Credentials from their three numbers.
    public init(processID: Int32, userID: UInt32, groupID: UInt32) {
        self.processID = processID
        self.userID = userID
        self.groupID = groupID
    }

    /// `"pid 1234, uid 1000, gid 1000"`.
    public var description: String { "pid \(processID), uid \(userID), gid \(groupID)" }
}
