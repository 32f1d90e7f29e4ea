// SocketOptions: the one place that calls the C library's system calls.
//
// Every system call the package makes goes through a `system_<call>` wrapper in this file, and every
// wrapper is one call of `systemCall`, the recording layer: the rest of the package is plain Swift,
// and in debug builds on Linux a test can record the calls, make any of them fail and run its own
// code before or after any of them (see SyscallRecorder.swift). In release builds `systemCall` is
// the bare C call.

// Public, for the two wrappers that inlinable code calls (`inlinableGetsockopt`, `inlinableSetsockopt`).
#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#elseif canImport(Darwin)
public import Darwin
#endif

/// Which system call a `system_<call>` wrapper makes, as the recorder names it. Compiled in every
/// build, so that the wrappers read the same in release, where it costs nothing.
enum SyscallKind: String, Sendable, Hashable {
    case socket, setsockopt, getsockopt, bind, listen, connect, getsockname
    case accept, poll, send, recv, sendto, recvfrom, close
    case shutdown  // SHUT_RD on a listener: stop accepting (ListeningSocket+Stopping.swift)
    case sendmsg, recvmsg  // SCM_RIGHTS: listeners handed over (DescriptorHandover.swift)
    case openat, mkdirat, fstat, fstatat, fchmod, fchmodat, linkat, renameat, unlinkat, flock, fcntl
    case open, read, opendir, readdir, readlink  // the /proc reads of the EADDRINUSE diagnosis
    case getrlimit  // the descriptor limit that bounds socket activation
    case ifNameToIndex = "if_nametoindex"
    case ifIndexToName = "if_indextoname"  // IPv6 zones
    case getaddrinfo, freeaddrinfo  // host-name resolution (SocketAddress.resolve)
}

/// The recording layer: makes `call`, a bare C call whose result is `failure` when it fails (errno
/// set). In debug builds on Linux, while a test has a SyscallRecorder installed for its task, the
/// recorder records the call as `kind`, on `descriptor` (`option`, `file`), and may make it fail
/// without reaching the kernel, run the test's code around it, or override what it wrote into
/// `optionValue`: getsockopt's value, the address of getsockname and accept. In release builds every argument but `call` is unused and this is the
/// bare call (`descriptor` is an autoclosure so that computing it costs nothing there either).
@inline(__always)
func systemCall<Result: Equatable>(
    _ kind: SyscallKind,
    on descriptor: @autoclosure () -> CInt = -1,
    option: (level: CInt, name: CInt)? = nil,
    file: String? = nil,
    optionValue: UnsafeMutableRawPointer? = nil,
    failure: Result,
    _ call: () -> Result
) -> Result {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    if let recorder = SyscallRecorder.current {
        return recorder.perform(
            kind,
            descriptor: descriptor(),
            option: option,
            file: file,
            optionValue: optionValue,
            failure: failure,
            call
        )
    }
    #endif
    return call()
}

/// ``systemCall(_:on:option:file:optionValue:failure:_:)`` for the calls that return -1 on failure.
@inline(__always)
func systemCall<Result: FixedWidthInteger>(
    _ kind: SyscallKind,
    on descriptor: @autoclosure () -> CInt = -1,
    option: (level: CInt, name: CInt)? = nil,
    file: String? = nil,
    optionValue: UnsafeMutableRawPointer? = nil,
    _ call: () -> Result
) -> Result {
    systemCall(
        kind,
        on: descriptor(),
        option: option,
        file: file,
        optionValue: optionValue,
        failure: -1,
        call
    )
}

// Sockets.

@inline(__always)
func system_socket(_ domain: CInt, _ type: CInt, _ protocol: CInt) -> CInt {
    systemCall(.socket) { socket(domain, type, `protocol`) }
}

@inline(__always)
func system_setsockopt(
    _ fd: CInt,
    _ level: CInt,
    _ name: CInt,
    _ value: UnsafeRawPointer,
    _ length: socklen_t
) -> CInt {
    systemCall(.setsockopt, on: fd, option: (level, name)) { setsockopt(fd, level, name, value, length) }
}

@inline(__always)
func system_getsockopt(
    _ fd: CInt,
    _ level: CInt,
    _ name: CInt,
    _ value: UnsafeMutableRawPointer,
    _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    systemCall(.getsockopt, on: fd, option: (level, name), optionValue: value) {
        getsockopt(fd, level, name, value, length)
    }
}

