// SocketOptions: stopping a listener, at once or after draining its queue.

extension ListeningSocket {
    /// Stops accepting, from any thread: every thread waiting in ``accept()`` or
    /// ``accept(timeout:)`` on this listener wakes at once and gets ``SocketError/listenerStopped``,
    /// and so does every later call; a client that connects from now on is refused
    /// (`ECONNREFUSED`). On a TCP listener the connections still waiting in the accept queue are
    /// reset (their clients read `ECONNRESET`): to hand them out first, use
    /// ``drainAndStopAccepting(quietPeriod:timeLimit:_:)``. On a Unix-domain listener they stay
    /// queued: `accept` still hands them out, then reports the stop.
    ///
    /// It borrows the listener, so it can be called while other threads are blocked in `accept` on
    /// it (the listener shared through a class, as in <doc:ThreadsAndTasks>): that is how a server
    /// with several acceptor threads stops without a timeout loop. Close the listener once they have
    /// all left. Calling it again does nothing.
    ///
    /// The descriptor stays open and keeps its address: a listener bound to a port it named keeps
    /// that port (another bind of it fails with `EADDRINUSE`) until it is closed; one bound to port
    /// 0 gives the port the kernel chose back at once, though ``localAddress`` still names it.
    ///
    /// - Throws: ``SocketError/system(_:_:)`` with operation ``SocketError/Operation/stopAccepting``
    ///   when `shutdown` fails, such as `EBADF` when the raw descriptor was closed elsewhere.
    ///
    /// The corresponding C call is `shutdown(fd, SHUT_RD)`; on Linux it wakes the threads blocked in
    /// `accept` (which returns `EINVAL`) where `close` does not.
    public func stopAccepting() throws(SocketError) {
        try SocketCalls.stopAccepting(descriptor.rawValue)
    }

    /// Stops accepting gracefully: holds new connections back, hands every connection already
    /// queued (or completing its handshake) to `handle`, then stops as ``stopAccepting()`` does.
    /// Returns how many connections it handed over.
    ///
    /// In order, for a TCP listener on Linux:
    /// 1. A filter attached to the listener (`SO_ATTACH_FILTER`) drops every new connection request
    ///    (a SYN without ACK) and lets everything else through, so that handshakes already under way
    ///    complete and join the queue. A client whose request is dropped sends it again after its
    ///    retransmission timeout (1 s for the first) and is then refused (`ECONNREFUSED`): it never
    ///    had a connection, so it may safely try elsewhere.
    /// 2. Non-blocking accepts until the queue has stayed empty for `quietPeriod`; each connection
    ///    goes to `handle` with no filter: an accepted socket inherits a copy of its listener's
    ///    filter, the drain's or one the listener was given at creation, and the drain removes it
    ///    (`SO_DETACH_FILTER`).
    /// 3. `shutdown(SHUT_RD)`: threads waiting in `accept` wake with ``SocketError/listenerStopped``.
    ///
    /// Without step 1 (a plain accept until `EAGAIN`, then `shutdown`), a connection whose handshake
    /// completes between the last accept and the shutdown is reset: measured on Linux 6.18 with 8
    /// clients connecting without pause, 2 runs of 17 lost one (the client's `connect` failed with
    /// `ECONNRESET`), and with a 1 ms gap up to 19 established connections were reset. With the
    /// filter, none was lost in 15 runs (Documentation/Stopping.md).
    ///
    /// A Unix-domain listener needs no filter: once shut down it refuses new connections
    /// (`ECONNREFUSED`) and keeps the queued ones acceptable, so its drain stops first and then
    /// accepts until the queue is empty (`EAGAIN`), losing none; `quietPeriod` and `timeLimit` do
    /// not apply.
    ///
    /// Other threads may go on accepting from the same listener during the drain (they take some of
    /// the queued connections, and the ones whose handshake completed after step 1 keep the filter,
    /// which drops only a bare SYN). The drain never waits longer than `timeLimit` for the queue to
    /// quieten (`handle` runs on the caller's thread, and its time counts too): at the limit it stops
    /// the listener, and a handshake still under way then is reset. What is queued is always handed
    /// out first, however long that takes: with new requests dropped, the queue can only shrink.
    /// (Where there is no filter, on Darwin, the limit also ends a drain that a steady stream of
    /// connections keeps busy.) Any Duration is taken; zero or less takes what is queued and waits
    /// for nothing more. A filter given at creation (``SocketOption/attachFilter(_:)``) is replaced.
    ///
    /// - Parameters:
    ///   - quietPeriod: how long the queue must stay empty before the listener stops; on loopback a
    ///     handshake takes microseconds, across a network a round trip.
    ///   - timeLimit: the longest the drain waits for the queue to quieten.
    ///   - handle: takes each connection, on the caller's thread; hand it to another thread to
    ///     serve it there (see <doc:ThreadsAndTasks>).
    /// - Throws: ``SocketError/system(_:_:)`` from `accept` (`EMFILE` and the like), leaving the
    ///   listener holding new connections back and not stopped: free descriptors and drain again,
    ///   or ``stopAccepting()``; from `shutdown` as ``stopAccepting()`` does; from `setsockopt` of
    ///   the filter. ``SocketError/listenerStopped`` is not thrown: a listener that another thread
    ///   stopped meanwhile ends the drain, with the count so far.
    ///
    /// The corresponding C calls are `setsockopt(SO_ATTACH_FILTER)`, `accept4`, `poll` and
    /// `shutdown(fd, SHUT_RD)`.
    @discardableResult
    public func drainAndStopAccepting(
        quietPeriod: Duration = .milliseconds(50),
        timeLimit: Duration = .seconds(2),
        _ handle: (consuming Connection) -> Void
    ) throws(SocketError) -> Int {
        let fd = descriptor.rawValue
        if localAddress.family == .unix {
            // A stopped Unix listener refuses new connections and keeps the queued ones acceptable:
            // stop first, then take what is queued; nothing can come in between.
            try stopAccepting()
            var handed = 0
            while let connection = try SocketCalls.acceptNow(fd) {
                handle(connection)
                handed += 1
            }
            return handed
        }
        let holdsBack = ListenerDrain.canHoldBack
        if holdsBack {
            _ = try OptionCalls.setOption(
                .attachFilter(ListenerDrain.dropNewConnectionRequests),
                kind: socketKind,
                on: fd
            )
        }
        let outcome = ListenerDrain.acceptUntilQuiet(
            fd,
            quietPeriod: quietPeriod,
            timeLimit: timeLimit,
            // With the filter only handshakes already under way can still join, so the queue is
            // emptied whatever the time; without it (not Linux) a steady stream could keep the
            // queue from ever emptying, and the time limit ends the drain.
            pastLimit: holdsBack ? .emptyQueue : .stop,
            retryingResourceErrors: false
        ) { (connection: consuming Connection) in
            if holdsBack { ListenerDrain.removeInheritedFilter(connection) }
            handle(connection)
        }
        switch outcome.endingError {
        case nil: break
        case .listenerStopped?: return outcome.accepted
        case let error?: throw error
        }
        try stopAccepting()
        return outcome.accepted
    }
}
