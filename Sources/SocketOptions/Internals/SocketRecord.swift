// SocketOptions: what a listener or datagram socket keeps of its setup beside its descriptor:
// where it is bound, the Unix socket file it owns, and each option as requested and as kept,
// stored the way the commonest socket needs least.

/// What an owner that ``SocketSetup`` made (or that adopted a descriptor) keeps beside its
/// descriptor: its local address, the Unix socket file it owns, and each option of its setup as
/// requested and as the kernel kept it, in the order set (what ``ListeningSocket/appliedOptions``
/// and ``DatagramSocket/appliedOptions`` read).
///
/// Plain data for the commonest socket: an IP address, and options that are all one C int read
/// back under its own name that bind cannot change (``SocketOption/Name/cIntLocation``; at most
/// ``KeptInts/capacity`` of them: the defaults and one or two options of a server's own). Then the
/// record holds the address and each option's name, the int requested and the int kept in place:
/// nothing allocated, nothing reference counted, and the owner's `close()` destroys the record as
/// one absent payload instead of a switch over each field (Documentation/Performance.md). Anything
/// else is `extra`, one pointer: the records made whole, or, boxed (one allocation), a Unix-domain
/// address, its socket file and its records.
struct SocketRecord: Sendable {
    /// The host of an IP address, in place; nil for a Unix-domain address, which `extra` holds.
    private let ip: SocketAddress.IP?
    /// The port of an IP address; 0 for a Unix-domain one.
    private let port: UInt16
    /// The options of a compact setup, in place; empty otherwise.
    private let kept: KeptInts
    /// What is not plain data; nil for the commonest socket.
    private let extra: Extra?

    /// The parts of a record that are not plain data: one pointer (an array's, or the box of the
    /// Unix case), so that every record, and every copy a listener's init and close make of it, is
    /// small.
    private enum Extra: Sendable {
        /// The options' records as made, for an IP socket whose setup could not keep them compact.
        case records([AppliedOption])
        /// A Unix-domain address, the socket file the owner created (removed when the last
        /// reference goes; none for an abstract name or an adopted socket), and the options'
        /// records as made (empty for a compact setup, whose ints are in place).
        indirect case unix(SocketAddress, file: UnixSocketFile?, records: [AppliedOption])
    }

    /// Where a socket's setup bound it: an IP host and port, or a Unix-domain address with the
    /// socket file the owner created (none for an abstract name).
    enum Bound {
        case ip(SocketAddress.IP, port: UInt16)
        case unix(SocketAddress, file: UnixSocketFile?)
    }

    /// The record of a compact setup: each option's int requested and kept, in place.
    init(_ bound: Bound, kept: KeptInts) {
        self.init(bound, kept: kept, records: [])
    }

    /// The record of any other setup: the options' records as made (none for a socket on which
    /// nothing was set, such as an adopted one).
    init(_ bound: Bound, records: [AppliedOption]) {
        self.init(bound, kept: KeptInts(), records: records)
    }

    /// A record of a socket adopted at `address`, on which nothing was set.
    init(adoptedAt address: SocketAddress) {
        switch address.endpoint {
        case .ip(let ip, let port): self.init(.ip(ip, port: port), records: [])
        case .unixPath, .unixAbstract: self.init(.unix(address, file: nil), records: [])
        }
    }

    // Inlined, so that a compact setup's call folds `records.isEmpty` away.
    @inline(__always)
    private init(_ bound: Bound, kept: KeptInts, records: [AppliedOption]) {
        self.kept = kept
        switch bound {
        case .ip(let ip, let port):
            self.ip = ip
            self.port = port
            self.extra = records.isEmpty ? nil : .records(records)
        case .unix(let address, let file):
            self.ip = nil
            self.port = 0
            self.extra = .unix(address, file: file, records: records)
        }
    }

    /// The address the socket is bound to.
    var localAddress: SocketAddress {
        if let ip { return SocketAddress(ip: ip, port: port) }
        guard case .unix(let address, _, _)? = extra else {
            preconditionFailure("a record without an IP address holds its Unix-domain address (init)")
        }
        return address
    }

