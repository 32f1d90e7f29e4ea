// SocketOptions: reading the read-only options.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ReadOnlySocketOption {
    static func read(_ name: Name, from fd: CInt) throws(SocketError) -> ReadOnlySocketOption {
        let option: CInt
        switch name {
        case .type: option = SO_TYPE
        case .acceptingConnections: option = SO_ACCEPTCONN
        case .pendingError: option = SO_ERROR
        #if os(Linux)
        case .domain: option = SO_DOMAIN
        case .transportProtocol: option = SO_PROTOCOL
        #endif
        }
        let value: CInt
        switch OptionAccess.readInt(level: SOL_SOCKET, name: option, from: fd) {
        case .success(let raw): value = raw
        case .failure(let errno): throw .system(.getReadOnlyOption(name), errno)
        }
        switch name {
        case .type: return .type(SocketKind.SocketType(raw: value))
        case .acceptingConnections: return .acceptingConnections(value != 0)
        case .pendingError: return .pendingError(value == 0 ? nil : Errno(rawValue: value))
        #if os(Linux)
        case .domain: return .domain(SocketFamily(raw: value))
        case .transportProtocol: return .transportProtocol(value)
        #endif
        }
    }
}
