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

/// `struct ucred` of SO_PEERCRED, which Glibc declares only under _GNU_SOURCE: three 32-bit
/// numbers, the same layout.
struct CPeerCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// `struct sock_fprog` of SO_ATTACH_FILTER (linux/filter.h, not in Glibc's module): the count of
/// instructions, then a pointer to them. ``SocketFilter/Instruction`` has the layout of
/// `struct sock_filter`.
struct CFilterProgram {
    var length: UInt16
    var instructions: UnsafePointer<SocketFilter.Instruction>?
}

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
    /// An optional C int in `range`; nil travels as 0, the kernel's "none" (SO_BINDTOIFINDEX,
    /// UDP_SEGMENT). Read back as the C int's unsigned bit pattern: the kernel keeps these unsigned.
    case optionalInt(ClosedRange<Int>, unit: StaticString)
    /// TCP_LINGER2's whole seconds, 1...120: nil travels as 0 (net.ipv4.tcp_fin_timeout, which it
    /// reads back as), `.zero` as -1 (no FIN_WAIT2 state at all: the connection is reset).
    case finWait2Timeout
    /// An IP_PMTUDISC_* mode in a C int.
    case pathMTUDiscovery
    /// Set only: an IPv4 group membership as ip_mreqn.
    case ipv4Membership
    /// Set only: an IPv4 source-specific membership as ip_mreq_source.
    case ipv4SourceMembership
    /// Set only: an IPv6 group membership as ipv6_mreq.
    case ipv6Membership
    /// A classic BPF program as sock_fprog; read back with SO_GET_FILTER (the same number).
    case filter
    /// Set only: no value, the option is an action (SO_DETACH_FILTER); a C int 0 is passed.
    case action
    /// Read only: a 64-bit number (SO_COOKIE).
    case unsigned64
    /// Read only: struct ucred; nil when the socket has no peer (pid 0: not a Unix socket).
    case peerCredentials
    /// Read only: an IPv4 address and port as sockaddr_in (SO_ORIGINAL_DST).
    case ipv4SocketAddress
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
        case optionalInt(Int?)
        case pathMTUDiscovery(PathMTUDiscovery)
        case ipv4Membership(IPv4MulticastMembership)
        case ipv4SourceMembership(IPv4SourceMembership)
        case ipv6Membership(IPv6MulticastMembership)
        case filter(SocketFilter)
        /// The value of an option that is an action, such as detaching a filter.
        case action
        case unsigned64(UInt64)
        case peerCredentials(PeerCredentials?)
        case address(SocketAddress)
    }

    /// The C side: the bytes of an option as they travel through setsockopt and getsockopt. Lives
    /// on the stack: setting or reading an option allocates nothing.
    enum CValue {
        case int(CInt)
        case time(timeval)
        case linger(CLinger)
        case text(ShortText)
        case address(in_addr)
        case ipv4Membership(ip_mreqn)
        case ipv4SourceMembership(ip_mreq_source)
        case ipv6Membership(ipv6_mreq)
        /// A program, checked. Its instructions stay in the option's own array, which setsockopt
        /// reads through a pointer made for the call (``OptionCalls/setFilter``), so that this
        /// enum stays a plain value, copied without reference counting on every other option's path.
        case filter
        case unsigned64(UInt64)
        case peerCredentials(CPeerCredentials)
        case socketAddress(sockaddr_in)
    }

    /// The C layout getsockopt reads a value into: a ``CValue`` without its bytes.
    enum CLayout {
        case int, time, linger, text, address, filter, unsigned64, peerCredentials, socketAddress
        /// A set-only option: never read (its row says it cannot be).
        case none
    }

    @inline(__always)
    var cLayout: CLayout {
        switch self {
        case .bool, .int, .unsigned32, .duration, .socketType, .family, .pendingError, .protocolNumber: .int
        case .optionalInt, .finWait2Timeout, .pathMTUDiscovery: .int
        case .timeout: .time
        case .linger: .linger
        case .text: .text
        case .ipv4Address: .address
        case .filter: .filter
        case .unsigned64: .unsigned64
        case .peerCredentials: .peerCredentials
        case .ipv4SocketAddress: .socketAddress
        case .ipv4Membership, .ipv4SourceMembership, .ipv6Membership, .action: .none
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
        case .optionalInt(_, let unit): unit.utf8CodeUnitCount == 0 ? "Int?" : "Int? (\("\(unit)".dropFirst()))"
        case .finWait2Timeout: "Duration?"
        case .pathMTUDiscovery: "PathMTUDiscovery"
        case .ipv4Membership: "IPv4MulticastMembership"
        case .ipv4SourceMembership: "IPv4SourceMembership"
        case .ipv6Membership: "IPv6MulticastMembership"
        case .filter: "SocketFilter"
        case .action: "none"
        case .unsigned64: "UInt64"
        case .peerCredentials: "PeerCredentials?"
        case .ipv4SocketAddress: "SocketAddress"
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
        case .optionalInt(let range, let unit): "nil (none), \(range.lowerBound)...\(range.upperBound)\(unit)"
        case .finWait2Timeout: "nil (net.ipv4.tcp_fin_timeout), .zero (reset at once), 1...120 s, whole"
        case .pathMTUDiscovery: "never, perRoute, always, probe, interface, interfaceOmit"
        case .ipv4Membership: "a group in 224.0.0.0/4 and an interface"
        case .ipv4SourceMembership: "a group in 224.0.0.0/4, a unicast source and an interface address"
        case .ipv6Membership: "a group in ff00::/8 and an interface index"
        case .filter: "1...4096 instructions ending in a return"
        case .action: "none: setting it is the action"
        case .socketType, .family, .pendingError, .protocolNumber, .unsigned64, .peerCredentials, .ipv4SocketAddress:
            "read only"
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
        case .optionalInt(let number?):
            if case .optionalInt(_, let unit) = self { return "\(number)\(Self.unit(unit, for: number))" }
            return "\(number)"
        case .optionalInt(nil): return "none"
        case .pathMTUDiscovery(let mode): return mode.description
        case .ipv4Membership(let membership): return membership.description
        case .ipv4SourceMembership(let membership): return membership.description
        case .ipv6Membership(let membership): return membership.description
        case .filter(let program): return program.instructions.isEmpty ? "none" : program.description
        case .action: return "done"
        case .unsigned64(let number): return "\(number)"
        case .peerCredentials(let credentials): return credentials?.description ?? "none"
        case .address(let address): return address.description
        }
    }

    /// Checks a value and encodes it for setsockopt. Touches nothing in the system. CheckedOption,
    /// its one caller on the path of every set, encodes a boolean and an int in range itself, from
    /// its row, and calls this for the rest and for every refusal. Out of line: with its refusals
    /// it is too large to inline into every set.
    @inline(never)
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
        case .optionalInt(let range, let unit):
            guard let value = payload.optionalInt else { return .int(0) }
            guard range.contains(value), let raw = CInt(exactly: value) else {
                throw refuse("\(option.name) must be \(range.lowerBound)...\(range.upperBound)\(unit), or nil for none")
            }
            return .int(raw)
        case .finWait2Timeout:
            guard let time = payload.duration else { return .int(0) }
            if time == .zero { return .int(-1) }
            let parts = time.count(ofAttoseconds: DurationUnit.seconds.attosecondsPerUnit)
            guard let parts, parts.exact, (1...120).contains(parts.count) else {
                throw refuse(
                    "\(option.name) must be a whole number of seconds in 1...120 (TCP_FIN_TIMEOUT_MAX), .zero to "
                        + "reset the connection instead of waiting, or nil for net.ipv4.tcp_fin_timeout"
                )
            }
            return .int(CInt(parts.count))
        case .pathMTUDiscovery:
            return .int(payload.pathMTUDiscovery.rawValue)
        case .ipv4Membership:
            let membership = payload.ipv4Membership
            if let problem = membership.problem { throw refuse(problem) }
            return .ipv4Membership(
                ip_mreqn(
                    imr_multiaddr: in_addr(s_addr: membership.group.rawValue),
                    imr_address: in_addr(s_addr: membership.interfaceAddress.rawValue),
                    imr_ifindex: CInt(membership.interfaceIndex)
                )
            )
        case .ipv4SourceMembership:
            let membership = payload.ipv4SourceMembership
            if let problem = membership.problem { throw refuse(problem) }
            return .ipv4SourceMembership(
                ip_mreq_source(
                    imr_multiaddr: in_addr(s_addr: membership.group.rawValue),
                    imr_interface: in_addr(s_addr: membership.interfaceAddress.rawValue),
                    imr_sourceaddr: in_addr(s_addr: membership.source.rawValue)
                )
            )
        case .ipv6Membership:
            let membership = payload.ipv6Membership
            if let problem = membership.problem { throw refuse(problem) }
            var request = ipv6_mreq()
            withUnsafeMutableBytes(of: &request.ipv6mr_multiaddr) { bytes in
                bytes.storeBytes(of: membership.group.high, toByteOffset: 0, as: UInt64.self)
                bytes.storeBytes(of: membership.group.low, toByteOffset: 8, as: UInt64.self)
            }
            request.ipv6mr_interface = UInt32(membership.interfaceIndex)
            return .ipv6Membership(request)
        case .filter:
            let program = payload.filter
            if let problem = program.problem { throw refuse(problem) }
            return .filter
        case .action:
            return .int(0)
        case .socketType, .family, .pendingError, .protocolNumber, .unsigned64, .peerCredentials, .ipv4SocketAddress:
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
        // A negative l_linger set raw is kept as an unbounded linger (MAX_SCHEDULE_TIMEOUT) and read
        // back as (int)(LONG_MAX / HZ), a number that is negative for HZ 250, 300 and 1000: it reads
        // as the longest time the typed setter takes, which a set gives back as much the same.
        case (.linger, .linger(let raw)):
            if raw.l_onoff == 0 { return .duration(nil) }
            return .duration(.seconds(raw.l_linger < 0 ? CInt.max : raw.l_linger))
        case (.text(let interfaceName), .text(var raw)):
            let text = withUnsafeBytes(of: &raw.bytes) { bytes in
                String(decoding: bytes.prefix(raw.count).prefix { $0 != 0 }, as: UTF8.self)
            }
            return .text(text.isEmpty && interfaceName ? nil : text)
        case (.ipv4Address, .address(let raw)): return .ipv4(IPv4Address(rawValue: raw.s_addr))
        case (.socketType, .int(let raw)): return .socketType(SocketKind.SocketType(raw: raw))
        case (.family, .int(let raw)): return .family(SocketFamily(raw: raw))
        case (.pendingError, .int(let raw)): return .errno(raw == 0 ? nil : Errno(rawValue: raw))
        case (.optionalInt, .int(let raw)): return .optionalInt(raw == 0 ? nil : Int(UInt32(bitPattern: raw)))
        // -1 is "no FIN_WAIT2 at all"; 0 is never read back (the kernel reports the sysctl instead).
        case (.finWait2Timeout, .int(let raw)): return .duration(raw < 0 ? .zero : .seconds(Int64(raw)))
        // The kernel takes 0...5 only (EINVAL otherwise), so any other number cannot be read back.
        case (.pathMTUDiscovery, .int(let raw)): return .pathMTUDiscovery(PathMTUDiscovery(rawValue: raw) ?? .perRoute)
        case (.unsigned64, .unsigned64(let number)): return .unsigned64(number)
        // A socket with no peer credentials reports pid 0 and uid and gid -1 (cred_to_ucred).
        case (.peerCredentials, .peerCredentials(let raw)):
            return .peerCredentials(
                raw.pid == 0 ? nil : PeerCredentials(processID: raw.pid, userID: raw.uid, groupID: raw.gid)
            )
        case (.ipv4SocketAddress, .socketAddress(let raw)):
            return .address(SocketAddress(ip: .ipv4(raw.sin_addr.s_addr), port: UInt16(bigEndian: raw.sin_port)))
        default: preconditionFailure("\(self) read back with the wrong layout")
        }
    }
}

