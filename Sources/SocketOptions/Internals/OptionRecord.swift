// SocketOptions: what a socket's setup asked of each option and what the kernel kept, stored the
// way the commonest setup needs least: the kept C ints beside the options given, with the records
// themselves made when they are asked for.

/// Each option of a socket's setup as requested and as the kernel kept it, in the order set: what
/// ``ListeningSocket/appliedOptions`` and ``DatagramSocket/appliedOptions`` read.
///
/// A setup whose options are all one C int read back under its own name, and that bind cannot
/// change (``SocketOption/Name/cIntLocation``; at most ``KeptInts/capacity`` of them: the defaults
/// and one or two options of a server's own), keeps only the ints the kernel kept, beside the
/// lists the options came from: no allocation, no ``AppliedOption`` made and destroyed with every
/// listener (Documentation/Performance.md). Any other setup keeps its records as they are made.
struct OptionRecord: Sendable {
    private enum Storage: Sendable {
        /// The options by position, and the C int kept for each.
        case compact(SocketSetup.OptionList, KeptInts)
        case records([AppliedOption])
    }

    private let storage: Storage

    /// A record of no option: an adopted socket, on which nothing was set.
    static let none = OptionRecord(records: [])

    init(records: [AppliedOption]) { storage = .records(records) }

    init(_ list: SocketSetup.OptionList, kept: KeptInts) { storage = .compact(list, kept) }

    /// The records, made from the kept ints when the setup stored those.
    var applied: [AppliedOption] {
        switch storage {
        case .records(let records):
            return records
        case .compact(let list, let kept):
            return (0..<list.count).map { index in
                let requested = list[index]
                let name = requested.name
                let raw = kept[index]
                let isFlag = name.cIntLocation?.isFlag ?? false
                let effective = name.make(isFlag ? .bool(raw != 0) : .int(Int(raw)))
                return AppliedOption(requested: requested, effective: effective)
            }
        }
    }

    /// Up to four C ints in place, the values a compact setup kept.
    struct KeptInts: Sendable {
        static let capacity = 4
        private var values: (CInt, CInt, CInt, CInt) = (0, 0, 0, 0)

        subscript(index: Int) -> CInt {
            get {
                switch index {
                case 0: values.0
                case 1: values.1
                case 2: values.2
                default: values.3
                }
            }
            set {
                switch index {
                case 0: values.0 = newValue
                case 1: values.1 = newValue
                case 2: values.2 = newValue
                default: values.3 = newValue
                }
            }
        }
    }
}
