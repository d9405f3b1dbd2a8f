import Glibc

/// The time and fault counts the simulator's reports are made of.
enum Clock {
    /// CLOCK_MONOTONIC in nanoseconds (a vDSO call, no system call).
    @inline(__always)
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// The process's major page faults so far (`ru_majflt` of getrusage(RUSAGE_SELF)).
    static func majorFaults() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_majflt
    }

    /// The calling thread's major page faults so far (`ru_majflt` of getrusage(RUSAGE_THREAD)).
    static func threadMajorFaults() -> Int {
        var usage = rusage()
        getrusage(rusageThread, &usage)
        return usage.ru_majflt
    }

    /// Linux's RUSAGE_THREAD, which Glibc's module does not export.
    private static let rusageThread: Int32 = 1
}
