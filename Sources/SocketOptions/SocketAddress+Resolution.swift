// SocketOptions: host names to addresses, through getaddrinfo, with every address it gives.

extension SocketAddress {
    /// Every address `host` names, with `port`, in the order `getaddrinfo` gives them (the order
    /// of RFC 6724 and /etc/gai.conf), each once.
    ///
    /// An IP address in its standard form (`"127.0.0.1"`, `"::1"`, `"fe80::1%eth0"`) is taken as
    /// it is, without any lookup. Anything else must be a host name: ASCII letters, digits, `-`
    /// and `_` in dot-separated labels of 1...63 characters, 253 at most in all (an
    /// internationalized name in its `xn--` form). Text that is neither, such as `"127.1"` or
    /// `"0x7f.0.0.1"`, which `inet_aton` and so `getaddrinfo` would take as addresses no one
    /// meant, is refused before any call.
    ///
    /// The name is looked up as the system is configured (/etc/nsswitch.conf): /etc/hosts, then
    /// usually DNS. **This can block**: a DNS lookup waits for the servers of /etc/resolv.conf, up
    /// to `timeout` seconds (5 by default) for each of `attempts` tries (2 by default) of each
    /// server (3 at most), for each name of its `search` list, and the IPv4 and IPv6 queries may
    /// go one after the other: half a minute or more when no server answers. Those
    /// `options timeout:N attempts:N` lines (or the `RES_OPTIONS` environment variable) are what
    /// bounds the wait of the `files` and `dns` sources; another NSS module in the `hosts` line of
    /// /etc/nsswitch.conf (`mdns`, `ldap`, `sss`, `resolve`) waits as it is configured, which
    /// /etc/resolv.conf does not bound. Nothing here can interrupt it. Resolve once, at start-up, never on a path
    /// that must answer quickly, and give an IP address where a name is not needed. The port is
    /// passed as a number (`AI_NUMERICSERV`), so no services database is read.
    ///
    /// The addresses are those of stream sockets (TCP); a datagram socket (UDP) has the same.
    ///
    /// ```swift
    /// let addresses = try SocketAddress.resolve(host: "localhost", port: 8080)
    /// // [127.0.0.1:8080] or [[::1]:8080, 127.0.0.1:8080], as /etc/hosts says
    /// let listener = try ListeningSocket(address: addresses[0])
    /// ```
    ///
    /// - Returns: at least one address, IPv4 or IPv6.
    /// - Throws: ``SocketError/cannotResolve(_:_:)`` with ``ResolutionFailure/invalidHost(_:reason:)``
    ///   before any call, or with the `EAI_*` code of the lookup (``ResolutionFailure/noName`` for
    ///   a name nobody knows, ``ResolutionFailure/temporaryFailure`` when no DNS server answered).
    ///   The corresponding C function is `getaddrinfo` (and `freeaddrinfo`).
    public static func resolve(host: String, port: UInt16) throws(SocketError) -> [SocketAddress] {
        if let address = try numericAddress(host: host, port: port) { return [address] }
        // Go and Python read an empty host as "every address", which is two different listeners
        // here (IPv4 only, or IPv6 that also takes IPv4 unless IPV6_V6ONLY): the caller says which.
        if host.isEmpty {
            throw .cannotResolve(
                host,
                .invalidHost(
                    host,
                    reason: "it is empty; for every address write 0.0.0.0:\(port) (IPv4) or [::]:\(port) "
                        + "(IPv6, and IPv4 too unless ipv6Only)"
                )
            )
        }
        if let reason = hostNameProblem(host) {
            throw .cannotResolve(host, .invalidHost(host, reason: reason))
        }
        switch HostResolution.lookup(host, port: port) {
        case .success(let addresses): return addresses
        case .failure(let failure): throw .cannotResolve(host, failure)
        }
    }

