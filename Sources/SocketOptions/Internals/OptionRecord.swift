// SocketOptions: what a socket's setup asked of each option and what the kernel kept, stored the
// way the commonest setup needs least: each option's name and C ints in place, with the records
// themselves made when they are asked for.

/// Each option of a socket's setup as requested and as the kernel kept it, in the order set: what
/// ``ListeningSocket/appliedOptions`` and ``DatagramSocket/appliedOptions`` read.
///
/// A setup whose options are all one C int read back under its own name, and that bind cannot
/// change (``SocketOption/Name/cIntLocation``; at most ``KeptInts/capacity`` of them: the defaults
/// and one or two options of a server's own), keeps only each option's name, the int requested and
/// the int the kernel kept: no allocation, no reference counted, no ``AppliedOption`` made and
/// destroyed with every listener (Documentation/Performance.md). Any other setup keeps its records
/// as they are made.
struct OptionRecord: Sendable {
    /// Each option's name, its value as requested and the C int kept: plain data in place, for a
    /// compact record; empty otherwise.
    private let kept: KeptInts
    /// The records as they were made, for any other setup; empty (no allocation) for a compact one.
    /// Two fields rather than an enum of the two: the owner's `close()` destroys the record with one
    /// release, without a switch over which of the two it holds.
    private let records: [AppliedOption]

    /// A record of no option: an adopted socket, on which nothing was set.
    static let none = OptionRecord(records: [])

    init(records: [AppliedOption]) {
        self.kept = KeptInts()
        self.records = records
    }

    init(compact: KeptInts) {
        self.kept = compact
        self.records = []
    }

    /// The records, made from the kept ints when the setup stored those.
    var applied: [AppliedOption] {
        guard kept.count > 0 else { return records }
        return (0..<kept.count).map { index in
            let entry = kept[index]
            let isFlag = entry.name.cIntLocation?.isFlag ?? false
            let requested = entry.name.make(isFlag ? .bool(entry.requested != 0) : .int(Int(entry.requested)))
            let effective = entry.name.make(isFlag ? .bool(entry.kept != 0) : .int(Int(entry.kept)))
            return AppliedOption(requested: requested, effective: effective)
        }
    }

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

extension OptionRecord.KeptInts.Entry {
    /// A slot not yet written.
    static let unset = Self(name: .reuseAddress, requested: 0, kept: 0)
}
