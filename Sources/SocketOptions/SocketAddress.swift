// SocketOptions: socket addresses (IPv4, IPv6, Unix domain), parsed strictly.

/// An address a socket binds or connects to: IPv4 or IPv6 with a port (`127.0.0.1:8080`,
/// `[::1]:8080`, `[fe80::1%eth0]:8080`), or a Unix-domain path (`unix:/run/app.sock`) or, on Linux,
/// an abstract name (`unix:@app`).
///
/// IP text is parsed with `inet_pton`, which accepts only the standard forms: `"127.1"`,
/// `"0x7f.0.0.1"`, `"1.2.3.4 "` and `"256.0.0.1"` are errors, as is a port above 65535, although
/// `inet_aton` would have taken the first three. A Unix path must fit `sun_path` (107 bytes and its
/// NUL) and contain no NUL, which would cut it short without a word. In the text form, a backslash
/// in a Unix path or name starts an escape (`\\`, `\x1b`, `\u{9b}`), the form ``description``
/// prints control characters in. The corresponding C types are
/// `sockaddr_in`, `sockaddr_in6` and `sockaddr_un`.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// An IP host: the address bytes in network order, as they lie in `in_addr` / `in6_addr`, and
    /// for IPv6 the scope (interface index), 0 for none.
    enum IP: Hashable, Sendable {
        case ipv4(UInt32)
        case ipv6(UInt64, UInt64, scope: UInt32)
    }

    enum Endpoint: Hashable, Sendable {
        case ip(IP, port: UInt16)
        /// A path in the file system; "" for an unnamed socket (a client that never bound).
        case unixPath(String)
        /// A name in Linux's abstract namespace, without the leading NUL.
        case unixAbstract(String)
    }

    let endpoint: Endpoint

    init(endpoint: Endpoint) { self.endpoint = endpoint }

    init(ip: IP, port: UInt16) { self.endpoint = .ip(ip, port: port) }

    /// The largest path `sun_path` holds with its terminating NUL.
    public static let maximumUnixPathLength = 107

    /// Parses `"HOST:PORT"`: an IPv4 host as four decimal numbers (`"127.0.0.1:8080"`) or an IPv6
    /// host in brackets (`"[::1]:8080"`, with a zone for link-local: `"[fe80::1%eth0]:8080"` or
    /// `"[fe80::1%2]:8080"`; an interface that does not exist is refused); or a Unix-domain address,
    /// `"unix:/run/app.sock"` (a text that starts with `/` is a path too) or `"unix:@name"` for
    /// Linux's abstract namespace.
    ///
    /// In a Unix path or name a backslash starts an escape: `\\` is a backslash, `\xNN` the
    /// character NN (00...7f), `\u{N}` the Unicode scalar N; any other backslash is an error.
    /// That is how ``description`` prints a path with control characters in it, safe to print and
    /// still read back to the same address (`\x00` is a NUL, refused as ever).
    ///
    /// The port is decimal, 0...65535, without a sign or leading zeros (`"0"` itself is fine):
    /// every address has one text form, and ``description`` prints it, so that
    /// `SocketAddress(address.description) == address` for every address this type can make.
    ///
    /// - Throws: ``SocketError/invalidAddress(_:)`` when the text is not such an address; its
    ///   description says what is wrong with it.
    public init(_ text: String) throws(SocketError) {
        switch SocketAddress.parse(text) {
        case .success(let address): self = address
        case .failure: throw .invalidAddress(text)
        }
    }

    /// An address from a host in text (IPv4, or IPv6 without brackets) and a port.
    ///
    /// - Throws: ``SocketError/invalidAddress(_:)`` when `host` is not an IP address.
    public init(host: String, port: UInt16) throws(SocketError) {
        let text = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        guard case .success(let address) = SocketAddress.parse(text), address.family != .unix else {
            throw .invalidAddress(text)
        }
        self = address
    }

    /// A Unix-domain address at `path` in the file system.
    ///
    /// A relative path that starts with `@` is kept as `./@...`, the same file: written as text,
    /// `unix:@name` is an abstract name, and an address prints as text that parses back to it.
    ///
    /// - Throws: ``SocketError/invalidAddress(_:)`` for an empty path, one longer than
    ///   ``maximumUnixPathLength`` bytes, or one with a NUL in it.
    public static func unix(path: String) throws(SocketError) -> SocketAddress {
        let path = unambiguousPath(path)
        if checkUnixName(path) != nil { throw .invalidAddress("unix:" + path) }
        return SocketAddress(endpoint: .unixPath(path))
    }

    /// `@name` as a path is the file `./@name`: the text form reserves the leading `@` for
    /// abstract names.
    static func unambiguousPath(_ path: String) -> String {
        path.hasPrefix("@") ? "./" + path : path
    }

    #if os(Linux)
    /// A Unix-domain address in Linux's abstract namespace: no file, gone with the last socket.
    ///
    /// - Throws: ``SocketError/invalidAddress(_:)`` for an empty name, one longer than
    ///   ``maximumUnixPathLength`` bytes, or one with a NUL in it.
    public static func abstractUnix(name: String) throws(SocketError) -> SocketAddress {
        if checkUnixName(name) != nil { throw .invalidAddress("unix:@" + name) }
        return SocketAddress(endpoint: .unixAbstract(name))
    }
    #endif

    /// The IPv4 wildcard address `0.0.0.0` with `port`: every IPv4 address of this machine.
    public static func ipv4Any(port: UInt16) -> SocketAddress { SocketAddress(ip: .ipv4(0), port: port) }

    /// The IPv6 wildcard address `::` with `port`: every address of this machine, IPv4 too unless
    /// ``SocketOption/ipv6Only(_:)`` is on.
    public static func ipv6Any(port: UInt16) -> SocketAddress { SocketAddress(ip: .ipv6(0, 0, scope: 0), port: port) }

    /// The IPv4 loopback address `127.0.0.1` with `port`.
    public static func ipv4Loopback(port: UInt16) -> SocketAddress {
        SocketAddress(ip: .ipv4(UInt32(0x7F00_0001).bigEndian), port: port)
    }

    /// The IPv6 loopback address `::1` with `port`.
    public static func ipv6Loopback(port: UInt16) -> SocketAddress {
        SocketAddress(ip: .ipv6(0, UInt64(1).bigEndian, scope: 0), port: port)
    }

    /// The address family: ``SocketFamily/ipv4``, ``SocketFamily/ipv6`` or ``SocketFamily/unix``,
    /// never ``SocketFamily/other(_:)``.
    public var family: SocketFamily {
        switch endpoint {
        case .ip(.ipv4, _): .ipv4
        case .ip(.ipv6, _): .ipv6
        case .unixPath, .unixAbstract: .unix
        }
    }

    /// The port, in host byte order; 0 for a Unix-domain address. Port 0 asks the kernel to choose
    /// one at bind.
    public var port: UInt16 {
        if case .ip(_, let port) = endpoint { return port }
        return 0
    }

    /// The host in its standard text form, without brackets: `"127.0.0.1"`, `"::1"`,
    /// `"fe80::1%2"`; for a Unix-domain address, its path or `@name`. A zone prints as its interface
    /// index even when it was given by name: looking the name up would be I/O, which a description
    /// never does.
    public var host: String {
        switch endpoint {
        case .ip(let ip, _): SocketAddress.hostText(ip)
        case .unixPath(let path): path
        case .unixAbstract(let name): "@" + name
        }
    }

    /// Whether a socket bound to this address can take IPv4 traffic as well: `::` and IPv4-mapped
    /// IPv6 addresses (`::ffff:a.b.c.d`) with IPV6_V6ONLY off. Linux turns IPV6_V6ONLY on at bind
    /// for any other IPv6 address.
    var canServeIPv4: Bool {
        guard case .ip(.ipv6(let high, let low, _), _) = endpoint, high == 0 else { return false }
        return low == 0 || UInt64(bigEndian: low) >> 32 == 0x0000_FFFF
    }

    /// Whether this is an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), which only a socket with
    /// IPV6_V6ONLY off can bind.
    var isIPv4Mapped: Bool {
        guard case .ip(.ipv6(let high, let low, _), _) = endpoint, high == 0 else { return false }
        return UInt64(bigEndian: low) >> 32 == 0x0000_FFFF
    }

    /// The file-system path of a Unix-domain address; nil for IP and abstract addresses.
    public var unixPath: String? {
        if case .unixPath(let path) = endpoint, !path.isEmpty { return path }
        return nil
    }

    /// The same host with another port; a Unix-domain address is returned as it is.
    public func withPort(_ port: UInt16) -> SocketAddress {
        guard case .ip(let ip, _) = endpoint else { return self }
        return SocketAddress(ip: ip, port: port)
    }

    /// `"127.0.0.1:8080"`, `"[::1]:8080"`, `"unix:/run/app.sock"`, `"unix:@name"`: the form
    /// ``init(_:)`` parses.
    ///
    /// A Unix path or abstract name is chosen by whoever bound the socket, a peer too, so it is
    /// printed escaped: control characters (C0, DEL, C1), the marks that reorder text and the
    /// backslash are written `\x1b`, `\u{9b}`, `\\`, and ``init(_:)`` reads them back. The
    /// description is safe to print to a terminal or a log, and still parses to this address.
    public var description: String {
        switch endpoint {
        case .ip(.ipv4, let port): "\(host):\(port)"
        case .ip(.ipv6, let port): "[\(host)]:\(port)"
        case .unixPath(let path):
            path.isEmpty ? "unix:(unnamed)" : "unix:" + PrintableText.escaped(SocketAddress.unambiguousPath(path))
        case .unixAbstract(let name): "unix:@" + PrintableText.escaped(name)
        }
    }
}

