// SocketOptions: why a host name did not resolve, named by its EAI_* code, with what to do.

/// Why ``SocketAddress/resolve(host:port:)`` found no address: text refused before any call, or
/// the `EAI_*` code that `getaddrinfo` returned, each with advice a person can act on.
///
/// The corresponding C function is `getaddrinfo`; its codes are listed in getaddrinfo(3).
public enum ResolutionFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The host text cannot be a host name or an IP address; `reason` says why. Refused before
    /// any call.
    case invalidHost(String, reason: String)

    /// The port text is not a decimal port 0...65535 (service names such as `http` are not looked
    /// up); `reason` says what is wrong. Refused before any call.
    case invalidPort(String, reason: String)

    /// The name is not known: no entry in /etc/hosts, and DNS answered that it does not exist
    /// (NXDOMAIN). The corresponding C code is `EAI_NONAME`.
    case noName

    /// The name exists but has no address (DNS answered with no A or AAAA record). Linux only
    /// (a GNU extension). The corresponding C code is `EAI_NODATA`.
    case noAddress

    /// A temporary failure: no DNS server answered within the resolver's timeout, or the server
    /// said to try later. The corresponding C code is `EAI_AGAIN`.
    case temporaryFailure

    /// A DNS server answered with a permanent error other than "no such name" (SERVFAIL,
    /// REFUSED). The corresponding C code is `EAI_FAIL`.
    case permanentFailure

    /// The port is not valid for the socket type. The corresponding C code is `EAI_SERVICE`.
    case serviceNotSupported

    /// The address family is not supported. The corresponding C code is `EAI_FAMILY`.
    case familyNotSupported

    /// The resolver ran out of memory. The corresponding C code is `EAI_MEMORY`.
    case outOfMemory

    /// A system error, with its errno (reading /etc/hosts or /etc/resolv.conf, opening the DNS
    /// socket). The corresponding C code is `EAI_SYSTEM`.
    case system(Errno)

    /// Any other code, by its number and C name (`EAI_BADFLAGS`, `EAI_SOCKTYPE`, `EAI_OVERFLOW`:
    /// codes the package's own call never provokes).
    case other(code: Int32, cName: String)

    /// The C name of the code, such as `"EAI_NONAME"`; nil for text refused before any call.
    public var cName: String? {
        switch self {
        case .invalidHost, .invalidPort: nil
        case .noName: "EAI_NONAME"
        case .noAddress: "EAI_NODATA"
        case .temporaryFailure: "EAI_AGAIN"
        case .permanentFailure: "EAI_FAIL"
        case .serviceNotSupported: "EAI_SERVICE"
        case .familyNotSupported: "EAI_FAMILY"
        case .outOfMemory: "EAI_MEMORY"
        case .system: "EAI_SYSTEM"
        case .other(_, let cName): cName
        }
    }

    /// What went wrong and what to do, without the host (``SocketError`` adds it).
    public var description: String {
        switch self {
        case .invalidHost(let host, let reason):
            return "the host \"\(PrintableText.quoted(host))\" is refused before any lookup: \(reason)"
        case .invalidPort(_, let reason):
            // The reason names the port already.
            return "\(reason) (service names such as http are not looked up; nothing was looked up)"
        case .noName:
            return "EAI_NONAME (name not known): neither /etc/hosts nor DNS knows it. Check the spelling, "
                + "or add the name to /etc/hosts or to DNS; `getent ahosts NAME` asks the same way"
        case .noAddress:
            return "EAI_NODATA (the name has no address): DNS knows the name but has no A or AAAA record "
                + "for it. Add an address record, or use a name that has one"
        case .temporaryFailure:
            return "EAI_AGAIN (temporary failure): no DNS server answered in time, or one said to try "
                + "later. Check the network and the nameserver lines of /etc/resolv.conf, then try again; "
                + "the wait is bounded by its `options timeout:N attempts:N`"
        case .permanentFailure:
            return "EAI_FAIL (the DNS server failed): a server refused or could not answer (SERVFAIL, "
                + "REFUSED). Check the nameserver lines of /etc/resolv.conf, or use an IP address"
        case .serviceNotSupported:
            return "EAI_SERVICE (port not valid for the socket type): give a decimal port 0...65535"
        case .familyNotSupported:
            return "EAI_FAMILY (address family not supported): this system resolves neither IPv4 nor "
                + "IPv6 for it; use an IP address"
        case .outOfMemory:
            return "EAI_MEMORY (out of memory): free memory, or raise the process's limit, and try again"
        case .system(let errno):
            return "EAI_SYSTEM (system error \(errno)): the resolver could not read its files or open "
                + "its socket. Check that /etc/hosts, /etc/nsswitch.conf and /etc/resolv.conf are "
                + "readable, and the descriptor limit (`ulimit -n`)"
        case .other(let code, let cName):
            return "\(cName) (getaddrinfo code \(code)): see getaddrinfo(3)"
        }
    }
}