/// getsockopt of one C int, for the typed read that is inlined into its caller
/// (``OptionCalls/value(_:from:)``), and the readbacks of the sets above. In a build that records calls it goes through
/// ``system_getsockopt(_:_:_:_:_:)`` like every other call; in any other build it is the bare call,
/// in the caller's code.
@inlinable @inline(__always)
func inlinableGetsockopt(_ fd: CInt, _ level: CInt, _ name: CInt, _ value: UnsafeMutablePointer<CInt>) -> CInt {
    var length = socklen_t(MemoryLayout<CInt>.size)
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    return recordedGetsockopt(fd, level, name, value, &length)
    #else
    return getsockopt(fd, level, name, value, &length)
    #endif
}

/// setsockopt of one C int, for the sets that are inlined into their caller
/// (``OptionCalls/setCIntAndReadBackKept(_:at:_:on:requested:)``, and a compact setup's `setEach`):
/// recorded in a build that records calls, the bare call in any other.
@inlinable @inline(__always)
func inlinableSetsockopt(_ fd: CInt, _ level: CInt, _ name: CInt, _ value: UnsafePointer<CInt>) -> CInt {
    let length = socklen_t(MemoryLayout<CInt>.size)
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    return recordedSetsockopt(fd, level, name, value, length)
    #else
    return setsockopt(fd, level, name, value, length)
    #endif
}

#if SOCKETOPTIONS_SYSCALL_RECORDING
/// ``inlinableSetsockopt(_:_:_:_:)`` through the recording layer, which inlinable code cannot see.
@usableFromInline
func recordedSetsockopt(
    _ fd: CInt,
    _ level: CInt,
    _ name: CInt,
    _ value: UnsafePointer<CInt>,
    _ length: socklen_t
) -> CInt {
    system_setsockopt(fd, level, name, value, length)
}

/// ``inlinableGetsockopt(_:_:_:_:)`` through the recording layer, which inlinable code cannot see.
@usableFromInline
func recordedGetsockopt(
    _ fd: CInt,
    _ level: CInt,
    _ name: CInt,
    _ value: UnsafeMutablePointer<CInt>,
    _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    system_getsockopt(fd, level, name, value, length)
}
#endif