extension OptionCodec.SwiftValue {
    /// A number or a flag as the C int it is set as (a flag's 0 or 1, not yet checked); nil for
    /// every other value. Inlinable: for a value made where it is used, this is no test at all.
    @inlinable
    var cIntNumber: Int? {
        switch self {
        case .int(let number): number
        case .bool(let on): on ? 1 : 0
        default: nil
        }
    }

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

    @usableFromInline
    var optionalInt: Int? {
        guard case .optionalInt(let value) = self else { preconditionFailure("\(self) is not an optional integer") }
        return value
    }

    @usableFromInline
    var pathMTUDiscovery: PathMTUDiscovery {
        guard case .pathMTUDiscovery(let value) = self else { preconditionFailure("\(self) is not a PMTU mode") }
        return value
    }

    @usableFromInline
    var ipv4Membership: IPv4MulticastMembership {
        guard case .ipv4Membership(let value) = self else { preconditionFailure("\(self) is not a membership") }
        return value
    }

    @usableFromInline
    var ipv4SourceMembership: IPv4SourceMembership {
        guard case .ipv4SourceMembership(let value) = self else { preconditionFailure("\(self) is not a membership") }
        return value
    }

    @usableFromInline
    var ipv6Membership: IPv6MulticastMembership {
        guard case .ipv6Membership(let value) = self else { preconditionFailure("\(self) is not a membership") }
        return value
    }

    @usableFromInline
    var filter: SocketFilter {
        guard case .filter(let value) = self else { preconditionFailure("\(self) is not a filter") }
        return value
    }

    var unsigned64: UInt64 {
        guard case .unsigned64(let value) = self else { preconditionFailure("\(self) is not a 64-bit number") }
        return value
    }

    var peerCredentials: PeerCredentials? {
        guard case .peerCredentials(let value) = self else { preconditionFailure("\(self) is not credentials") }
        return value
    }

    var address: SocketAddress {
        guard case .address(let value) = self else { preconditionFailure("\(self) is not a socket address") }
        return value
    }
}
