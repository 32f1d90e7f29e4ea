// SocketOptions: IP socket addresses, parsed strictly.

/// An IPv4 or IPv6 address with a port, such as `127.0.0.1:8080` or `[::1]:8080`.
///
/// Text is parsed with `inet_pton`, which accepts only the standard forms: `"127.1"`,
/// `"0x7f.0.0.1"`, `"1.2.3.4 "` and `"256.0.0.1"` are errors, as is a port above 65535, although
/// `inet_aton` would have taken the first three. The corresponding C types are `sockaddr_in` and
/// `sockaddr_in6`.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address family. The corresponding C constants are `AF_INET` and `AF_INET6`.
    public enum Family: Hashable, Sendable, CustomStringConvertible {
        /// IPv4 (`AF_INET`).
        case ipv4
        /// IPv6 (`AF_INET6`).
        case ipv6

        public var description: String { self == .ipv4 ? "IPv4" : "IPv6" }
    }

    /// The IP address bytes in network order, as they lie in `in_addr` / `in6_addr`.
    enum IP: Hashable, Sendable {
        case ipv4(UInt32)
        case ipv6(UInt64, UInt64)
    }

    let ip: IP

    /// The port, in host byte order. `0` asks the kernel to choose one at bind.
    public let port: UInt16

    init(ip: IP, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// Parses `"HOST:PORT"`: an IPv4 host as four decimal numbers (`"127.0.0.1:8080"`) or an IPv6
    /// host in brackets (`"[::1]:8080"`).
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
        guard let ip = SocketAddress.parseHost(host) else {
            throw .invalidAddress(host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        }
        self.init(ip: ip, port: port)
    }

    /// The IPv4 wildcard address `0.0.0.0` with `port`: every IPv4 address of this machine.
    public static func ipv4Any(port: UInt16) -> SocketAddress { SocketAddress(ip: .ipv4(0), port: port) }

    /// The IPv4 loopback address `127.0.0.1` with `port`.
    public static func ipv4Loopback(port: UInt16) -> SocketAddress {
        SocketAddress(ip: .ipv4(UInt32(0x7F00_0001).bigEndian), port: port)
    }

    /// The IPv6 loopback address `::1` with `port`.
    public static func ipv6Loopback(port: UInt16) -> SocketAddress {
        SocketAddress(ip: .ipv6(0, UInt64(1).bigEndian), port: port)
    }

    /// The address family, IPv4 or IPv6.
    public var family: Family {
        switch ip {
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        }
    }

    /// The host in its standard text form, without brackets: `"127.0.0.1"`, `"::1"`.
    public var host: String { SocketAddress.hostText(ip) }

    /// The same host with another port.
    public func withPort(_ port: UInt16) -> SocketAddress { SocketAddress(ip: ip, port: port) }

    /// `"127.0.0.1:8080"` or `"[::1]:8080"`: the form ``init(_:)`` parses.
    public var description: String {
        switch ip {
        case .ipv4: "\(host):\(port)"
        case .ipv6: "[\(host)]:\(port)"
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
        case unbracketedIPv6
        case badIPv4(String)
        case badIPv6(String)

        var explanation: String {
            switch self {
            case .empty: "it is empty"
            case .containsNUL: "it contains a NUL character, which would cut the address short"
            case .missingPort: "it has no port; add one after a colon, as in \"127.0.0.1:8080\""
            case .badPort(let port): "the port \"\(port)\" is not a decimal number"
            case .portOutOfRange(let port): "the port \(port) is outside 0...65535"
            case .unbracketedIPv6: "an IPv6 host must be written in brackets before the port, as in \"[::1]:8080\""
            case .badIPv4(let host):
                "\"\(host)\" is not an IPv4 address in the standard form: four decimal numbers 0...255 "
                    + "separated by dots, nothing before or after"
            case .badIPv6(let host): "\"\(host)\" is not an IPv6 address"
            }
        }
    }

    static func parse(_ text: String) -> Result<SocketAddress, Problem> {
        if text.isEmpty { return .failure(.empty) }
        if text.utf8.contains(0) { return .failure(.containsNUL) }
        let hostText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.badIPv6(String(text.dropFirst()))) }
            hostText = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(.missingPort) }
            portText = rest.dropFirst()
            guard let ip = parseHost(String(hostText)), case .ipv6 = ip else {
                return .failure(.badIPv6(String(hostText)))
            }
            return parsePort(portText).map { SocketAddress(ip: ip, port: $0) }
        }
        guard let colon = text.lastIndex(of: ":") else { return .failure(.missingPort) }
        hostText = text[..<colon]
        portText = text[text.index(after: colon)...]
        if hostText.contains(":") { return .failure(.unbracketedIPv6) }
        guard let ip = parseHost(String(hostText)), case .ipv4 = ip else {
            return .failure(.badIPv4(String(hostText)))
        }
        return parsePort(portText).map { SocketAddress(ip: ip, port: $0) }
    }

    private static func parsePort(_ text: Substring) -> Result<UInt16, Problem> {
        if text.isEmpty { return .failure(.missingPort) }
        // Only ASCII digits: no sign, no spaces, no other numerals, which Int(_:) would accept in part.
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .failure(.badPort(String(text)))
        }
        guard text.utf8.count <= 5, let value = Int(text), value <= Int(UInt16.max) else {
            return .failure(.portOutOfRange(String(text)))
        }
        return .success(UInt16(value))
    }
}
