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
    static func set(_ value: OptionValue, _ name: SocketOption.Name, on fd: CInt) -> Result<Void, Errno> {
        let level = name.rawLevel
        let option = name.rawName
        let result: Result<CInt, Errno>
        switch value {
        case .int(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, option, &raw, socklen_t(MemoryLayout<CInt>.size)) }
        case .time(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, option, &raw, socklen_t(MemoryLayout<timeval>.size)) }
        case .linger(var raw):
            result = valueOrErrno { system_setsockopt(fd, level, option, &raw, socklen_t(MemoryLayout<CLinger>.size)) }
        }
        return result.map { _ in () }
    }

    /// One getsockopt call into a zeroed buffer of the value's full size.
    static func get(_ name: SocketOption.Name, from fd: CInt) -> Result<SocketOption, Errno> {
        let level = name.rawLevel
        let option = name.rawName
        switch name.layout {
        case .int:
            var raw: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            return valueOrErrno { system_getsockopt(fd, level, option, &raw, &length) }.map { _ in
                name.decode(.int(raw))
            }
        case .time:
            var raw = timeval(tv_sec: 0, tv_usec: 0)
            var length = socklen_t(MemoryLayout<timeval>.size)
            return valueOrErrno { system_getsockopt(fd, level, option, &raw, &length) }.map { _ in
                name.decode(.time(raw))
            }
        case .linger:
            var raw = CLinger(l_onoff: 0, l_linger: 0)
            var length = socklen_t(MemoryLayout<CLinger>.size)
            return valueOrErrno { system_getsockopt(fd, level, option, &raw, &length) }.map { _ in
                name.decode(.linger(raw))
            }
        }
    }

    /// Reads an option, with the errno turned into the package's error.
    static func read(_ name: SocketOption.Name, from fd: CInt) throws(SocketError) -> SocketOption {
        switch get(name, from: fd) {
        case .success(let option): return option
        case .failure(let errno): throw error(errno, operation: .getOption(name))
        }
    }

    /// Sets an option whose value is already checked, reads it back and reports what was kept.
    /// A boolean that reads back different from the request throws: the kernel ignored it.
    static func apply(
        _ option: SocketOption,
        encoded value: OptionValue,
        on fd: CInt
    ) throws(SocketError) -> AppliedOption {
        if case .failure(let errno) = set(value, option.name, on: fd) {
            if errno == .invalidArgument {
                throw .invalidValue(
                    option,
                    reason: "the kernel refused it (EINVAL): the value is out of its range, or the socket is past "
                        + "the point where this option can be set"
                )
            }
            throw error(errno, operation: .setOption(option.name))
        }
        let effective = try read(option.name, from: fd)
        if option.name.isBoolean && effective != option {
            throw .optionNotKept(requested: option, effective: effective)
        }
        return AppliedOption(requested: option, effective: effective)
    }

    private static func error(_ errno: Errno, operation: SocketError.Operation) -> SocketError {
        switch (errno, operation) {
        case (.protocolNotAvailable, .setOption(let name)), (.protocolNotAvailable, .getOption(let name)),
            (.notSupported, .setOption(let name)), (.notSupported, .getOption(let name)):
            .optionNotSupported(name)
        default:
            .system(operation, errno)
        }
    }
}
