// SocketOptions: the address family, of an address and of a socket.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The address family of an address (``SocketAddress/family``) or of a socket (``SocketKind/family``,
/// ``ReadOnlySocketOption/domain(_:)``).
///
/// An address is always IPv4, IPv6 or Unix-domain; ``other(_:)`` appears only for a socket that
/// some other code made in another family, such as `AF_NETLINK` (16 on Linux), read from the
/// kernel. The corresponding C constants are `AF_INET`, `AF_INET6` and `AF_UNIX`.
public enum SocketFamily: Hashable, Sendable, CustomStringConvertible {
    /// IPv4 (`AF_INET`).
    case ipv4
    /// IPv6 (`AF_INET6`).
    case ipv6
    /// Unix domain (`AF_UNIX`).
    case unix
    /// Any other family, by its number (`AF_*`).
    ///
    /// The library makes it only for a number that is not `AF_INET`, `AF_INET6` or `AF_UNIX`.
    /// Families compare by their number, so `.other(AF_INET)` made by hand equals ``ipv4`` and
    /// hashes like it; a `switch` still matches it as `.other`, so name the known families by
    /// their cases.
    case other(Int32)

    /// Compares the C numbers, so that a known family written as `.other(n)` is that family.
    public static func == (left: SocketFamily, right: SocketFamily) -> Bool {
        left.raw == right.raw
    }

    /// Hashes the C number, as `==` compares it.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(raw)
    }

    /// `"IPv4"`, `"IPv6"`, `"Unix-domain"`, or `"family 16"`.
    public var description: String {
        switch SocketFamily(raw: raw) {
        case .ipv4: "IPv4"
        case .ipv6: "IPv6"
        case .unix: "Unix-domain"
        case .other(let number): "family \(number)"
        }
    }

    /// The family of the C constant `raw` (`AF_INET`, ...).
    init(raw: CInt) {
        switch raw {
        case AF_INET: self = .ipv4
        case AF_INET6: self = .ipv6
        case AF_UNIX: self = .unix
        default: self = .other(raw)
        }
    }

    /// The C constant: `AF_INET`, `AF_INET6`, `AF_UNIX`, or the number of another family.
    var raw: CInt {
        switch self {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        case .unix: AF_UNIX
        case .other(let number): number
        }
    }
}
