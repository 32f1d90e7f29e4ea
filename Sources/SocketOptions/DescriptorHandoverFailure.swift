// SocketOptions: why a hand-over of listening descriptors failed, and what to do.

/// Why a hand-over of listening descriptors over a Unix-domain socket failed, and what to do: the
/// value of ``SocketError/descriptorHandoverFailed(_:)``. Whatever arrived was closed; the sending
/// side still owns its listeners and keeps serving.
public struct DescriptorHandoverFailure: Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Hashable, Sendable {
        /// No complete message (or no acknowledgement) came within the time given.
        case timedOut
        /// The peer closed the connection before the message (or the acknowledgement) was complete.
        case peerClosed
        /// The bytes are not a hand-over message of this protocol (the text says what is wrong).
        case malformedMessage(String)
        /// The message carried no descriptor (`SCM_RIGHTS`).
        case noDescriptors
        /// More descriptors came than ``DescriptorHandover/maximumListeners``, or the control data was
        /// cut (`MSG_CTRUNC`).
        case tooManyDescriptors(limit: Int)
        /// The names and the descriptors do not pair up.
        case countMismatch(names: Int, descriptors: Int)
        /// A name that `LISTEN_FDNAMES` could not carry (the text says why).
        case invalidName(String)
        /// A received descriptor is not a listening stream socket (a pipe, a regular file, a datagram
        /// socket...): ``SocketError/notAListener(descriptor:reason:)``'s reason, with its name.
        case notAListener(name: String, reason: String)
        /// The process at the other end of the connection is not the user expected
        /// (``DescriptorHandover/ExpectedPeer``), as `SO_PEERCRED` says: its credentials, or nil
        /// when the connection has none (not a Unix-domain one), and the user id expected. Nothing
        /// was sent to it, and nothing it sent was read.
        case unexpectedPeer(PeerCredentials?, expectedUserID: UInt32)
        /// `sendmsg`, `recvmsg` or the wait for them failed with this errno.
        case system(Errno)
    }

    /// What went wrong.
    public let reason: Reason

    /// A failure for `reason`.
    public init(_ reason: Reason) { self.reason = reason }

    /// The C error behind it, when there is one.
    public var errno: Errno? {
        switch reason {
        case .system(let errno): errno
        case .timedOut: .timedOut
        default: nil
        }
    }

    /// What failed and what to do.
    public var description: String {
        let keep = "Nothing was handed over: the old process keeps its listeners and serves on;"
        switch reason {
        case .timedOut:
            return "The descriptor hand-over timed out: the peer did not send or acknowledge in time. \(keep) check "
                + "that the other side runs a hand-over of this package at the same path, then try again."
        case .peerClosed:
            return "The peer closed the hand-over connection before it was complete (the receiver refused the "
                + "descriptors, or exited). \(keep) read the new process's error, then try again."
        case .malformedMessage(let why):
            return "The hand-over message is malformed: \(PrintableText.escaped(why)). \(keep) the peer is not a "
                + "descriptor hand-over of this package (or of another version): check what listens at that path."
        case .noDescriptors:
            return "The hand-over message carried no descriptors (SCM_RIGHTS). \(keep) the peer is not a descriptor "
                + "hand-over, or a Unix-domain socket with no SCM_RIGHTS support sits between."
        case .tooManyDescriptors(let limit):
            return "The hand-over carried more descriptors than \(limit) (the control data was cut, MSG_CTRUNC); "
                + "all were closed. \(keep) hand over at most \(limit) listeners at once."
        case .countMismatch(let names, let descriptors):
            return "The hand-over carried \(names) names for \(descriptors) descriptors. \(keep) the peer does not "
                + "speak this protocol."
        case .invalidName(let why):
            return "Invalid listener name for a hand-over: \(PrintableText.escaped(why)). Names follow LISTEN_FDNAMES: "
                + "at most 255 printable ASCII characters, no ':'."
        case .notAListener(let name, let reason):
            return "The descriptor handed over as \(name.debugDescription) is not a listener: "
                + "\(PrintableText.escaped(reason)). Every descriptor received was closed; \(keep) hand over only "
                + "listening stream sockets."
        case .unexpectedPeer(let credentials?, let expected):
            return "The process at the other end of the hand-over connection (\(credentials)) is not the expected "
                + "user (uid \(expected)), so no descriptor was sent to it or taken from it. \(keep) make sure that "
                + "only that user can reach the rendezvous socket (its file mode and directory); if the other "
                + "process rightly runs as uid \(credentials.userID), name it with expectedPeer: .user(\(credentials.userID))."
        case .unexpectedPeer(nil, let expected):
            return "The hand-over connection has no peer credentials (SO_PEERCRED): it is not a Unix-domain "
                + "connection, so the peer cannot be checked against uid \(expected). \(keep) hand over on a "
                + "Unix-domain socket."
        case .system(let errno):
            return "The descriptor hand-over failed: \(errno). \(keep) check the rendezvous socket and try again."
        }
    }
}
