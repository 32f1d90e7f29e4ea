// SocketOptions: the one codec between an option's Swift value and the C bytes that setsockopt
// and getsockopt take: how each kind of value is checked, encoded, decoded and printed.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C linger structure, named apart from the `SocketOption.linger` case.
typealias CLinger = linger

/// Up to 15 bytes of text and a NUL, the size of an interface name (IFNAMSIZ) and of a congestion
/// control name (TCP_CA_NAME_MAX), kept on the stack.
struct ShortText {
    var bytes: (UInt64, UInt64) = (0, 0)
    var count = 0
    static let capacity = 15
}

@usableFromInline
enum DurationUnit {
    case seconds, milliseconds, microseconds

    var symbol: String {
        switch self {
        case .seconds: "s"
        case .milliseconds: "ms"
        case .microseconds: "µs"
        }
    }

    var word: String {
        switch self {
        case .seconds: "seconds"
        case .milliseconds: "milliseconds"
        case .microseconds: "microseconds"
        }
    }

    func duration(_ count: Int64) -> Duration {
        switch self {
        case .seconds: .seconds(count)
        case .milliseconds: .milliseconds(count)
        case .microseconds: .microseconds(count)
        }
    }

    var attosecondsPerUnit: Int64 {
        switch self {
        case .seconds: 1_000_000_000_000_000_000
        case .milliseconds: 1_000_000_000_000_000
        case .microseconds: 1_000_000_000_000
        }
    }
}

/// How one option's value travels between Swift and the kernel, with the range the package lets
/// through. The Swift side is ``SwiftValue`` (what a ``SocketOption`` case carries); the C side is
/// ``CValue``, the bytes on the stack that `setsockopt` and `getsockopt` take, in the layout
/// ``CLayout``. A value is checked and encoded once per set (``encode(_:for:note:)``), decoded once
/// per read (``decode(_:)``). Each option's codec is in its row of the catalogue.
@usableFromInline
enum OptionCodec {
    /// On or off, as a C int 0 or 1.
    case bool
    /// A C int in `range`; `unit` is printed after values (" bytes").
    case int(ClosedRange<Int>, unit: StaticString)
    /// An unsigned 32-bit value carried in a C int (SO_MARK).
    case unsigned32
    /// A Duration carried as a whole number of `unit` in a C int. With `offIsZero`, the Swift
    /// value is optional and nil travels as 0.
    case duration(DurationUnit, ClosedRange<Int64>, offIsZero: Bool)
    /// An optional Duration carried as a timeval; nil is {0, 0}, "no timeout".
    case timeout
    /// An optional whole number of seconds carried as a linger structure; nil is off.
    case linger
    /// A name of up to 15 bytes; with `interfaceName`, the kernel's rules for interface names
    /// apply and nil (or "") removes the binding.
    case text(interfaceName: Bool)
    /// An IPv4 address carried as in_addr.
    case ipv4Address
    /// Read only: the socket type (SO_TYPE) in a C int.
    case socketType
    /// Read only: the address family (SO_DOMAIN) in a C int.
    case family
    /// Read only: an errno in a C int, 0 for none (SO_ERROR).
    case pendingError
    /// Read only: a protocol number in a C int (SO_PROTOCOL).
    case protocolNumber

    /// The Swift side: the value a ``SocketOption`` or ``ReadOnlySocketOption`` case carries,
    /// without its case.
    @usableFromInline
    enum SwiftValue: Hashable, Sendable {
        case bool(Bool)
        case int(Int)
        case duration(Duration?)
        case text(String?)
        case ipv4(IPv4Address)
        case socketType(SocketKind.SocketType)
        case family(SocketFamily)
        case errno(Errno?)
    }

    /// The C side: the bytes of an option as they travel through setsockopt and getsockopt. Lives
    /// on the stack: setting or reading an option allocates nothing.
    enum CValue {
        case int(CInt)
        case time(timeval)
        case linger(CLinger)
        case text(ShortText)
        case address(in_addr)
    }

    /// The C layout getsockopt reads a value into: a ``CValue`` without its bytes.
    enum CLayout {
        case int, time, linger, text, address
    }

