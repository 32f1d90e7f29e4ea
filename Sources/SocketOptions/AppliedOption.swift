// SocketOptions: what was asked of the kernel, and what it kept.

/// An option as it was requested and as the kernel reads it back after setting it.
///
/// Linux keeps twice a requested buffer size and rounds timeouts up to its clock tick; such an
/// adjustment is reported here rather than thrown. A boolean option that reads back different
/// from the request is thrown as ``SocketError/optionNotKept(requested:effective:)`` instead.
public struct AppliedOption: Hashable, Sendable, CustomStringConvertible {
    /// The option as given.
    public let requested: SocketOption
    /// The option as `getsockopt` read it back straight after `setsockopt`.
    public let effective: SocketOption

    /// A record of a requested and an effective value of one option; made only by the package,
    /// which reads the effective value back for the same option.
    init(requested: SocketOption, effective: SocketOption) {
        self.requested = requested
        self.effective = effective
    }

    /// Which option this is.
    public var name: SocketOption.Name { requested.name }

    /// Whether the kernel kept something other than what was requested.
    public var wasAdjusted: Bool { requested != effective }

    /// Why the kernel keeps a different value for this option, when it is known to; `nil` when it
    /// keeps the value as given.
    public var adjustment: String? {
        guard wasAdjusted else { return nil }
        switch name {
        case .receiveBufferSize:
            return "Linux keeps twice the request, at least its minimum, at most twice net.core.rmem_max"
        case .sendBufferSize:
            return "Linux keeps twice the request, at least its minimum, at most twice net.core.wmem_max"
        case .receiveTimeout, .sendTimeout:
            return "the kernel rounds timeouts up to its clock tick"
        default:
            return name.platformNotes.isEmpty ? "the kernel kept another value" : name.platformNotes
        }
    }

    /// The record as a JSON object, for tools: `{"name": "receiveBufferSize", "cName": "SO_RCVBUF",
    /// "requested": 65536, "kept": 131072, "adjusted": true, "text": "..."}`, values typed as in
    /// ``SocketSnapshot/json``.
    public var json: String {
        "{\"name\": \(JSON.string(name.rawValue)), \"cName\": \(JSON.string(name.cName)), "
            + "\"requested\": \(JSON.value(requested.payload)), \"kept\": \(JSON.value(effective.payload)), "
            + "\"adjusted\": \(wasAdjusted), \"text\": \(JSON.string(description))}"
    }

    /// `"SO_RCVBUF: requested 65536 bytes, kernel kept 131072 bytes"`.
    public var description: String {
        let kept = wasAdjusted ? "kernel kept \(effective.valueDescription)" : "kept as requested"
        return "\(name.cName): requested \(requested.valueDescription), \(kept)"
    }
}
