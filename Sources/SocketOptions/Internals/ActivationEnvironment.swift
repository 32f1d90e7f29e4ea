// SocketOptions: the process environment that socket activation reads.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum ActivationEnvironment {
    static func current() -> (pid: String?, fds: String?, names: String?, ownPID: Int32) {
        func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        return (variable("LISTEN_PID"), variable("LISTEN_FDS"), variable("LISTEN_FDNAMES"), getpid())
    }

    static func unset() {
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
    }
}
