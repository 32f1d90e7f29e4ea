// SocketOptions: options from text, for command lines and configuration files.

extension SocketOption.Name {
    /// Finds an option by its Swift name (`"receiveBufferSize"`), the same in kebab case
    /// (`"receive-buffer-size"`) or its C name (`"SO_RCVBUF"`); nil when none matches.
    public init?(parsing text: String) {
        let wanted = text.lowercased().filter { $0 != "-" && $0 != "_" }
        let found = Self.allCases.first {
            $0.rawValue.lowercased() == wanted || $0.cName.lowercased().filter { $0 != "_" } == wanted
        }
        guard let found else { return nil }
        self = found
    }
}

extension SocketOption {
    /// Parses `"NAME=VALUE"`, such as `"receive-buffer-size=1048576"`, `"no-delay=on"`,
    /// `"receive-timeout=250ms"`, `"linger=off"` or `"SO_KEEPALIVE=1"`.
    ///
    /// NAME is found as in ``Name/init(parsing:)``. VALUE is `on`/`off` (also `true`/`false`,
    /// `yes`/`no`, `1`/`0`) for booleans; a decimal number for counts and sizes; a number with a unit
    /// (`s`, `ms`, `us` or `µs`) for durations, where a bare number is in the option's own unit;
    /// `off` or `none` for an optional value left off; text for names; a dotted IPv4 address for
    /// addresses. The value is then checked like any other.
    ///
    /// - Throws: ``SocketError/invalidOptionText(_:reason:)`` when the text does not parse, and
    ///   ``SocketError/invalidValue(_:reason:)`` when the value is out of range.
    public init(parsing text: String) throws(SocketError) {
        guard let equals = text.firstIndex(of: "=") else {
            throw .invalidOptionText(text, reason: "write NAME=VALUE, such as receive-buffer-size=1048576")
        }
        let nameText = String(text[..<equals])
        let valueText = String(text[text.index(after: equals)...])
        guard let name = Name(parsing: nameText) else {
            throw .invalidOptionText(
                text,
                reason: "there is no option \"\(PrintableText.excerpt(nameText))\"; `sockopt-demo options` lists them"
            )
        }
        let row = name.row
        let value: OptionCodec.SwiftValue
        switch Self.parseValue(valueText, codec: row.codec) {
        case .success(let parsed): value = parsed
        case .failure(let problem):
            throw .invalidOptionText(text, reason: "\(name) takes \(name.validValues): \(problem.message)")
        }
        let option = name.make(value)
        _ = try CheckedOption(option)
        self = option
    }

    struct ParseProblem: Error {
        let message: String
    }

