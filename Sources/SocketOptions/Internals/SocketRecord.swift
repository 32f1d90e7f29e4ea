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
/// one absent reference instead of a switch over each field (Documentation/Performance.md).
/// Anything else (a Unix-domain address, its socket file, records made whole) sits in one `Rest`.
struct SocketRecord: Sendable {
    /// The host of an IP address, in place; nil for a Unix-domain address, which `rest` holds.
    private let ip: SocketAddress.IP?
    /// The port of an IP address; 0 for a Unix-domain one.
    private let port: UInt16
    /// The options of a compact setup, in place; empty otherwise.
    private let kept: KeptInts
    /// What does not fit in place; nil for the commonest socket.
    private let rest: Rest?

    /// The record's parts that are not plain data, shared: a Unix-domain address, the socket file
    /// the owner created (removed when the last reference goes), and the options' records as made,
    /// for a setup that could not keep them compact.
    private final class Rest: Sendable {
        let unixAddress: SocketAddress?
        let unixFile: UnixSocketFile?
        let records: [AppliedOption]

        init(unixAddress: SocketAddress?, unixFile: UnixSocketFile?, records: [AppliedOption]) {
            self.unixAddress = unixAddress
            self.unixFile = unixFile
            self.records = records
        }
    }

    /// Where a socket's setup bound it: an IP host and port, or a Unix-domain address with the
    /// socket file the owner created (none for an abstract name).
    enum Bound {
        case ip(SocketAddress.IP, port: UInt16)
        case unix(SocketAddress, file: UnixSocketFile?)
    }

    /// A record of a socket bound at `bound`, whose options are `kept` (a compact setup) or
    /// `records` (any other; both empty for a socket on which nothing was set, such as an adopted
    /// one).
    init(_ bound: Bound, kept: KeptInts, records: [AppliedOption]) {
        self.kept = kept
        switch bound {
        case .ip(let ip, let port):
            self.ip = ip
            self.port = port
            self.rest = records.isEmpty ? nil : Rest(unixAddress: nil, unixFile: nil, records: records)
        case .unix(let address, let file):
            self.ip = nil
            self.port = 0
            self.rest = Rest(unixAddress: address, unixFile: file, records: records)
        }
    }

    /// A record of a socket adopted at `address`, on which nothing was set.
    init(adoptedAt address: SocketAddress) {
        switch address.endpoint {
        case .ip(let ip, let port): self.init(.ip(ip, port: port), kept: KeptInts(), records: [])
        case .unixPath, .unixAbstract: self.init(.unix(address, file: nil), kept: KeptInts(), records: [])
        }
    }

    /// The address the socket is bound to.
    var localAddress: SocketAddress {
        if let ip { return SocketAddress(ip: ip, port: port) }
        guard let address = rest?.unixAddress else {
            preconditionFailure("a record without an IP address holds its Unix-domain address (init)")
        }
        return address
    }

    /// The records, made from the kept ints when the setup stored those.
    var applied: [AppliedOption] {
        guard kept.count > 0 else { return rest?.records ?? [] }
        return (0..<kept.count).map { index in
            let entry = kept[index]
            return AppliedOption(requested: entry.requestedOption, effective: entry.keptOption)
        }
    }

    /// Leaves the Unix socket file in place when the owner goes: its descriptor was handed off.
    func disarmUnixFile() { rest?.unixFile?.disarm() }

    /// Up to four options of one C int each, in place: the name, the value requested (a flag's 0 or
    /// 1) and the C int the kernel kept. Plain data, so that a listener holds and drops it without
    /// reference counting.
    struct KeptInts: Sendable {
        static let capacity = 4

        struct Entry: Sendable {
            var name: SocketOption.Name
            var requested: CInt
            var kept: CInt
        }

        private(set) var count = 0
        private var entries: (Entry, Entry, Entry, Entry) = (.unset, .unset, .unset, .unset)

        /// Adds an entry; the caller has checked that there is room (`count < capacity`).
        mutating func append(_ entry: Entry) {
            switch count {
            case 0: entries.0 = entry
            case 1: entries.1 = entry
            case 2: entries.2 = entry
            default: entries.3 = entry
            }
            count += 1
        }

        /// Whether an entry has the option `name`.
        func contains(_ name: SocketOption.Name) -> Bool {
            for index in 0..<count where self[index].name == name { return true }
            return false
        }

        subscript(index: Int) -> Entry {
            switch index {
            case 0: entries.0
            case 1: entries.1
            case 2: entries.2
            default: entries.3
            }
        }
    }
}

extension SocketRecord.KeptInts.Entry {
    /// A slot not yet written.
    static let unset = Self(name: .reuseAddress, requested: 0, kept: 0)

    /// The option as requested: its C int is its value as it stands (a flag's 0 or 1).
    var requestedOption: SocketOption { option(requested) }

    /// The option as the kernel kept it.
    var keptOption: SocketOption { option(kept) }

    private func option(_ raw: CInt) -> SocketOption {
        let isFlag = name.cIntLocation?.isFlag ?? false
        return name.make(isFlag ? .bool(raw != 0) : .int(Int(raw)))
    }
}
