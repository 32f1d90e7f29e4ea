// PlainThreads: which CPUs this process may run on, and pinning a thread to one of them (Linux), for
// the demo's balance and the tests of CPU load balancing.
//
// Swift's Glibc module leaves out the _GNU_SOURCE functions (sched_getaffinity, sched_setaffinity,
// sched_getcpu), so they are looked up by name in the C library that is already loaded.

#if os(Linux)
import Glibc

/// The calling thread's CPUs: `sched_getaffinity`, `sched_setaffinity` and `sched_getcpu`.
public enum CPUAffinity {
    private typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer?) -> CInt
    private typealias SetAffinity = @convention(c) (pid_t, Int, UnsafeRawPointer?) -> CInt
    private typealias CurrentCPU = @convention(c) () -> CInt

    /// The size of the kernel's mask that glibc's `cpu_set_t` has: 1,024 CPUs.
    private static let maskBytes = 128

    /// The CPUs the calling thread may run on (`sched_getaffinity`), in increasing order.
    public static func allowedCPUs() -> [Int] {
        guard let symbol = dlsym(nil, "sched_getaffinity") else { return [] }
        let get = unsafeBitCast(symbol, to: GetAffinity.self)
        var mask = [UInt8](repeating: 0, count: maskBytes)
        guard get(0, maskBytes, &mask) == 0 else { return [] }
        // The mask is an array of unsigned longs; on a little-endian machine bit n is bit n % 8 of
        // byte n / 8.
        return (0..<maskBytes * 8).filter { mask[$0 / 8] & (1 << ($0 % 8)) != 0 }
    }

    /// Pins the calling thread to `cpu` (`sched_setaffinity` with the thread's own id, 0). Returns
    /// false when the kernel refused.
    public static func pinCurrentThread(to cpu: Int) -> Bool {
        guard (0..<maskBytes * 8).contains(cpu), let symbol = dlsym(nil, "sched_setaffinity") else { return false }
        let set = unsafeBitCast(symbol, to: SetAffinity.self)
        var mask = [UInt8](repeating: 0, count: maskBytes)
        mask[cpu / 8] = 1 << (cpu % 8)
        return set(0, maskBytes, mask) == 0
    }

    /// The CPU the calling thread runs on now (`sched_getcpu`), or -1.
    public static func currentCPU() -> Int {
        guard let symbol = dlsym(nil, "sched_getcpu") else { return -1 }
        return Int(unsafeBitCast(symbol, to: CurrentCPU.self)())
    }
}
#endif
