// SocketOptions: the getaddrinfo call behind SocketAddress.resolve, and its EAI_* codes.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum HostResolution {
    /// Every IPv4 and IPv6 address of `host` with `port`, in getaddrinfo's order, each once.
    /// The list getaddrinfo allocates is freed on every path that has one.
    static func lookup(_ host: String, port: UInt16) -> Result<[SocketAddress], ResolutionFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        // One entry per address rather than one per socket type; the addresses are the same.
        hints.ai_socktype = platformStreamType
        // The port is a number: no services database, and no EAI_SERVICE for a name.
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let code = system_getaddrinfo(host, String(port), &hints, &list)
        guard code == 0 else { return .failure(failure(code: code, errno: currentErrno())) }
        guard let list else { return .failure(.noName) }
        defer { system_freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            if let address = address(of: current.pointee), !addresses.contains(address) {
                addresses.append(address)
            }
            entry = current.pointee.ai_next
        }
        // getaddrinfo succeeds only with at least one address; an empty list would be a name
        // without an IP address, which is what EAI_NONAME says.
        return addresses.isEmpty ? .failure(.noName) : .success(addresses)
    }

    /// The IPv4 or IPv6 address of one entry; nil for any other family.
    private static func address(of entry: addrinfo) -> SocketAddress? {
        guard let raw = entry.ai_addr, entry.ai_family == AF_INET || entry.ai_family == AF_INET6 else { return nil }
        var storage = sockaddr_storage()
        let length = min(Int(entry.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: length)) }
        return SocketAddress(storage: storage, length: socklen_t(length))
    }

    /// The failure an EAI_* code names; `errno` is read only for EAI_SYSTEM.
    static func failure(code: CInt, errno: Errno) -> ResolutionFailure {
        switch code {
        case EAI_NONAME: .noName
        case EAI_AGAIN: .temporaryFailure
        case EAI_FAIL: .permanentFailure
        case EAI_SERVICE: .serviceNotSupported
        case EAI_FAMILY: .familyNotSupported
        case EAI_MEMORY: .outOfMemory
        case EAI_SYSTEM: .system(errno)
        case EAI_BADFLAGS: .other(code: code, cName: "EAI_BADFLAGS")
        case EAI_SOCKTYPE: .other(code: code, cName: "EAI_SOCKTYPE")
        case EAI_OVERFLOW: .other(code: code, cName: "EAI_OVERFLOW")
        default: extendedFailure(code: code)
        }
    }

    /// Codes only some C libraries have. Glibc's EAI_NODATA and EAI_ADDRFAMILY are GNU extensions
    /// that Swift's Glibc module does not import: their values are those of glibc's netdb.h.
    private static func extendedFailure(code: CInt) -> ResolutionFailure {
        #if canImport(Glibc)
        switch code {
        case -5: return .noAddress  // EAI_NODATA
        case -9: return .other(code: code, cName: "EAI_ADDRFAMILY")
        default: break
        }
        #endif
        return .other(code: code, cName: "EAI_\(code)")
    }
}