    var cLayout: CLayout {
        switch self {
        case .bool, .int, .unsigned32, .duration, .socketType, .family, .pendingError, .protocolNumber: .int
        case .timeout: .time
        case .linger: .linger
        case .text: .text
        case .ipv4Address: .address
        }
    }

    /// The Swift type of the value, such as `"Int (bytes)"` or `"Duration?"`.
    var typeDescription: String {
        switch self {
        case .bool: "Bool"
        case .int(_, let unit): unit.utf8CodeUnitCount == 0 ? "Int" : "Int (\("\(unit)".dropFirst()))"
        case .unsigned32: "UInt32"
        case .duration(_, _, let offIsZero): offIsZero ? "Duration?" : "Duration"
        case .timeout, .linger: "Duration?"
        case .text(let interfaceName): interfaceName ? "String?" : "String"
        case .ipv4Address: "IPv4Address"
        case .socketType: "SocketKind.SocketType"
        case .family: "SocketFamily"
        case .pendingError: "Errno?"
        case .protocolNumber: "Int32"
        }
    }

    var validValues: String {
        switch self {
        case .bool: "true, false"
        case .int(let range, let unit): "\(range.lowerBound)...\(range.upperBound)\(unit)"
        case .unsigned32: "0...4294967295"
        case .duration(let unit, let range, let offIsZero):
            (offIsZero ? "nil (off), " : "") + "\(range.lowerBound)...\(range.upperBound) \(unit.symbol), whole"
        case .timeout: "nil (none), 1 µs...\(Self.maximumTimeoutSeconds) s"
        case .linger: "nil (off), 0...2147483647 s, whole"
        case .text(let interfaceName):
            interfaceName ? "nil (none), an interface name of 1...15 bytes" : "a name of 1...15 bytes"
        case .ipv4Address: "an IPv4 address"
        case .socketType, .family, .pendingError, .protocolNumber: "read only"
        }
    }

    /// " bytes" for every count but 1, which takes " byte".
    private static func unit(_ unit: StaticString, for value: some BinaryInteger) -> String {
        let text = "\(unit)"
        return value == 1 && text.hasSuffix("s") ? String(text.dropLast()) : text
    }

    /// The value as a person reads it: `"on"`, `"131072 bytes"`, `"4 ms"`, `"off"`, `"6 (TCP)"`.
    func describe(_ value: SwiftValue) -> String {
        switch value {
        case .bool(let on): return on ? "on" : "off"
        case .int(let number):
            switch self {
            case .int(_, let unit): return "\(number)\(Self.unit(unit, for: number))"
            case .protocolNumber where number == 6: return "6 (TCP)"
            case .protocolNumber where number == 17: return "17 (UDP)"
            default: return "\(number)"
            }
        case .duration(let time): return time.map(SocketOption.describe) ?? "off"
        case .text(let text): return text.map { "\"\(PrintableText.escaped($0))\"" } ?? "none"
        case .ipv4(let address): return address.description
        case .socketType(let type): return type.description
        case .family(let family): return family.description
        case .errno(let errno): return errno?.description ?? "none"
        }
    }

