// SocketOptions: the one place that calls the C library's socket functions.
//
// Every system call the package makes goes through a `system_<call>` wrapper in this file, so that
// the rest of the package is plain Swift and so that, in debug builds on Linux, a test can record
// the calls and make any of them fail (see SyscallRecorder.swift). In release builds each wrapper
// is the bare C call.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always)
func system_socket(_ domain: CInt, _ type: CInt, _ protocol: CInt) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.socket, descriptor: -1) { socket(domain, type, `protocol`) }
    }
    #endif
    return socket(domain, type, `protocol`)
}

@inline(__always)
func system_setsockopt(
    _ fd: CInt,
    _ level: CInt,
    _ name: CInt,
    _ value: UnsafeRawPointer,
    _ length: socklen_t
) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.setsockopt, descriptor: fd, level: level, name: name) {
            setsockopt(fd, level, name, value, length)
        }
    }
    #endif
    return setsockopt(fd, level, name, value, length)
}

@inline(__always)
func system_getsockopt(
    _ fd: CInt,
    _ level: CInt,
    _ name: CInt,
    _ value: UnsafeMutableRawPointer,
    _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        let result = recorder.perform(.getsockopt, descriptor: fd, level: level, name: name) {
            getsockopt(fd, level, name, value, length)
        }
        if result == 0 { recorder.overrideReadback(level: level, name: name, into: value) }
        return result
    }
    #endif
    return getsockopt(fd, level, name, value, length)
}

@inline(__always)
func system_bind(_ fd: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.bind, descriptor: fd) { bind(fd, address, length) }
    }
    #endif
    return bind(fd, address, length)
}

@inline(__always)
func system_listen(_ fd: CInt, _ backlog: CInt) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.listen, descriptor: fd) { listen(fd, backlog) }
    }
    #endif
    return listen(fd, backlog)
}

@inline(__always)
func system_connect(_ fd: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.connect, descriptor: fd) { connect(fd, address, length) }
    }
    #endif
    return connect(fd, address, length)
}

@inline(__always)
func system_getsockname(
    _ fd: CInt,
    _ address: UnsafeMutablePointer<sockaddr>,
    _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.getsockname, descriptor: fd) { getsockname(fd, address, length) }
    }
    #endif
    return getsockname(fd, address, length)
}

@inline(__always)
func system_getpeername(
    _ fd: CInt,
    _ address: UnsafeMutablePointer<sockaddr>,
    _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.getpeername, descriptor: fd) { getpeername(fd, address, length) }
    }
    #endif
    return getpeername(fd, address, length)
}

/// accept, with the new descriptor close-on-exec (accept4 on Linux; see Platform+*.swift).
@inline(__always)
func system_accept(
    _ fd: CInt,
    _ address: UnsafeMutablePointer<sockaddr>,
    _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.accept, descriptor: fd) { platformAcceptCloseOnExec(fd, address, length) }
    }
    #endif
    return platformAcceptCloseOnExec(fd, address, length)
}

@inline(__always)
func system_poll(_ fds: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ timeout: CInt) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.poll, descriptor: fds.pointee.fd) { poll(fds, count, timeout) }
    }
    #endif
    return poll(fds, count, timeout)
}

@inline(__always)
func system_send(_ fd: CInt, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: CInt) -> Int {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.send, descriptor: fd) { send(fd, bytes, count, flags) }
    }
    #endif
    return send(fd, bytes, count, flags)
}

@inline(__always)
func system_recv(_ fd: CInt, _ bytes: UnsafeMutableRawPointer?, _ count: Int, _ flags: CInt) -> Int {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.recv, descriptor: fd) { recv(fd, bytes, count, flags) }
    }
    #endif
    return recv(fd, bytes, count, flags)
}

@inline(__always)
func system_close(_ fd: CInt) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.close, descriptor: fd) { close(fd) }
    }
    #endif
    return close(fd)
}

/// The errno of the call that just failed. Read it at once: any other call may overwrite it.
@inline(__always)
func currentErrno() -> Errno { Errno(rawValue: errno) }

/// Runs a system call that returns -1 and sets errno on failure, retrying while it was interrupted
/// by a signal when `retryOnInterrupt` is set (never for close: the descriptor is already gone).
@inline(__always)
func valueOrErrno<Value: FixedWidthInteger>(
    retryOnInterrupt: Bool = true,
    _ call: () -> Value
) -> Result<Value, Errno> {
    while true {
        let value = call()
        if value != -1 { return .success(value) }
        let error = currentErrno()
        if retryOnInterrupt && error == .interrupted { continue }
        return .failure(error)
    }
}

