// SocketOptions: an option's value without its case, so that checking, encoding, decoding and
// printing are written once per kind of value instead of once per option.

enum OptionPayload: Hashable, Sendable {
    case bool(Bool)
    case int(Int)
    case duration(Duration?)
    case text(String?)
    case ipv4(IPv4Address)

    var bool: Bool {
        guard case .bool(let value) = self else { preconditionFailure("\(self) is not a boolean") }
        return value
    }

    var int: Int {
        guard case .int(let value) = self else { preconditionFailure("\(self) is not an integer") }
        return value
    }

    var duration: Duration? {
        guard case .duration(let value) = self else { preconditionFailure("\(self) is not a duration") }
        return value
    }

    var text: String? {
        guard case .text(let value) = self else { preconditionFailure("\(self) is not text") }
        return value
    }

    var ipv4: IPv4Address {
        guard case .ipv4(let value) = self else { preconditionFailure("\(self) is not an IPv4 address") }
        return value
    }
}

extension SocketOption {
    var payload: OptionPayload {
        switch self {
        case .reuseAddress(let on), .reusePort(let on), .keepAlive(let on), .broadcast(let on),
            .outOfBandInline(let on), .timestamps(let on), .noDelay(let on), .cork(let on),
            .ipv4MulticastLoop(let on), .ipv6Only(let on), .ipv6MulticastLoop(let on):
            return .bool(on)
        case .receiveBufferSize(let value), .sendBufferSize(let value), .receiveLowWatermark(let value),
            .maxSegment(let value), .keepAliveCount(let value), .notSentLowWatermark(let value),
            .timeToLive(let value), .typeOfService(let value), .ipv4MulticastTimeToLive(let value),
            .ipv6UnicastHops(let value), .ipv6TrafficClass(let value), .ipv6MulticastHops(let value),
            .ipv6MulticastInterface(let value):
            return .int(value)
        case .linger(let time), .receiveTimeout(let time), .sendTimeout(let time):
            return .duration(time)
        case .keepAliveIdle(let time), .keepAliveInterval(let time):
            return .duration(time)
        case .ipv4MulticastInterface(let address):
            return .ipv4(address)
        #if canImport(Darwin)
        case .sendLowWatermark(let value):
            return .int(value)
        #endif
        #if os(Linux)
        case .zeroCopy(let on), .passCredentials(let on), .quickAck(let on), .ipv4FreeBind(let on),
            .transparent(let on), .bindAddressNoPort(let on), .ipv6FreeBind(let on):
            return .bool(on)
        case .priority(let value), .incomingCPU(let value), .fastOpen(let value), .windowClamp(let value):
            return .int(value)
        case .mark(let value):
            return .int(Int(value))
        case .busyPoll(let time), .userTimeout(let time), .deferAccept(let time):
            return .duration(time)
        case .bindToDevice(let name):
            return .text(name)
        case .congestionControl(let name):
            return .text(name)
        #endif
        }
    }

    /// The option `name` with a value of the matching kind.
    init(_ name: Name, payload: OptionPayload) {
        switch name {
        case .reuseAddress: self = .reuseAddress(payload.bool)
        case .reusePort: self = .reusePort(payload.bool)
        case .keepAlive: self = .keepAlive(payload.bool)
        case .broadcast: self = .broadcast(payload.bool)
        case .outOfBandInline: self = .outOfBandInline(payload.bool)
        case .receiveBufferSize: self = .receiveBufferSize(payload.int)
        case .sendBufferSize: self = .sendBufferSize(payload.int)
        case .receiveLowWatermark: self = .receiveLowWatermark(payload.int)
        #if canImport(Darwin)
        case .sendLowWatermark: self = .sendLowWatermark(payload.int)
        #endif
        case .linger: self = .linger(payload.duration)
        case .receiveTimeout: self = .receiveTimeout(payload.duration)
        case .sendTimeout: self = .sendTimeout(payload.duration)
        case .timestamps: self = .timestamps(payload.bool)
        #if os(Linux)
        case .bindToDevice: self = .bindToDevice(payload.text)
        // A payload out of UInt32 never gets here: option text refuses it, and the kernel's C int is
        // read back as its UInt32 bit pattern. Clamping, not wrapping, if it ever did.
        case .mark: self = .mark(UInt32(clamping: payload.int))
        case .priority: self = .priority(payload.int)
        case .busyPoll: self = .busyPoll(payload.duration)
        case .incomingCPU: self = .incomingCPU(payload.int)
        case .zeroCopy: self = .zeroCopy(payload.bool)
        case .passCredentials: self = .passCredentials(payload.bool)
        #endif
        case .noDelay: self = .noDelay(payload.bool)
        case .maxSegment: self = .maxSegment(payload.int)
        case .keepAliveIdle: self = .keepAliveIdle(payload.duration ?? .zero)
        case .keepAliveInterval: self = .keepAliveInterval(payload.duration ?? .zero)
        case .keepAliveCount: self = .keepAliveCount(payload.int)
        case .notSentLowWatermark: self = .notSentLowWatermark(payload.int)
        case .cork: self = .cork(payload.bool)
        #if os(Linux)
        case .userTimeout: self = .userTimeout(payload.duration)
        case .fastOpen: self = .fastOpen(payload.int)
        case .deferAccept: self = .deferAccept(payload.duration)
        case .quickAck: self = .quickAck(payload.bool)
        case .congestionControl: self = .congestionControl(payload.text ?? "")
        case .windowClamp: self = .windowClamp(payload.int)
        #endif
        case .timeToLive: self = .timeToLive(payload.int)
        case .typeOfService: self = .typeOfService(payload.int)
        case .ipv4MulticastTimeToLive: self = .ipv4MulticastTimeToLive(payload.int)
        case .ipv4MulticastLoop: self = .ipv4MulticastLoop(payload.bool)
        case .ipv4MulticastInterface: self = .ipv4MulticastInterface(payload.ipv4)
        #if os(Linux)
        case .ipv4FreeBind: self = .ipv4FreeBind(payload.bool)
        case .transparent: self = .transparent(payload.bool)
        case .bindAddressNoPort: self = .bindAddressNoPort(payload.bool)
        #endif
        case .ipv6Only: self = .ipv6Only(payload.bool)
        case .ipv6UnicastHops: self = .ipv6UnicastHops(payload.int)
        case .ipv6TrafficClass: self = .ipv6TrafficClass(payload.int)
        case .ipv6MulticastHops: self = .ipv6MulticastHops(payload.int)
        case .ipv6MulticastLoop: self = .ipv6MulticastLoop(payload.bool)
        case .ipv6MulticastInterface: self = .ipv6MulticastInterface(payload.int)
        #if os(Linux)
        case .ipv6FreeBind: self = .ipv6FreeBind(payload.bool)
        #endif
        }
    }
}