    /// Checks a value and encodes it for setsockopt. Touches nothing in the system. Inlined into
    /// CheckedOption, its one caller on the path of every set, where the codec is a branch.
    @inline(__always)
    func encode(
        _ payload: SwiftValue,
        for option: SocketOption,
        note: StaticString?
    ) throws(SocketError) -> CValue {
        func refuse(_ reason: String) -> SocketError {
            .invalidValue(option, reason: note.map { "\(reason); \($0)" } ?? reason)
        }
        switch self {
        case .bool:
            return .int(payload.bool ? 1 : 0)
        case .int(let range, let unit):
            let value = payload.int
            guard range.contains(value) else {
                throw refuse("\(option.name) must be \(range.lowerBound)...\(range.upperBound)\(unit)")
            }
            return .int(CInt(value))
        case .unsigned32:
            guard let value = UInt32(exactly: payload.int) else {
                throw refuse("\(option.name) must be 0...\(UInt32.max)")
            }
            return .int(CInt(bitPattern: value))
        case .duration(let unit, let range, let offIsZero):
            guard let time = payload.duration else {
                precondition(offIsZero, "\(option.name) has no off value")
                return .int(0)
            }
            // A fraction first (its message names the range too), then the range; a count too large
            // for Int64 is out of range, never wrapped.
            let parts = time.count(ofAttoseconds: unit.attosecondsPerUnit)
            if let parts, !parts.exact {
                throw refuse(
                    "the kernel keeps \(option.name) in whole \(unit.word); give a whole number of \(unit.word) in "
                        + "\(range.lowerBound)...\(range.upperBound)"
                )
            }
            guard let count = parts?.count, range.contains(count), let raw = CInt(exactly: count) else {
                throw refuse(
                    "\(option.name) must be \(range.lowerBound)...\(range.upperBound) \(unit.word)"
                        + (offIsZero ? ", or nil for off" : "")
                )
            }
            return .int(raw)
        case .timeout:
            guard let time = payload.duration else { return .time(timeval(tv_sec: 0, tv_usec: 0)) }
            return .time(try Self.timeout(time, refuse: refuse))
        case .linger:
            guard let time = payload.duration else { return .linger(CLinger(l_onoff: 0, l_linger: 0)) }
            let parts = time.count(ofAttoseconds: DurationUnit.seconds.attosecondsPerUnit)
            if let parts, !parts.exact {
                throw refuse(
                    "the kernel keeps the linger time in whole seconds; give a whole number of seconds in "
                        + "0...\(CInt.max) (a fraction rounded down to 0 would reset the connection)"
                )
            }
            guard let seconds = parts?.count, seconds >= 0, let raw = CInt(exactly: seconds) else {
                throw refuse("the linger time must be 0...\(CInt.max) seconds, or nil for off")
            }
            return .linger(CLinger(l_onoff: 1, l_linger: raw))
        case .text(let interfaceName):
            let text = payload.text ?? ""
            if text.isEmpty && interfaceName { return .text(ShortText()) }
            guard !text.isEmpty, text.utf8.count <= ShortText.capacity else {
                throw refuse("\(option.name) must be a name of 1...\(ShortText.capacity) bytes")
            }
            if text.utf8.contains(0) { throw refuse("the name contains a NUL character") }
            if interfaceName
                && (text == "." || text == ".." || text.utf8.contains { $0 == 0x2F || $0 == 0x3A || $0 <= 0x20 })
            {
                throw refuse("\"\(text)\" is not an interface name: no '/', ':' or white space, not \".\" or \"..\"")
            }
            var short = ShortText()
            short.count = text.utf8.count
            withUnsafeMutableBytes(of: &short.bytes) { destination in
                destination.copyBytes(from: text.utf8)
            }
            return .text(short)
        case .ipv4Address:
            return .address(in_addr(s_addr: payload.ipv4.rawValue))
        case .socketType, .family, .pendingError, .protocolNumber:
            preconditionFailure("\(option.name) is read only: no SocketOption carries this codec")
        }
    }

    /// The longest timeout taken, in whole seconds (about 292 million years). Linux keeps a timeout
    /// in clock ticks in a C long and takes anything longer than LONG_MAX / HZ - 1 seconds as "no
    /// timeout at all"; this bound stays below that for any HZ up to 1000.
    static let maximumTimeoutSeconds: Int64 = Int64.max / 1000 - 2

    private static func timeout(_ time: Duration, refuse: (String) -> SocketError) throws(SocketError) -> timeval {
        if time < .zero {
            throw refuse("a timeout cannot be negative; Linux would take it as no timeout at all")
        }
        if time == .zero {
            throw refuse("a zero timeout means \"never time out\" to the kernel; say that with nil")
        }
        if time < .microseconds(1) {
            throw refuse(
                "a timeout shorter than 1 µs would reach the kernel as 0, which means never time out; "
                    + "give at least .microseconds(1)"
            )
        }
        // Whole seconds beyond time_t (and beyond Int64, where Duration.components would trap) are
        // refused, not wrapped. One second is left as room for rounding the fraction up.
        guard time <= .seconds(maximumTimeoutSeconds), let (seconds, attoseconds) = time.checkedComponents else {
            throw refuse(
                "a timeout must be at most \(maximumTimeoutSeconds) seconds, beyond which Linux takes it as no "
                    + "timeout at all; for no timeout give nil"
            )
        }
        // Round a fraction of a microsecond up: the kernel rounds up to its tick anyway, and rounding
        // down could only ever shorten the wait the caller asked for.
        var microseconds = attoseconds / 1_000_000_000_000
        if attoseconds % 1_000_000_000_000 != 0 { microseconds += 1 }
        var wholeSeconds = seconds
        if microseconds == 1_000_000 {
            wholeSeconds += 1
            microseconds = 0
        }
        guard let tvSeconds = time_t(exactly: wholeSeconds) else {
            throw refuse("the timeout does not fit the platform's time_t")
        }
        return timeval(tv_sec: tvSeconds, tv_usec: .init(microseconds))
    }