extension SocketAddress {
    /// What is wrong with an address text; used for the error's description.
    enum Problem: Error, Equatable, Sendable {
        case empty
        case containsNUL
        case missingPort
        case badPort(String)
        case portOutOfRange(String)
        case portLeadingZero(String)
        case unpairedBrackets
        case unbracketedIPv6
        case badIPv4(String)
        case badIPv6(String)
        case unknownInterface(String)
        case emptyUnixPath
        case unixPathTooLong(Int)
        case abstractNotSupported
        case badEscape

        var explanation: String {
            switch self {
            case .empty: "it is empty"
            case .containsNUL: "it contains a NUL character, which would cut the address short"
            case .missingPort: "it has no port; add one after a colon, as in \"127.0.0.1:8080\""
            case .badPort(let port): "the port \"\(PrintableText.quoted(port))\" is not a decimal number"
            case .portOutOfRange(let port): "the port \(PrintableText.quoted(port)) is outside 0...65535"
            case .portLeadingZero(let port):
                "the port \"\(PrintableText.quoted(port))\" has a leading zero; write it as \(Int(port.drop { $0 == "0" }) ?? 0) "
                    + "(a port has one form, without leading zeros)"
            case .unpairedBrackets:
                "its brackets do not pair up: write one \"[\" before the IPv6 host and one \"]\" after it"
            case .unbracketedIPv6: "an IPv6 host must be written in brackets before the port, as in \"[::1]:8080\""
            case .badIPv4(let host):
                "\"\(PrintableText.quoted(host))\" is not an IPv4 address in the standard form: four decimal numbers 0...255 "
                    + "separated by dots, nothing before or after"
            case .badIPv6(let host): "\"\(PrintableText.quoted(host))\" is not an IPv6 address"
            case .unknownInterface(let name):
                "there is no network interface \"\(PrintableText.quoted(name))\" for the zone (see `ip link`)"
            case .emptyUnixPath: "the Unix-domain path is empty (an empty path would bind an abstract address)"
            case .unixPathTooLong(let count):
                "the Unix-domain path is \(count) bytes; sun_path holds \(SocketAddress.maximumUnixPathLength) "
                    + "and its NUL: use a shorter path, or a directory closer to the root"
            case .abstractNotSupported: "abstract Unix-domain names exist on Linux only"
            case .badEscape:
                "a backslash in a Unix-domain path starts an escape: write \\\\ for a backslash, \\xNN "
                    + "(00...7f) or \\u{N} for another character"
            }
        }
    }