@inline(__always)
func system_bind(_ fd: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> CInt {
    systemCall(.bind, on: fd) { bind(fd, address, length) }
}

@inline(__always)
func system_listen(_ fd: CInt, _ backlog: CInt) -> CInt {
    systemCall(.listen, on: fd) { listen(fd, backlog) }
}

@inline(__always)
func system_connect(_ fd: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> CInt {
    systemCall(.connect, on: fd) { connect(fd, address, length) }
}

@inline(__always)
func system_getsockname(
    _ fd: CInt,
    _ address: UnsafeMutablePointer<sockaddr>,
    _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    systemCall(.getsockname, on: fd, optionValue: UnsafeMutableRawPointer(address)) {
        getsockname(fd, address, length)
    }
}

/// accept, with the new descriptor close-on-exec (accept4 on Linux; see Platform+*.swift).
@inline(__always)
func system_accept(
    _ fd: CInt,
    _ address: UnsafeMutablePointer<sockaddr>,
    _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    systemCall(.accept, on: fd, optionValue: UnsafeMutableRawPointer(address)) {
        platformAcceptCloseOnExec(fd, address, length)
    }
}

@inline(__always)
func system_poll(_ fds: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ timeout: CInt) -> CInt {
    systemCall(.poll, on: fds.pointee.fd) { poll(fds, count, timeout) }
}

@inline(__always)
func system_send(_ fd: CInt, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: CInt) -> Int {
    systemCall(.send, on: fd) { send(fd, bytes, count, flags) }
}

@inline(__always)
func system_recv(_ fd: CInt, _ bytes: UnsafeMutableRawPointer?, _ count: Int, _ flags: CInt) -> Int {
    systemCall(.recv, on: fd) { recv(fd, bytes, count, flags) }
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
    systemCall(.sendto, on: fd) { sendto(fd, bytes, count, flags, address, length) }
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
    systemCall(.recvfrom, on: fd) { recvfrom(fd, bytes, count, flags, address, length) }
}

/// sendmsg: the descriptor hand-over sends its listeners as SCM_RIGHTS control data.
@inline(__always)
func system_sendmsg(_ fd: CInt, _ message: UnsafePointer<msghdr>, _ flags: CInt) -> Int {
    systemCall(.sendmsg, on: fd) { sendmsg(fd, message, flags) }
}

/// recvmsg: the descriptor hand-over receives listeners as SCM_RIGHTS control data.
@inline(__always)
func system_recvmsg(_ fd: CInt, _ message: UnsafeMutablePointer<msghdr>, _ flags: CInt) -> Int {
    systemCall(.recvmsg, on: fd) { recvmsg(fd, message, flags) }
}

/// shutdown; on a listener, SHUT_RD stops it accepting and wakes every thread blocked in accept.
@inline(__always)
func system_shutdown(_ fd: CInt, _ how: CInt) -> CInt {
    systemCall(.shutdown, on: fd) { shutdown(fd, how) }
}

@inline(__always)
func system_close(_ fd: CInt) -> CInt {
    systemCall(.close, on: fd) { close(fd) }
}

/// fcntl with an int argument (F_GETFD, F_SETFD, F_GETFL, F_SETFL).
@inline(__always)
func system_fcntl(_ fd: CInt, _ command: CInt, _ value: CInt = 0) -> CInt {
    systemCall(.fcntl, on: fd) { fcntl(fd, command, value) }
}

// Interfaces, for the zone of an IPv6 address. Each asks the kernel (an ioctl on a socket of the C
// library's own), so an interface that goes away between two calls is seen as gone.

/// if_nametoindex: the index of the interface named `name`, or 0 (errno set) when there is none.
@inline(__always)
func system_if_nametoindex(_ name: String) -> UInt32 {
    systemCall(.ifNameToIndex, failure: 0) { UInt32(if_nametoindex(name)) }
}

/// if_indextoname: writes the name of interface `index` into `name` (IF_NAMESIZE bytes) and returns
/// whether it exists.
@inline(__always)
func system_if_indextoname(_ index: UInt32, _ name: UnsafeMutablePointer<CChar>) -> Bool {
    systemCall(.ifIndexToName, failure: nil) { if_indextoname(index, name) } != nil
}

// Who we are: these cannot fail and change nothing, so they are not recorded (a test has nothing to
// make fail or to order).

@inline(__always)
func system_geteuid() -> UInt32 { UInt32(geteuid()) }

@inline(__always)
func system_getpid() -> Int32 { getpid() }

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
    return systemCall(.getrlimit) { getrlimit(resource, &limit) } == 0 ? limit : nil
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

#if os(Linux)
// The /proc reads of the EADDRINUSE diagnosis (ProcessTables.swift): always close-on-exec.

/// open(path, O_RDONLY | O_CLOEXEC | flags).
@inline(__always)
func system_openReadOnly(_ path: String, flags: CInt = 0) -> CInt {
    systemCall(.open) { open(path, O_RDONLY | O_CLOEXEC | flags) }
}

@inline(__always)
func system_read(_ fd: CInt, _ bytes: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    systemCall(.read, on: fd) { read(fd, bytes, count) }
}

/// opendir; glibc and musl open the directory close-on-exec.
@inline(__always)
func system_opendir(_ path: String) -> OpaquePointer? {
    systemCall(.opendir, failure: nil) { opendir(path) }
}

/// readdir; nil at the end of the directory or on an error.
@inline(__always)
func system_readdir(_ directory: OpaquePointer) -> UnsafeMutablePointer<dirent>? {
    systemCall(.readdir, on: dirfd(directory), failure: nil) { readdir(directory) }
}

@inline(__always)
func system_closedir(_ directory: OpaquePointer) {
    _ = systemCall(.close, on: dirfd(directory)) { closedir(directory) }
}

/// readlinkat, relative to a directory descriptor (a /proc/PID/fd directory).
@inline(__always)
func system_readlinkat(
    _ directory: CInt,
    _ path: UnsafePointer<CChar>,
    _ buffer: UnsafeMutablePointer<CChar>,
    _ size: Int
) -> Int {
    systemCall(.readlink, on: directory) { readlinkat(directory, path, buffer, size) }
}
#endif

// Files and directories, for the socket file of a Unix-domain socket (UnixSocketFile.swift). Each
// takes a directory descriptor and a name, so that nothing is looked up through a path that
// someone else could change; the recorder sees the name.

@inline(__always)
func system_openat(_ directory: CInt, _ name: String, _ flags: CInt, _ mode: UInt32) -> CInt {
    systemCall(.openat, on: directory, file: name) { openat(directory, name, flags, mode_t(mode)) }
}

@inline(__always)
func system_mkdirat(_ directory: CInt, _ name: String, _ mode: UInt32) -> CInt {
    systemCall(.mkdirat, on: directory, file: name) { mkdirat(directory, name, mode_t(mode)) }
}

@inline(__always)
func system_fstat(_ fd: CInt, _ status: UnsafeMutablePointer<stat>) -> CInt {
    systemCall(.fstat, on: fd) { fstat(fd, status) }
}

@inline(__always)
func system_fstatat(
    _ directory: CInt,
    _ name: String,
    _ status: UnsafeMutablePointer<stat>,
    _ flags: CInt
) -> CInt {
    systemCall(.fstatat, on: directory, file: name) { fstatat(directory, name, status, flags) }
}

@inline(__always)
func system_fchmodat(_ directory: CInt, _ name: String, _ mode: UInt32, _ flags: CInt) -> CInt {
    systemCall(.fchmodat, on: directory, file: name) { fchmodat(directory, name, mode_t(mode), flags) }
}

@inline(__always)
func system_fchmod(_ fd: CInt, _ mode: UInt32) -> CInt {
    systemCall(.fchmod, on: fd) { fchmod(fd, mode_t(mode)) }
}

/// linkat; the recorder sees the new name.
@inline(__always)
func system_linkat(
    _ fromDirectory: CInt,
    _ fromName: String,
    _ toDirectory: CInt,
    _ toName: String,
    _ flags: CInt
) -> CInt {
    systemCall(.linkat, on: fromDirectory, file: toName) {
        linkat(fromDirectory, fromName, toDirectory, toName, flags)
    }
}

/// renameat; the recorder sees the old name.
@inline(__always)
func system_renameat(_ fromDirectory: CInt, _ fromName: String, _ toDirectory: CInt, _ toName: String) -> CInt {
    systemCall(.renameat, on: fromDirectory, file: fromName) {
        renameat(fromDirectory, fromName, toDirectory, toName)
    }
}

@inline(__always)
func system_unlinkat(_ directory: CInt, _ name: String, _ flags: CInt) -> CInt {
    systemCall(.unlinkat, on: directory, file: name) { unlinkat(directory, name, flags) }
}

@inline(__always)
func system_flock(_ fd: CInt, _ operation: CInt) -> CInt {
    systemCall(.flock, on: fd) { flock(fd, operation) }
}

/// getaddrinfo: 0, or an EAI_* code (EAI_SYSTEM with errno set). Not a system call but a library
/// routine that can read files and ask DNS servers, which is why it goes through here: a test can
/// see it and make it fail. A failure the recorder injects is EAI_SYSTEM with the injected errno
/// (the real call never runs, so nothing is allocated and nothing is to be freed); the recorder
/// can also end it with any other EAI code.
@inline(__always)
func system_getaddrinfo(
    _ host: String,
    _ service: String,
    _ hints: UnsafePointer<addrinfo>,
    _ result: UnsafeMutablePointer<UnsafeMutablePointer<addrinfo>?>
) -> CInt {
    #if SOCKETOPTIONS_SYSCALL_RECORDING
    // Any other EAI code a test chooses (SyscallRecorder.failLookup): systemCall's injection gives
    // only EAI_SYSTEM with an errno.
    if let code = SyscallRecorder.current?.injectedLookupFailure() { return code }
    #endif
    return systemCall(.getaddrinfo, failure: EAI_SYSTEM) { getaddrinfo(host, service, hints, result) }
}

/// freeaddrinfo cannot fail; a failure the recorder injects here (which skips the real call) must
/// not leak the list, so the list is freed then.
@inline(__always)
func system_freeaddrinfo(_ list: UnsafeMutablePointer<addrinfo>) {
    let freed = systemCall(.freeaddrinfo, failure: false) {
        freeaddrinfo(list)
        return true
    }
    if !freed { freeaddrinfo(list) }
}
