// SocketOptions: descriptors carried as SCM_RIGHTS control data by sendmsg and recvmsg.

#if os(Linux)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum DescriptorPassing {
    /// What one recvmsg brought: bytes, descriptors (already close-on-exec, the caller's to close)
    /// and whether the control data was cut (MSG_CTRUNC).
    struct Received {
        var count: Int
        var descriptors: [CInt]
        var controlTruncated: Bool
    }

    // The CMSG_* macros are not imported into Swift; these are their definitions (cmsg headers
    // and data are aligned to size_t).
    private static func align(_ count: Int) -> Int {
        let unit = MemoryLayout<Int>.size
        return (count + unit - 1) & ~(unit - 1)
    }
    private static var headerSpace: Int { align(MemoryLayout<cmsghdr>.size) }
    /// CMSG_SPACE for `count` descriptors.
    static func controlSpace(descriptors count: Int) -> Int {
        headerSpace + align(count * MemoryLayout<CInt>.size)
    }

    /// One sendmsg of `bytes` with `descriptors` as SCM_RIGHTS, never blocking (MSG_DONTWAIT) nor
    /// raising SIGPIPE (MSG_NOSIGNAL); the number of bytes sent, or the errno.
    static func send(_ fd: CInt, _ bytes: [UInt8], descriptors: [CInt]) -> Result<Int, Errno> {
        let space = controlSpace(descriptors: descriptors.count)
        let control = UnsafeMutableRawBufferPointer.allocate(byteCount: space, alignment: MemoryLayout<Int>.alignment)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0)
        let header = control.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
        header.pointee.cmsg_len = numericCast(headerSpace + descriptors.count * MemoryLayout<CInt>.size)
        header.pointee.cmsg_level = SOL_SOCKET
        header.pointee.cmsg_type = CInt(SCM_RIGHTS)
        for (index, descriptor) in descriptors.enumerated() {
            control.storeBytes(
                of: descriptor,
                toByteOffset: headerSpace + index * MemoryLayout<CInt>.size,
                as: CInt.self
            )
        }
        var bytes = bytes
        return bytes.withUnsafeMutableBytes { buffer in
            var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
            return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                var message = msghdr()
                message.msg_iov = vectorPointer
                message.msg_iovlen = 1
                message.msg_control = control.baseAddress
                message.msg_controllen = numericCast(space)
                return valueOrErrno { system_sendmsg(fd, &message, CInt(MSG_DONTWAIT) | CInt(MSG_NOSIGNAL)) }
            }
        }
    }

    /// One recvmsg into `buffer` with room for `maximumDescriptors` descriptors, never blocking;
    /// received descriptors are close-on-exec (MSG_CMSG_CLOEXEC) and every one that arrived is
    /// returned, also when the control data was cut.
    static func receive(
        _ fd: CInt,
        into buffer: UnsafeMutableRawBufferPointer,
        maximumDescriptors: Int
    ) -> Result<Received, Errno> {
        let space = controlSpace(descriptors: maximumDescriptors)
        let control = UnsafeMutableRawBufferPointer.allocate(byteCount: space, alignment: MemoryLayout<Int>.alignment)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0)
        var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        var message = msghdr()
        let result = withUnsafeMutablePointer(to: &vector) { vectorPointer in
            message.msg_iov = vectorPointer
            message.msg_iovlen = 1
            message.msg_control = control.baseAddress
            message.msg_controllen = numericCast(space)
            return valueOrErrno { system_recvmsg(fd, &message, CInt(MSG_DONTWAIT) | CInt(MSG_CMSG_CLOEXEC)) }
        }
        switch result {
        case .failure(let errno): return .failure(errno)
        case .success(let count):
            var descriptors: [CInt] = []
            let length = Int(message.msg_controllen)
            var offset = 0
            while offset + headerSpace <= min(length, space) {
                let header = control.load(fromByteOffset: offset, as: cmsghdr.self)
                let itemLength = Int(header.cmsg_len)
                guard itemLength >= headerSpace, offset + itemLength <= space else { break }
                if header.cmsg_level == SOL_SOCKET && header.cmsg_type == CInt(SCM_RIGHTS) {
                    let count = (itemLength - headerSpace) / MemoryLayout<CInt>.size
                    for index in 0..<count {
                        descriptors.append(
                            control.load(
                                fromByteOffset: offset + headerSpace + index * MemoryLayout<CInt>.size,
                                as: CInt.self
                            )
                        )
                    }
                }
                offset += align(itemLength)
            }
            let truncated = message.msg_flags & CInt(MSG_CTRUNC) != 0
            return .success(Received(count: count, descriptors: descriptors, controlTruncated: truncated))
        }
    }
}
#endif