@inline(__always)
func system_sendto(
    _ fd: CInt,
    _ bytes: UnsafeRawPointer?,
    _ count: Int,
    _ flags: CInt,
    _ address: UnsafePointer<sockaddr>,
    _ length: socklen_t
) -> Int {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.sendto, descriptor: fd) { sendto(fd, bytes, count, flags, address, length) }
    }
    #endif
    return sendto(fd, bytes, count, flags, address, length)
}

@inline(__always)
func system_recvfrom(
    _ fd: CInt,
    _ bytes: UnsafeMutableRawPointer?,
    _ count: Int,
    _ flags: CInt,
    _ address: UnsafeMutablePointer<sockaddr>,
    _ length: UnsafeMutablePointer<socklen_t>
) -> Int {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.recvfrom, descriptor: fd) { recvfrom(fd, bytes, count, flags, address, length) }
    }
    #endif
    return recvfrom(fd, bytes, count, flags, address, length)
}

#if os(Linux)
// The /proc reads of the EADDRINUSE diagnosis (ProcessTables.swift): always close-on-exec.

/// open(path, O_RDONLY | O_CLOEXEC | flags).
@inline(__always)
func system_openReadOnly(_ path: String, flags: CInt = 0) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.open, descriptor: -1) { open(path, O_RDONLY | O_CLOEXEC | flags) }
    }
    #endif
    return open(path, O_RDONLY | O_CLOEXEC | flags)
}

@inline(__always)
func system_read(_ fd: CInt, _ bytes: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.read, descriptor: fd) { read(fd, bytes, count) }
    }
    #endif
    return read(fd, bytes, count)
}

/// opendir; glibc and musl open the directory close-on-exec.
@inline(__always)
func system_opendir(_ path: String) -> OpaquePointer? {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        var directory: OpaquePointer?
        _ = recorder.perform(.opendir, descriptor: -1) { () -> CInt in
            directory = opendir(path)
            return directory == nil ? -1 : 0
        }
        return directory
    }
    #endif
    return opendir(path)
}

/// readdir; nil at the end of the directory or on an error.
@inline(__always)
func system_readdir(_ directory: OpaquePointer) -> UnsafeMutablePointer<dirent>? {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        var entry: UnsafeMutablePointer<dirent>?
        _ = recorder.perform(.readdir, descriptor: dirfd(directory)) { () -> CInt in
            entry = readdir(directory)
            return entry == nil ? -1 : 0
        }
        return entry
    }
    #endif
    return readdir(directory)
}

@inline(__always)
func system_closedir(_ directory: OpaquePointer) {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        _ = recorder.perform(.close, descriptor: dirfd(directory)) { closedir(directory) }
        return
    }
    #endif
    _ = closedir(directory)
}

/// readlinkat, relative to a directory descriptor (a /proc/PID/fd directory).
@inline(__always)
func system_readlinkat(
    _ directory: CInt,
    _ path: UnsafePointer<CChar>,
    _ buffer: UnsafeMutablePointer<CChar>,
    _ size: Int
) -> Int {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.readlink, descriptor: directory) { readlinkat(directory, path, buffer, size) }
    }
    #endif
    return readlinkat(directory, path, buffer, size)
}
#endif
// Files and directories, for the socket file of a Unix-domain socket (UnixSocketFile.swift). Each
// takes a directory descriptor and a name, so that nothing is looked up through a path that
// someone else could change; the recorder sees the name.

@inline(__always)
func system_openat(_ directory: CInt, _ name: String, _ flags: CInt, _ mode: UInt32) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.openat, descriptor: directory, file: name) {
            openat(directory, name, flags, mode_t(mode))
        }
    }
    #endif
    return openat(directory, name, flags, mode_t(mode))
}

@inline(__always)
func system_mkdirat(_ directory: CInt, _ name: String, _ mode: UInt32) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.mkdirat, descriptor: directory, file: name) {
            mkdirat(directory, name, mode_t(mode))
        }
    }
    #endif
    return mkdirat(directory, name, mode_t(mode))
}

@inline(__always)
func system_fstat(_ fd: CInt, _ status: UnsafeMutablePointer<stat>) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.fstat, descriptor: fd) { fstat(fd, status) }
    }
    #endif
    return fstat(fd, status)
}