    private static func parseValue(
        _ text: String,
        codec: OptionCodec
    ) -> Result<OptionCodec.SwiftValue, ParseProblem> {
        let lowered = text.lowercased()
        let isOff = ["off", "none", "nil"].contains(lowered)
        switch codec {
        case .bool:
            if ["on", "true", "yes", "1"].contains(lowered) { return .success(.bool(true)) }
            if ["off", "false", "no", "0"].contains(lowered) { return .success(.bool(false)) }
            return .failure(ParseProblem(message: "\"\(PrintableText.excerpt(text))\" is not on or off"))
        case .int:
            guard let value = Int(text) else { return .failure(numberProblem(text)) }
            return .success(.int(value))
        case .unsigned32:
            // Checked here, not later: the option's own type (UInt32) could not even hold the value.
            guard let value = Int(text) else { return .failure(numberProblem(text)) }
            guard UInt32(exactly: value) != nil else {
                return .failure(ParseProblem(message: "\(value) is outside 0...\(UInt32.max)"))
            }
            return .success(.int(value))
        case .duration(let unit, _, let offIsZero):
            if isOff && offIsZero { return .success(.duration(nil)) }
            return parseDuration(text, bareUnit: unit).map { .duration($0) }
        case .timeout, .linger:
            if isOff { return .success(.duration(nil)) }
            return parseDuration(text, bareUnit: codec.cLayout == .linger ? .seconds : nil).map { .duration($0) }
        case .text(let interfaceName):
            if interfaceName && (isOff || text.isEmpty) { return .success(.text(nil)) }
            return .success(.text(text))
        case .ipv4Address:
            guard let address = try? IPv4Address(text) else {
                return .failure(ParseProblem(message: "\"\(PrintableText.excerpt(text))\" is not an IPv4 address"))
            }
            return .success(.ipv4(address))
        case .optionalInt:
            if isOff { return .success(.optionalInt(nil)) }
            guard let value = Int(text) else { return .failure(numberProblem(text)) }
            return .success(.optionalInt(value))
        case .finWait2Timeout:
            if isOff { return .success(.duration(nil)) }
            return parseDuration(text, bareUnit: .seconds).map { .duration($0) }
        case .pathMTUDiscovery:
            guard let mode = PathMTUDiscovery.allCases.first(where: { "\($0)".hasPrefix(text + " ") }) else {
                return .failure(
                    ParseProblem(
                        message:
                            "\"\(PrintableText.excerpt(text))\" is none of \(PathMTUDiscovery.allCases.map { "\($0)" })"
                    )
                )
            }
            return .success(.pathMTUDiscovery(mode))
        case .action:
            return .success(.action)
        case .ipv4Membership, .ipv4SourceMembership, .ipv6Membership, .filter:
            return .failure(ParseProblem(message: "its value is a structure that has no text form; set it in code"))
        case .socketType, .family, .pendingError, .protocolNumber, .unsigned64, .peerCredentials, .ipv4SocketAddress:
            return .failure(ParseProblem(message: "the option is read only"))
        }
    }

    private static func parseDuration(_ text: String, bareUnit: DurationUnit?) -> Result<Duration, ParseProblem> {
        let units: [(String, DurationUnit)] = [
            ("ms", .milliseconds), ("us", .microseconds), ("µs", .microseconds), ("s", .seconds),
        ]
        for (suffix, unit) in units where text.hasSuffix(suffix) {
            guard let count = Int64(text.dropLast(suffix.count)) else {
                let number = String(text.dropLast(suffix.count))
                if isInteger(number) { return .failure(numberProblem(number)) }
                let parts = number.split(separator: ".", omittingEmptySubsequences: false)
                if parts.count == 2,
                    parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && isInteger(String($0)) })
                {
                    return .failure(
                        ParseProblem(
                            message:
                                "\"\(PrintableText.excerpt(text))\" has a fraction: a duration is a whole number of s, ms or us; "
                                + "write it in a finer unit (1.5s is 1500ms), or whole seconds for an option counted "
                                + "in seconds"
                        )
                    )
                }
                break
            }
            return .success(unit.duration(count))
        }
        if let bareUnit, let count = Int64(text) { return .success(bareUnit.duration(count)) }
        // Zero is zero in any unit: it gets the option's own word on what zero means.
        if let count = Int64(text), count == 0 { return .success(.zero) }
        if Int64(text) != nil {
            return .failure(
                ParseProblem(
                    message: "\"\(text)\" is not a duration without a unit: write \(text)s, \(text)ms or \(text)us"
                )
            )
        }
        if isInteger(text) { return .failure(numberProblem(text)) }
        return .failure(
            ParseProblem(message: "\"\(PrintableText.excerpt(text))\" is not a duration such as 5s, 250ms or 100us")
        )
    }

    /// A whole number that does not fit is too large (or too small), not "not a number".
    private static func numberProblem(_ text: String) -> ParseProblem {
        guard isInteger(text) else {
            return ParseProblem(message: "\"\(PrintableText.excerpt(text))\" is not a whole number")
        }
        let sign = text.hasPrefix("-") ? "small" : "large"
        return ParseProblem(message: "\"\(PrintableText.excerpt(text))\" is too \(sign) for any value it takes")
    }

    private static func isInteger(_ text: some StringProtocol) -> Bool {
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? Substring(text.dropFirst()) : Substring(text)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
