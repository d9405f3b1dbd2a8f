/// The fields of /proc/PID/task/TID/schedstat: `cpu_ns wait_ns timeslices`, one line.
///
/// The wait is the time the thread spent runnable on a run queue without a CPU (`sched_info.run_delay`,
/// Documentation/scheduler/sched-stats.rst): what a vCPU thread loses when the host's CPUs are busy, and nothing
/// while it sleeps or runs. The kernel keeps it with CONFIG_SCHED_INFO (Debian's and every major distribution's
/// kernels), without schedstats switched on.
public struct ThreadSchedStat: Sendable, Hashable {
    /// Time the thread has run, in nanoseconds.
    public var runNanoseconds: UInt64
    /// Time the thread has waited on a run queue for a CPU, in nanoseconds.
    public var waitNanoseconds: UInt64
    /// The times it was given a CPU.
    public var timeslices: UInt64

    /// The figures as parsed (or written by a test); nothing is checked.
    public init(runNanoseconds: UInt64, waitNanoseconds: UInt64, timeslices: UInt64) {
        self.runNanoseconds = runNanoseconds
        self.waitNanoseconds = waitNanoseconds
        self.timeslices = timeslices
    }

    /// Parses the file's one line: exactly three decimal numbers, then a newline or the end.
    public static func parse(_ text: String) throws(ProcTextParseError) -> ThreadSchedStat {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard lines.count == 1, let line = lines.first else {
            throw ProcTextParseError(line: 0, problem: "\(lines.count) lines (expected one)")
        }
        let columns = line.split(separator: " ", omittingEmptySubsequences: false)
        let numbers = columns.compactMap { column in
            !column.isEmpty && column.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
                ? UInt64(column) : nil
        }
        guard columns.count == 3, numbers.count == 3 else {
            throw ProcTextParseError(line: 1, problem: "expected three numbers (run, wait, timeslices)",
                                     text: String(line))
        }
        return ThreadSchedStat(runNanoseconds: numbers[0], waitNanoseconds: numbers[1], timeslices: numbers[2])
    }
}