    static func checkUnixName(_ name: String) -> Problem? {
        if name.isEmpty { return .emptyUnixPath }
        if name.utf8.contains(0) { return .containsNUL }
        if name.utf8.count > maximumUnixPathLength { return .unixPathTooLong(name.utf8.count) }
        return nil
    }

    /// With `lookingUpZones` false, an IPv6 zone is not looked up (no `if_nametoindex`, no I/O)
    /// and parses as scope 0: what an error's description uses, which must not touch the system.
    static func parse(_ text: String, lookingUpZones: Bool = true) -> Result<SocketAddress, Problem> {
        if text.isEmpty { return .failure(.empty) }
        if text.utf8.contains(0) { return .failure(.containsNUL) }
        if text.hasPrefix("unix:") || text.hasPrefix("/") {
            let name = text.hasPrefix("unix:") ? String(text.dropFirst(5)) : text
            if name.hasPrefix("@") {
                #if os(Linux)
                guard let abstract = PrintableText.unescaped(String(name.dropFirst())) else {
                    return .failure(.badEscape)
                }
                if let problem = checkUnixName(abstract) { return .failure(problem) }
                return .success(SocketAddress(endpoint: .unixAbstract(abstract)))
                #else
                return .failure(.abstractNotSupported)
                #endif
            }
            // `\x40` (an escaped @) at the start is the file ./@..., as SocketAddress.unix(path:) makes it.
            guard let path = PrintableText.unescaped(name).map(unambiguousPath) else { return .failure(.badEscape) }
            if let problem = checkUnixName(path) { return .failure(problem) }
            return .success(SocketAddress(endpoint: .unixPath(path)))
        }
        let hostText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.unpairedBrackets) }
            hostText = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if hostText.contains("[") || rest.contains("[") || rest.contains("]") { return .failure(.unpairedBrackets) }
            guard rest.hasPrefix(":") else { return .failure(.missingPort) }
            portText = rest.dropFirst()
            let ip: IP
            switch parseIPv6(hostText, lookingUpZone: lookingUpZones) {
            case .success(let parsed): ip = parsed
            case .failure(let problem): return .failure(problem)
            }
            return parsePort(portText).map { SocketAddress(ip: ip, port: $0) }
        }
        if text.contains("]") { return .failure(.unpairedBrackets) }
        guard let colon = text.lastIndex(of: ":") else { return .failure(.missingPort) }
        hostText = text[..<colon]
        portText = text[text.index(after: colon)...]
        if hostText.contains(":") { return .failure(.unbracketedIPv6) }
        guard let ip = parseHost(String(hostText)), case .ipv4 = ip else {
            return .failure(.badIPv4(String(hostText)))
        }
        return parsePort(portText).map { SocketAddress(ip: ip, port: $0) }
    }

    /// An IPv6 host with an optional zone after `%`: an interface name or index.
    private static func parseIPv6(_ text: Substring, lookingUpZone: Bool) -> Result<IP, Problem> {
        var hostPart = text
        var zone: Substring?
        if let percent = text.firstIndex(of: "%") {
            hostPart = text[..<percent]
            zone = text[text.index(after: percent)...]
        }
        guard case .ipv6(let high, let low, _)? = parseHost(String(hostPart)) else {
            return .failure(.badIPv6(String(text)))
        }
        guard let zone, lookingUpZone else { return .success(.ipv6(high, low, scope: 0)) }
        guard let index = interfaceIndex(String(zone)) else { return .failure(.unknownInterface(String(zone))) }
        return .success(.ipv6(high, low, scope: index))
    }

    static func parsePort(_ text: Substring) -> Result<UInt16, Problem> {
        if text.isEmpty { return .failure(.missingPort) }
        // Only ASCII digits: no sign, no spaces, no other numerals, which Int(_:) would accept in part.
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .failure(.badPort(String(text)))
        }
        let significant = text.drop { $0 == "0" }
        guard significant.utf8.count <= 5, let value = Int(significant.isEmpty ? "0" : significant),
            value <= Int(UInt16.max)
        else {
            return .failure(.portOutOfRange(String(text)))
        }
        // "0" alone is port 0; "080" and "00080" are refused, as "000080" always was (one rule).
        if text.utf8.count > 1 && text.first == "0" { return .failure(.portLeadingZero(String(text))) }
        return .success(UInt16(value))
    }
}