    /// Every address that `"HOST:PORT"` names: what ``init(_:)`` parses (an IP address, a
    /// Unix-domain path) without any lookup, or a host name and a decimal port, looked up as
    /// ``resolve(host:port:)`` does (and as it can, this can block on DNS).
    ///
    /// ```swift
    /// let addresses = try SocketAddress.resolving("localhost:8080")
    /// ```
    ///
    /// An empty host (`":8080"`) is refused rather than read as "every address", as Go and Python
    /// read it: write `"0.0.0.0:8080"` for every IPv4 address, or `"[::]:8080"` for every IPv6
    /// address (and every IPv4 one too, unless ``SocketOption/ipv6Only(_:)`` is set).
    ///
    /// - Throws: ``SocketError/cannotResolve(_:_:)``: with ``ResolutionFailure/invalidPort(_:reason:)``
    ///   for a port that is missing, out of 0...65535 or not a number (`"localhost:http"`), and
    ///   ``ResolutionFailure/invalidHost(_:reason:)`` for a bad host (an empty one included), both
    ///   before any call; or
    ///   with the `EAI_*` code of the lookup. The corresponding C function is `getaddrinfo`.
    public static func resolving(_ text: String) throws(SocketError) -> [SocketAddress] {
        if case .success(let address) = parse(text) { return [address] }
        // Host names are never bracketed and never contain a colon: what does is IPv6 text that
        // did not parse, or a Unix path, and the parser's own error says what is wrong with it.
        if text.hasPrefix("[") || text.hasPrefix("/") || text.hasPrefix("unix:") { throw .invalidAddress(text) }
        guard let colon = text.lastIndex(of: ":") else {
            throw .cannotResolve(text, .invalidPort("", reason: Problem.missingPort.explanation))
        }
        let host = String(text[..<colon])
        if host.contains(":") { throw .invalidAddress(text) }
        let portText = text[text.index(after: colon)...]
        switch parsePort(portText) {
        case .success(let port):
            do {
                return try resolve(host: host, port: port)
            } catch .cannotResolve(_, let failure) {
                throw .cannotResolve(text, failure)
            }
        case .failure(let problem):
            throw .cannotResolve(text, .invalidPort(String(portText), reason: problem.explanation))
        }
    }

    /// `host` as an IP address in standard form with `port`, nil when it is not one; IPv6 text
    /// that is not an address is refused (no host name contains a colon).
    private static func numericAddress(host: String, port: UInt16) throws(SocketError) -> SocketAddress? {
        if host.contains(":") {
            switch parse("[\(host)]:\(port)") {
            case .success(let address): return address
            case .failure(let problem): throw .cannotResolve(host, .invalidHost(host, reason: problem.explanation))
            }
        }
        guard case .success(let address) = parse("\(host):\(port)"), address.family == .ipv4 else { return nil }
        return address
    }

    /// Why `host` cannot be a host name (RFC 1123 labels, with `_` as /etc/hosts and DNS allow);
    /// nil when it can be.
    static func hostNameProblem(_ host: String) -> String? {
        if host.isEmpty { return "it is empty; give a host name or an IP address" }
        if host.utf8.contains(0) { return "it contains a NUL character, which would cut the name short" }
        let name = host.hasSuffix(".") ? host.dropLast() : Substring(host)
        if name.utf8.count > 253 { return "it is \(name.utf8.count) bytes long; a host name has 253 at most" }
        if !name.unicodeScalars.allSatisfy(\.isASCII) {
            return "it is not ASCII; write an internationalized name in its ASCII form (xn--...)"
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            if label.isEmpty { return "it has an empty label (two dots in a row, or a dot first)" }
            if let bad = label.unicodeScalars.first(where: { !isHostNameScalar($0) }) {
                return "it contains \"\(PrintableText.escaped(String(bad)))\", which a host name cannot have "
                    + "(letters, digits, - and _ in labels between dots)"
            }
            if label.utf8.count > 63 { return "its label \"\(label)\" is longer than 63 characters" }
            if label.hasPrefix("-") || label.hasSuffix("-") {
                return "its label \"\(label)\" starts or ends with a hyphen"
            }
        }
        // No top-level domain is all digits (RFC 3696): such text is an IPv4 address that is not in
        // the standard form, which getaddrinfo would read as inet_aton does ("127.1" is 127.0.0.1).
        if let last = labels.last, last.allSatisfy(\.isNumber) || isHexNumber(last) {
            return Problem.badIPv4(host).explanation
        }
        return nil
    }

    /// `0x7f`, `0XFF`: a number as inet_aton reads it.
    private static func isHexNumber(_ label: Substring) -> Bool {
        let lower = label.lowercased()
        return lower.hasPrefix("0x") && lower.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    private static func isHostNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
            || scalar == "-" || scalar == "_"
    }
}
