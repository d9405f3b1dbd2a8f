import Glibc
import PageoutLinux

/// The CPU time a process has used, from /proc/PID/stat.
public enum ProcessCPU {
    /// User plus system CPU seconds process `pid` has used so far (fields 14 and 15 of /proc/PID/stat).
    ///
    /// - Throws: `ProcessExited` once the process is gone, `SystemCallError` or `ProcFileParseError`.
    public static func seconds(pid: Int32, procfs: ProcFS = ProcFS()) throws -> Double {
        let stat = try procfs.stat(pid: pid)
        return Double(stat.userTicks + stat.systemTicks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
