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

    /// `struct sock_fprog` (linux/filter.h, not in Glibc's module): the count of instructions, then
    /// a pointer to them; ``SocketFilter/Instruction`` has the layout of `struct sock_filter`.
    private struct CProgram {
        var length: UInt16
        var instructions: UnsafePointer<SocketFilter.Instruction>?
    }

    /// One setsockopt(SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF) with `program`, which the caller checked.
    static func attach(_ program: SocketFilter, to fd: CInt) -> Result<Void, Errno> {
        program.instructions.withUnsafeBufferPointer { instructions in
            var raw = CProgram(length: UInt16(instructions.count), instructions: instructions.baseAddress)
            return valueOrErrno {
                system_setsockopt(fd, SOL_SOCKET, attachClassicProgram, &raw, socklen_t(MemoryLayout<CProgram>.size))
            }
            .map { _ in () }
        }
    }

    /// One setsockopt(SOL_SOCKET, SO_DETACH_REUSEPORT_BPF); the kernel ignores the value, a C int 0.
    static func detach(from fd: CInt) -> Result<Void, Errno> {
        var zero: CInt = 0
        return valueOrErrno {
            system_setsockopt(fd, SOL_SOCKET, detachProgram, &zero, socklen_t(MemoryLayout<CInt>.size))
        }
        .map { _ in () }
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
