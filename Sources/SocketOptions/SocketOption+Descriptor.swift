// SocketOptions: options on a descriptor the package does not own.

extension SocketOption {
    /// Sets this option on a socket descriptor that some other code owns (a socket from another
    /// library, or one inherited from a parent process), reads it back and returns both values.
    ///
    /// The value is checked first, as everywhere in the package. The descriptor is neither closed
    /// nor otherwise changed. Mind the order that the kernel needs: options such as
    /// ``reuseAddress(_:)`` return success after bind but do nothing there
    /// (``SocketOption/Name/mustPrecedeBind``).
    ///
    /// - Parameter descriptor: an open socket descriptor.
    /// - Returns: the option as requested and as the kernel kept it.
    /// - Throws: ``SocketError/invalidValue(_:reason:)`` before any system call for a value out of
    ///   range; ``SocketError/optionNotSupported(_:socket:)`` when the socket has no such option;
    ///   ``SocketError/optionNotKept(requested:effective:)`` when a boolean reads back different;
    ///   ``SocketError/system(_:_:)`` with `EBADF` or `ENOTSOCK` for a descriptor that is not a socket.
    @discardableResult
    public func apply(toDescriptor descriptor: Int32) throws(SocketError) -> AppliedOption {
        try OptionCalls.apply(self, on: descriptor)
    }
}

extension SocketOption.Name {
    /// Reads this option from a socket descriptor that some other code owns, with `getsockopt`.
    ///
    /// - Parameter descriptor: an open socket descriptor.
    /// - Returns: the option with the value the kernel holds.
    /// - Throws: ``SocketError/optionNotSupported(_:socket:)`` when the socket has no such option;
    ///   ``SocketError/system(_:_:)`` with `EBADF` or `ENOTSOCK` for a descriptor that is not a socket.
    public func read(fromDescriptor descriptor: Int32) throws(SocketError) -> SocketOption {
        try OptionCalls.read(self, from: descriptor)
    }
}
