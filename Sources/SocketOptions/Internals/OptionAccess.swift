// SocketOptions: setsockopt and getsockopt on a descriptor, with the value checked and read back.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum OptionAccess {
    /// One setsockopt call with the value's own C layout and size.
    static func set(_ value: OptionValue, level: CInt, name: CInt, on fd: CInt) -> Result<Void, Errno> {
        let result: Result<CInt, Errno>
        switch value {
        case .int(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<CInt>.size)) }
        case .time(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<timeval>.size)) }
        case .linger(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<CLinger>.size)) }
        case .text(var raw):
            // The length is the name's own: the kernel copies that many bytes and ends them itself.
            let count = socklen_t(raw.count)
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw.bytes, count) }
        case .address(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, name, &raw, socklen_t(MemoryLayout<in_addr>.size)) }
        }
        return result.map { _ in () }
    }

    /// One getsockopt call into a zeroed buffer of the value's full size.
    static func get(_ layout: ValueKind.Layout, level: CInt, name: CInt, from fd: CInt) -> Result<OptionValue, Errno> {
        switch layout {
        case .int:
            var raw: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .int(raw) }
        case .time:
            var raw = timeval(tv_sec: 0, tv_usec: 0)
            var length = socklen_t(MemoryLayout<timeval>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .time(raw) }
        case .linger:
            var raw = CLinger(l_onoff: 0, l_linger: 0)
            var length = socklen_t(MemoryLayout<CLinger>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .linger(raw) }
        case .text:
            var raw = ShortText()
            var length = socklen_t(MemoryLayout.size(ofValue: raw.bytes))
            return valueOrErrno { system_getsockopt(fd, level, name, &raw.bytes, &length) }.map { _ in
                raw.count = min(Int(length), ShortText.capacity + 1)
                return .text(raw)
            }
        case .address:
            var raw = in_addr(s_addr: 0)
            var length = socklen_t(MemoryLayout<in_addr>.size)
            return valueOrErrno { system_getsockopt(fd, level, name, &raw, &length) }.map { _ in .address(raw) }
        }
    }

    /// One getsockopt of a C int: the shape of every read-only option, SO_ERROR and SO_TYPE among them.
    static func readInt(level: CInt, name: CInt, from fd: CInt) -> Result<CInt, Errno> {
        get(.int, level: level, name: name, from: fd).map { value in
            guard case .int(let raw) = value else { preconditionFailure("an int layout reads back an int") }
            return raw
        }
    }

    /// Reads an option, with the errno turned into the package's error.
    static func read(_ name: SocketOption.Name, from fd: CInt) throws(SocketError) -> SocketOption {
        try read(name, spec: name.spec, from: fd)
    }

    /// The same, with the option's description looked up once by the caller.
    static func read(_ name: SocketOption.Name, spec: OptionSpec, from fd: CInt) throws(SocketError) -> SocketOption {
        switch get(spec.kind.layout, level: spec.rawLevel, name: spec.rawName, from: fd) {
        case .success(let value): return SocketOption(name, payload: spec.kind.decode(value))
        case .failure(let errno): throw error(errno, name: name, operation: .getOption(name), fd: fd)
        }
    }

    /// Checks `option`, sets it, reads it back and reports what was kept.
    static func apply(_ option: SocketOption, on fd: CInt) throws(SocketError) -> AppliedOption {
        let spec = option.name.spec
        return try apply(option, spec: spec, encoded: try option.encoded(spec: spec), on: fd)
    }

    /// Sets an option whose value is already checked, reads it back and reports what was kept.
    /// A boolean that reads back different from the request throws: the kernel ignored it.
    static func apply(
        _ option: SocketOption,
        spec: OptionSpec,
        encoded value: OptionValue,
        on fd: CInt
    ) throws(SocketError) -> AppliedOption {
        let name = option.name
        if case .failure(let errno) = set(value, level: spec.rawLevel, name: spec.rawName, on: fd) {
            if errno == .invalidArgument, SocketKind.read(fd).map({ spec.appliesTo.allows($0) }) ?? true {
                throw .invalidValue(
                    option,
                    reason: "the kernel refused it (EINVAL): the value is out of its range, or the socket is past "
                        + "the point where this option can be set"
                )
            }
            throw error(errno, name: name, operation: .setOption(name), fd: fd)
        }
        let effective = try read(name, spec: spec, from: fd)
        if case .bool = spec.kind, effective != option {
            throw .optionNotKept(requested: option, effective: effective)
        }
        return AppliedOption(requested: option, effective: effective)
    }

    /// ENOPROTOOPT and EOPNOTSUPP mean the socket has no such option; so does EINVAL from an option
    /// that the socket's kind does not have (IP_MULTICAST_TTL on TCP). Said with the socket's kind.
    static func error(
        _ errno: Errno,
        name: SocketOption.Name,
        operation: SocketError.Operation,
        fd: CInt
    ) -> SocketError {
        switch errno {
        case .protocolNotAvailable, .notSupported, .invalidArgument:
            if let kind = SocketKind.read(fd) {
                if errno == .invalidArgument && name.spec.appliesTo.allows(kind) { return .system(operation, errno) }
                return .optionNotSupported(name, socket: kind)
            }
            return .system(operation, errno)
        default:
            return .system(operation, errno)
        }
    }
}