    /// The records, made from the kept ints when the setup stored those.
    var applied: [AppliedOption] {
        guard kept.count > 0 else {
            switch extra {
            case .records(let records)?, .unix(_, _, let records)?: return records
            case nil: return []
            }
        }
        return (0..<kept.count).map { index in
            let entry = kept[index]
            return AppliedOption(requested: entry.requestedOption, effective: entry.keptOption)
        }
    }

    /// Leaves the Unix socket file in place when the owner goes: its descriptor was handed off.
    func disarmUnixFile() {
        if case .unix(_, let file?, _)? = extra { file.disarm() }
    }

    /// Up to four options of one C int each, in place: the name, the value requested (a flag's 0 or
    /// 1) and the C int the kernel kept. Plain data, so that a listener holds and drops it without
    /// reference counting; each field is four lanes of one type, read and written by index through
    /// their bytes (a switch over the four slots would cost a branch per access, and SIMD lanes an
    /// alignment of 16 that grows every record holding them).
    struct KeptInts: Sendable {
        static let capacity = 4

        struct Entry: Sendable {
            var name: SocketOption.Name
            var requested: CInt
            var kept: CInt
        }

        /// Each entry's name, as its position in `SocketOption.Name.allCases` (`Name.position`).
        private var positions: Lanes<UInt8> = (0, 0, 0, 0)
        private var requested: Lanes<CInt> = (0, 0, 0, 0)
        private var kept: Lanes<CInt> = (0, 0, 0, 0)
        private var storedCount: UInt8 = 0

        var count: Int { Int(storedCount) }

        /// Adds an entry; the caller has checked that there is room (`count < capacity`).
        @inline(__always)
        mutating func append(_ entry: Entry) {
            let index = count
            setLane(&positions, index, UInt8(entry.name.position))
            setLane(&requested, index, entry.requested)
            setLane(&kept, index, entry.kept)
            storedCount += 1
        }

        /// The C int requested for the entry at `index`.
        func requested(at index: Int) -> CInt { lane(requested, index) }

        /// Sets the C int the kernel kept for the entry at `index`.
        mutating func setKept(_ value: CInt, at index: Int) {
            setLane(&kept, index, value)
        }

        /// Whether an entry has the option `name`.
        func contains(_ name: SocketOption.Name) -> Bool {
            let position = UInt8(name.position)
            for index in 0..<count where lane(positions, index) == position { return true }
            return false
        }

        subscript(index: Int) -> Entry {
            Entry(
                name: SocketOption.Name(position: lane(positions, index)),
                requested: lane(requested, index),
                kept: lane(kept, index)
            )
        }
    }
}

/// Four values of one type, one per slot of a ``SocketRecord/KeptInts`` (and of a setup's plan).
typealias Lanes<Value> = (Value, Value, Value, Value)

/// Lane `index` of `lanes`; checked, so that no index reaches past the four.
func lane<Value>(_ lanes: Lanes<Value>, _ index: Int) -> Value {
    precondition(index >= 0 && index < 4, "no lane \(index) among 4")
    return withUnsafeBytes(of: lanes) {
        $0.load(fromByteOffset: index * MemoryLayout<Value>.stride, as: Value.self)
    }
}

/// Sets lane `index` of `lanes`; checked like ``lane(_:_:)``.
func setLane<Value>(_ lanes: inout Lanes<Value>, _ index: Int, _ value: Value) {
    precondition(index >= 0 && index < 4, "no lane \(index) among 4")
    withUnsafeMutableBytes(of: &lanes) {
        $0.storeBytes(of: value, toByteOffset: index * MemoryLayout<Value>.stride, as: Value.self)
    }
}

extension SocketRecord.KeptInts.Entry {
    /// The option as requested: its C int is its value as it stands (a flag's 0 or 1).
    var requestedOption: SocketOption { option(requested) }

    /// The option as the kernel kept it.
    var keptOption: SocketOption { option(kept) }

    private func option(_ raw: CInt) -> SocketOption {
        let isFlag = name.cIntLocation?.isFlag ?? false
        return name.make(isFlag ? .bool(raw != 0) : .int(Int(raw)))
    }
}
