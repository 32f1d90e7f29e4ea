// SocketOptions: options on a descriptor that some other code owns.

/// A socket descriptor that some other code owns (a socket from another library, or one
/// inherited from a parent process), lent to the package to read and set its options.
///
/// ```swift
/// let socket = BorrowedSocket(borrowing: fd)
/// try socket.set(.noDelay, true)
/// let size = try socket.value(.receiveBufferSize)
/// print(try socket.snapshot().table)
/// ```
///
/// The view neither closes nor otherwise changes the descriptor, and it may outlive it: a read
/// or a set on a closed descriptor fails with `EBADF`. The package's descriptor entry points are
/// initializers whose label says what happens to the descriptor: `BorrowedSocket(borrowing:)`
/// lends it, ``ListeningSocket/init(adopting:)`` hands it over for good.
public struct BorrowedSocket: SocketOptionSetting, Hashable, Sendable {
    /// The descriptor, as lent.
    public let rawDescriptor: Int32

    /// A view of `descriptor`, which stays its owner's.
    public init(borrowing descriptor: Int32) {
        rawDescriptor = descriptor
    }

    /// nil: the package does not ask the kernel what kind of socket this is before a set. The
    /// kernel's answer (`ENOPROTOOPT`, `EOPNOTSUPP`) becomes
    /// ``SocketError/optionNotSupported(_:socket:errno:)``, and nothing refuses an option that
    /// must precede bind on a socket already bound: mind the order the kernel needs.
    public var socketKind: SocketKind? { nil }

    /// The descriptor it was lent, which stays its lender's: the view owned nothing, so nothing
    /// changes hands, and the lender still closes it. A view has this method because every socket
    /// of ``SocketOptionAccess`` has it: code written once for any socket can end its use of one
    /// the same way. Such code must not close what it gets back from a borrowed view.
    public consuming func releaseDescriptor() -> Int32 { rawDescriptor }
}
