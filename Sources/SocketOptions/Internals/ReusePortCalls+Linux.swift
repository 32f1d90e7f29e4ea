// SocketOptions: the setsockopt calls that attach and detach the steering program of a
// SO_REUSEPORT group, and the read of net.ipv4.tcp_migrate_req.

#if os(Linux)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum ReusePortCalls {
    /// `SO_ATTACH_REUSEPORT_CBPF`, Linux 4.5+. Glibc's headers do not define it: the value is
    /// linux/asm-generic/socket.h's, which x86, arm and arm64 use (alpha, mips, parisc and sparc
    /// number their socket options differently and are not supported here).
    static let attachClassicProgram: CInt = 51
    /// `SO_DETACH_REUSEPORT_BPF`, Linux 5.3+, from the same header.
    static let detachProgram: CInt = 68

    /// One setsockopt(SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF) with `program`, which the caller checked:
    /// the same `struct sock_fprog` as SO_ATTACH_FILTER takes, so the same call.
    static func attach(_ program: SocketFilter, to fd: CInt) -> Result<Void, Errno> {
        OptionCalls.setFilter(program, level: SOL_SOCKET, name: attachClassicProgram, on: fd)
    }

    /// One setsockopt(SOL_SOCKET, SO_DETACH_REUSEPORT_BPF); the kernel ignores the value, a C int 0.
    static func detach(from fd: CInt) -> Result<Void, Errno> {
        OptionCalls.set(.int(0), level: SOL_SOCKET, name: detachProgram, on: fd)
    }

    /// The text of /proc/sys/net/ipv4/tcp_migrate_req (Linux 5.14+), nil when it cannot be read.
    /// /proc/sys/net shows the network namespace of the calling thread.
    static func migrationSetting() -> String? {
        let bytes = ProcessTables.contents("/proc/sys/net/ipv4/tcp_migrate_req", limit: 64)
        guard !bytes.isEmpty else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
#endif