    /// The Swift value of C bytes read back from the kernel. Inlined into the read path, where the
    /// codec and the layout are known, so that a C int becomes its value without a call.
    @inline(__always)
    func decode(_ value: CValue) -> SwiftValue {
        switch (self, value) {
        // BSDs read a boolean back as the flag bit itself (0x200 for SO_REUSEPORT): compare with 0.
        case (.bool, .int(let raw)): return .bool(raw != 0)
        case (.int, .int(let raw)), (.protocolNumber, .int(let raw)): return .int(Int(raw))
        case (.unsigned32, .int(let raw)): return .int(Int(UInt32(bitPattern: raw)))
        case (.duration(let unit, _, let offIsZero), .int(let raw)):
            return .duration(offIsZero && raw == 0 ? nil : unit.duration(Int64(raw)))
        // {0, 0} is how the kernel says "no timeout".
        case (.timeout, .time(let raw)):
            if raw.tv_sec == 0 && raw.tv_usec == 0 { return .duration(nil) }
            return .duration(.seconds(Int64(raw.tv_sec)) + .microseconds(Int64(raw.tv_usec)))
        // Linux keeps the old time when linger is turned off ({0, 5}): off is off.
        case (.linger, .linger(let raw)): return .duration(raw.l_onoff == 0 ? nil : .seconds(raw.l_linger))
        case (.text(let interfaceName), .text(var raw)):
            let text = withUnsafeBytes(of: &raw.bytes) { bytes in
                String(decoding: bytes.prefix(raw.count).prefix { $0 != 0 }, as: UTF8.self)
            }
            return .text(text.isEmpty && interfaceName ? nil : text)
        case (.ipv4Address, .address(let raw)): return .ipv4(IPv4Address(rawValue: raw.s_addr))
        case (.socketType, .int(let raw)): return .socketType(SocketKind.SocketType(raw: raw))
        case (.family, .int(let raw)): return .family(SocketFamily(raw: raw))
        case (.pendingError, .int(let raw)): return .errno(raw == 0 ? nil : Errno(rawValue: raw))
        default: preconditionFailure("\(self) read back with the wrong layout")
        }
    }
}

extension OptionCodec.SwiftValue {
    // The row of an option and the case of its SocketOption are written side by side in the
    // catalogue, so a mismatch is a programming error that every option's readback test finds.
    @usableFromInline
    var bool: Bool {
        guard case .bool(let value) = self else { preconditionFailure("\(self) is not a boolean") }
        return value
    }

    @usableFromInline
    var int: Int {
        guard case .int(let value) = self else { preconditionFailure("\(self) is not an integer") }
        return value
    }

    @usableFromInline
    var duration: Duration? {
        guard case .duration(let value) = self else { preconditionFailure("\(self) is not a duration") }
        return value
    }

    @usableFromInline
    var text: String? {
        guard case .text(let value) = self else { preconditionFailure("\(self) is not text") }
        return value
    }

    @usableFromInline
    var ipv4: IPv4Address {
        guard case .ipv4(let value) = self else { preconditionFailure("\(self) is not an IPv4 address") }
        return value
    }

    var socketType: SocketKind.SocketType {
        guard case .socketType(let value) = self else { preconditionFailure("\(self) is not a socket type") }
        return value
    }

    var family: SocketFamily {
        guard case .family(let value) = self else { preconditionFailure("\(self) is not a family") }
        return value
    }

    var errno: Errno? {
        guard case .errno(let value) = self else { preconditionFailure("\(self) is not an errno") }
        return value
    }
}