@inline(__always)
func system_fstatat(
    _ directory: CInt,
    _ name: String,
    _ status: UnsafeMutablePointer<stat>,
    _ flags: CInt
) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.fstatat, descriptor: directory, file: name) {
            fstatat(directory, name, status, flags)
        }
    }
    #endif
    return fstatat(directory, name, status, flags)
}

@inline(__always)
func system_fchmodat(_ directory: CInt, _ name: String, _ mode: UInt32, _ flags: CInt) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.fchmodat, descriptor: directory, file: name) {
            fchmodat(directory, name, mode_t(mode), flags)
        }
    }
    #endif
    return fchmodat(directory, name, mode_t(mode), flags)
}

@inline(__always)
func system_fchmod(_ fd: CInt, _ mode: UInt32) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.fchmod, descriptor: fd) { fchmod(fd, mode_t(mode)) }
    }
    #endif
    return fchmod(fd, mode_t(mode))
}

@inline(__always)
func system_linkat(
    _ fromDirectory: CInt,
    _ fromName: String,
    _ toDirectory: CInt,
    _ toName: String,
    _ flags: CInt
) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.linkat, descriptor: fromDirectory, file: toName) {
            linkat(fromDirectory, fromName, toDirectory, toName, flags)
        }
    }
    #endif
    return linkat(fromDirectory, fromName, toDirectory, toName, flags)
}

@inline(__always)
func system_renameat(_ fromDirectory: CInt, _ fromName: String, _ toDirectory: CInt, _ toName: String) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.renameat, descriptor: fromDirectory, file: fromName) {
            renameat(fromDirectory, fromName, toDirectory, toName)
        }
    }
    #endif
    return renameat(fromDirectory, fromName, toDirectory, toName)
}

@inline(__always)
func system_unlinkat(_ directory: CInt, _ name: String, _ flags: CInt) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.unlinkat, descriptor: directory, file: name) { unlinkat(directory, name, flags) }
    }
    #endif
    return unlinkat(directory, name, flags)
}

@inline(__always)
func system_flock(_ fd: CInt, _ operation: CInt) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.flock, descriptor: fd) { flock(fd, operation) }
    }
    #endif
    return flock(fd, operation)
}

/// fcntl with an int argument (F_GETFD, F_SETFD, F_GETFL, F_SETFL).
@inline(__always)
func system_fcntl(_ fd: CInt, _ command: CInt, _ value: CInt = 0) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(.fcntl, descriptor: fd) { fcntl(fd, command, value) }
    }
    #endif
    return fcntl(fd, command, value)
}

/// getrlimit(RLIMIT_NOFILE): the soft limit on descriptor numbers, or nil when it cannot be read.
/// It bounds the descriptors socket activation may claim.
@inline(__always)
func system_getrlimitOpenFiles() -> rlimit? {
    var limit = rlimit()
    #if canImport(Glibc)
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    let resource = RLIMIT_NOFILE
    #endif
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        let result = recorder.perform(.getrlimit, descriptor: -1) { getrlimit(resource, &limit) }
        return result == 0 ? limit : nil
    }
    #endif
    return getrlimit(resource, &limit) == 0 ? limit : nil
}

/// getaddrinfo: 0, or an EAI_* code (EAI_SYSTEM with errno set). Not a system call but a library
/// routine that can read files and ask DNS servers, which is why it goes through here: a test can
/// see it and make it fail. A failure the recorder injects is EAI_SYSTEM with the injected errno
/// (the real call never runs, so nothing is allocated and nothing is to be freed).
@inline(__always)
func system_getaddrinfo(
    _ host: String,
    _ service: String,
    _ hints: UnsafePointer<addrinfo>,
    _ result: UnsafeMutablePointer<UnsafeMutablePointer<addrinfo>?>
) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        var code: CInt = 0
        let outcome = recorder.perform(.getaddrinfo, descriptor: -1) { () -> CInt in
            code = getaddrinfo(host, service, hints, result)
            return code == 0 ? 0 : -1
        }
        if outcome == 0 { return 0 }
        return code != 0 ? code : EAI_SYSTEM
    }
    #endif
    return getaddrinfo(host, service, hints, result)
}

@inline(__always)
func system_freeaddrinfo(_ list: UnsafeMutablePointer<addrinfo>) {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        var freed = false
        _ = recorder.perform(.freeaddrinfo, descriptor: -1) { () -> CInt in
            freeaddrinfo(list)
            freed = true
            return 0
        }
        // A failure injected here must not leak the list: freeaddrinfo cannot fail.
        if !freed { freeaddrinfo(list) }
        return
    }
    #endif
    freeaddrinfo(list)
}
