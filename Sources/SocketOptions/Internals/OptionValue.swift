// SocketOptions: an option's value as the kernel takes it, checked before it gets there.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C value of an option: an int, a timeval or a linger. Lives on the stack; setting or reading
/// an option allocates nothing.
/// The C linger structure, named apart from the `SocketOption.linger` case.
typealias CLinger = linger

enum OptionValue {
    case int(CInt)
    case time(timeval)
    case linger(CLinger)

    enum Layout {
        case int, time, linger
    }
}

/// The kernel's ranges, written once so that the checks and the error messages agree.
enum OptionLimits {
    static let bufferBytes = 1...Int(CInt.max)
    static let lingerSeconds = Int64(0)...Int64(CInt.max)
    /// Linux's MAX_TCP_KEEPIDLE and MAX_TCP_KEEPINTVL.
    static let keepAliveSeconds = Int64(1)...Int64(32767)
    /// Linux's MAX_TCP_KEEPCNT.
    static let keepAliveCount = 1...127
    static let smallestTimeout = Duration.microseconds(1)
}

extension SocketOption.Name {
    var layout: OptionValue.Layout {
        switch self {
        case .linger: .linger
        case .receiveTimeout, .sendTimeout: .time
        default: .int
        }
    }

    /// The typed option for a value read back from the kernel.
    func decode(_ value: OptionValue) -> SocketOption {
        switch (self, value) {
        case (.reuseAddress, .int(let raw)): .reuseAddress(raw != 0)
        // BSDs read a boolean back as the flag bit itself (0x200 for SO_REUSEPORT): compare with 0.
        case (.reusePort, .int(let raw)): .reusePort(raw != 0)
        case (.keepAlive, .int(let raw)): .keepAlive(raw != 0)
        case (.noDelay, .int(let raw)): .noDelay(raw != 0)
        case (.ipv6Only, .int(let raw)): .ipv6Only(raw != 0)
        case (.receiveBufferSize, .int(let raw)): .receiveBufferSize(Int(raw))
        case (.sendBufferSize, .int(let raw)): .sendBufferSize(Int(raw))
        case (.keepAliveIdle, .int(let raw)): .keepAliveIdle(.seconds(raw))
        case (.keepAliveInterval, .int(let raw)): .keepAliveInterval(.seconds(raw))
        case (.keepAliveCount, .int(let raw)): .keepAliveCount(Int(raw))
        // Linux keeps the old time when linger is turned off ({0, 5}): off is off.
        case (.linger, .linger(let raw)): .linger(raw.l_onoff == 0 ? nil : .seconds(raw.l_linger))
        case (.receiveTimeout, .time(let raw)): .receiveTimeout(Self.duration(raw))
        case (.sendTimeout, .time(let raw)): .sendTimeout(Self.duration(raw))
        default: preconditionFailure("\(self) read back with the wrong layout")
        }
    }

    /// {0, 0} is how the kernel says "no timeout".
    private static func duration(_ time: timeval) -> Duration? {
        if time.tv_sec == 0 && time.tv_usec == 0 { return nil }
        return .seconds(Int64(time.tv_sec)) + .microseconds(Int64(time.tv_usec))
    }
}

extension SocketOption {
    /// Checks the value against what the kernel keeps faithfully and encodes it. Nothing here
    /// touches the system.
    func encoded() throws(SocketError) -> OptionValue {
        switch self {
        case .reuseAddress(let on), .reusePort(let on), .keepAlive(let on), .noDelay(let on), .ipv6Only(let on):
            return .int(on ? 1 : 0)
        case .receiveBufferSize(let bytes), .sendBufferSize(let bytes):
            guard OptionLimits.bufferBytes.contains(bytes) else {
                throw .invalidValue(
                    self,
                    reason: "a buffer size must be 1...\(OptionLimits.bufferBytes.upperBound) bytes; "
                        + "the kernel would take a negative size as its maximum without a word"
                )
            }
            return .int(CInt(bytes))
        case .keepAliveCount(let count):
            guard OptionLimits.keepAliveCount.contains(count) else {
                throw .invalidValue(self, reason: "the keepalive probe count must be 1...127")
            }
            return .int(CInt(count))
        case .keepAliveIdle(let time), .keepAliveInterval(let time):
            let seconds = try wholeSeconds(time, in: OptionLimits.keepAliveSeconds, unit: "keepalive time")
            return .int(CInt(seconds))
        case .linger(nil):
            return .linger(CLinger(l_onoff: 0, l_linger: 0))
        case .linger(let time?):
            let seconds = try wholeSeconds(time, in: OptionLimits.lingerSeconds, unit: "linger time")
            return .linger(CLinger(l_onoff: 1, l_linger: CInt(seconds)))
        case .receiveTimeout(nil), .sendTimeout(nil):
            return .time(timeval(tv_sec: 0, tv_usec: 0))
        case .receiveTimeout(let time?), .sendTimeout(let time?):
            return .time(try timeout(time))
        }
    }

    private func wholeSeconds(
        _ time: Duration,
        in range: ClosedRange<Int64>,
        unit: String
    ) throws(SocketError) -> Int64 {
        let (seconds, attoseconds) = time.components
        guard attoseconds == 0 else {
            throw .invalidValue(
                self,
                reason: "the kernel keeps the \(unit) in whole seconds; give a whole number of seconds "
                    + "in \(range.lowerBound)...\(range.upperBound)"
            )
        }
        guard range.contains(seconds) else {
            throw .invalidValue(self, reason: "the \(unit) must be \(range.lowerBound)...\(range.upperBound) seconds")
        }
        return seconds
    }

    private func timeout(_ time: Duration) throws(SocketError) -> timeval {
        if time < .zero {
            throw .invalidValue(self, reason: "a timeout cannot be negative; Linux would take it as no timeout at all")
        }
        if time == .zero {
            throw .invalidValue(
                self,
                reason: "a zero timeout means \"never time out\" to the kernel; say that with nil"
            )
        }
        if time < OptionLimits.smallestTimeout {
            throw .invalidValue(
                self,
                reason: "a timeout shorter than 1 µs would reach the kernel as 0, which means never time out; "
                    + "give at least .microseconds(1)"
            )
        }
        let (seconds, attoseconds) = time.components
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
            throw .invalidValue(self, reason: "the timeout does not fit the platform's time_t")
        }
        return timeval(tv_sec: tvSeconds, tv_usec: .init(microseconds))
    }
}
