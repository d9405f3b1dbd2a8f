import Glibc

/// The CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID): user and system time, the kernel's work on the
/// thread's behalf (pagemap walks) included.
public enum ThreadCPUTime {
    /// Seconds of CPU the calling thread has used; 0 if the clock cannot be read.
    public static func seconds() -> Double {
        var spec = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec) == 0 else { return 0 }
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
