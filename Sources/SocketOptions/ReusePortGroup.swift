// SocketOptions: the slots of a SO_REUSEPORT group, numbered as the kernel numbers them.

/// The listening sockets of a `SO_REUSEPORT` group in the order of the kernel's own array: the
/// index of a member here is the index a steering program returns to send a connection to it
/// (``SocketOptionAccess/steerReusePortGroup(toIndex:)``).
///
/// Linux numbers the members by two rules (net/core/sock_reuseport.c), checked by this package's
/// tests against where the kernel really sends connections:
/// - A socket takes the next free slot, at the end, when it starts to listen (`listen`, not `bind`:
///   sockets bound in the order a, b, c and listening in the order c, b, a get 0, 1, 2 as c, b, a).
///   This is `reuseport_add_sock`.
/// - A socket that leaves the group (it is closed, or `shutdown` stops it listening) gives its slot
///   to the last member, which moves there; no other member moves. This is
///   `reuseport_detach_sock`.
///
/// ```swift
/// var group = ReusePortGroup<String>()
/// try group.join("old")   // 0
/// try group.join("new")   // 1
/// try group.leave("old")  // "new" moves to 0
/// ```
///
/// The model knows only the members it is told of: a member that another process adds or removes
/// changes the kernel's numbering without telling this value.
public struct ReusePortGroup<Member: Hashable & Sendable>: Hashable, Sendable, CustomStringConvertible {
    /// The members, each at its index in the group.
    public private(set) var members: [Member] = []

    /// The most sockets a group holds: the kernel counts them in 16 bits (`max_socks`).
    public static var maximumMembers: Int { Int(UInt16.max) }

    /// An empty group.
    public init() {}

    /// The index of `member`, or nil when it is not in the group.
    public func index(of member: Member) -> Int? { members.firstIndex(of: member) }

    /// Adds `member` at the end, as the kernel does when a socket of the group starts to listen, and
    /// returns its index.
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` when `member` is already in the group or the
    ///   group holds ``maximumMembers`` already; the group is then unchanged.
    @discardableResult
    public mutating func join(_ member: Member) throws(SocketError) -> Int {
        guard index(of: member) == nil else {
            throw .invalidArgument(
                "\(member) is already a member of the SO_REUSEPORT group, at index \(index(of: member)!)"
            )
        }
        guard members.count < Self.maximumMembers else {
            throw .invalidArgument("a SO_REUSEPORT group holds at most \(Self.maximumMembers) sockets")
        }
        members.append(member)
        return members.count - 1
    }

    /// Removes `member` as the kernel does when a socket of the group closes or stops listening:
    /// the last member moves into its slot. Returns the member that moved and its new index, nil
    /// when the member that left was the last one (nothing moved).
    ///
    /// - Throws: ``SocketError/invalidArgument(_:)`` when `member` is not in the group; the group
    ///   is then unchanged.
    @discardableResult
    public mutating func leave(_ member: Member) throws(SocketError) -> (member: Member, index: Int)? {
        guard let slot = index(of: member) else {
            throw .invalidArgument("\(member) is not a member of the SO_REUSEPORT group")
        }
        let last = members.removeLast()
        guard slot < members.count else { return nil }
        members[slot] = last
        return (last, slot)
    }

    /// `"[0: old, 1: new]"`.
    public var description: String {
        "[" + members.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", ") + "]"
    }
}
