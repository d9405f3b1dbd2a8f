/// The fields of /proc/PID/stat that pageoutd uses.
///
/// `(pid, startTime)` identifies a process across pid reuse: a new process with the same pid has a later start.
public struct ProcessStat: Sendable, Hashable {
    /// Field 1: the process id.
    public var pid: Int32
    /// Field 2 without its parentheses: the command name (at most 15 bytes; any bytes, spaces and `)` included).
    public var command: String
    /// Field 3: the state letter (`R` running, `S` sleeping, `D` disk sleep, `Z` zombie, `T` stopped, ...).
    public var state: Character
    /// Field 4: the parent's pid.
    public var parentPid: Int32
    /// Field 22: when the process started, in clock ticks (`sysconf(_SC_CLK_TCK)`) after boot.
    public var startTime: UInt64
    /// Field 14: CPU time spent in user mode so far, in clock ticks.
    public var userTicks: UInt64
    /// Field 15: CPU time spent in the kernel on the process's behalf so far, in clock ticks.
    public var systemTicks: UInt64
    /// Field 9: the kernel's per-task flags (`PF_*` of include/linux/sched.h).
    public var flags: UInt32

    /// The figures as parsed from a stat line (or written by a test); nothing is checked.
    public init(pid: Int32, command: String, state: Character, parentPid: Int32, startTime: UInt64,
                userTicks: UInt64 = 0, systemTicks: UInt64 = 0, flags: UInt32 = 0) {
        self.pid = pid
        self.command = command
        self.state = state
        self.parentPid = parentPid
        self.startTime = startTime
        self.userTicks = userTicks
        self.systemTicks = systemTicks
        self.flags = flags
    }

    /// PF_KTHREAD: the task is a kernel thread (it has no mm, and its maps are empty).
    public static let kernelThreadFlag: UInt32 = 0x0020_0000

    /// True for a kernel thread.
    public var isKernelThread: Bool { flags & Self.kernelThreadFlag != 0 }

    /// True for a zombie (`Z`) or dead (`X`, `x`) process: it has exited and its memory is gone.
    public var hasExited: Bool { state == "Z" || state == "X" || state == "x" }

    /// PF_EXITING: the task is in do_exit.
    public static let exitingFlag: UInt32 = 0x0000_0004

    /// True while the task is exiting but not yet a zombie. do_exit sets PF_EXITING before it releases the
    /// memory (exit_mm) and the state becomes `Z` only after (exit_notify): in between, a killed process's maps
    /// are already empty while its state still reads `R` or `D` and its pidfd is not yet readable.
    public var isExiting: Bool { flags & Self.exitingFlag != 0 }

    /// Parses the single line of /proc/PID/stat.
    ///
    /// The command is in parentheses and may itself contain spaces and parentheses, so the fields after it are
    /// found from the last `)` of the line.
    public static func parse(_ text: String) throws(ProcTextParseError) -> ProcessStat {
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        func fail(_ problem: String) -> ProcTextParseError {
            ProcTextParseError(line: 1, problem: problem, text: String(line))
        }
        guard let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"), open < close else {
            throw fail("no command in parentheses")
        }
        guard let pid = Int32(line[..<open].trimmingBlanks) else {
            throw fail("bad pid \"\(line[..<open].trimmingBlanks)\" (field 1)")
        }
        let command = String(line[line.index(after: open)..<close])
        // fields[0] is field 3 (state), fields[6] is 9 (flags), fields[11] and fields[12] are 14 and 15 (utime,
        // stime), fields[19] is 22.
        let fields = line[line.index(after: close)...].split(separator: " ")
        guard fields.count >= 20 else { throw fail("only \(fields.count + 2) fields (expected at least 22)") }
        guard fields[0].count == 1, let state = fields[0].first else {
            throw fail("bad state \"\(fields[0])\" (field 3, expected one letter)")
        }
        guard let parentPid = Int32(fields[1]) else { throw fail("bad parent pid \"\(fields[1])\" (field 4)") }
        guard let flags = UInt32(fields[6]) else { throw fail("bad flags \"\(fields[6])\" (field 9)") }
        guard let userTicks = UInt64(fields[11]) else { throw fail("bad user time \"\(fields[11])\" (field 14)") }
        guard let systemTicks = UInt64(fields[12]) else { throw fail("bad system time \"\(fields[12])\" (field 15)") }
        guard let startTime = UInt64(fields[19]) else { throw fail("bad start time \"\(fields[19])\" (field 22)") }
        return ProcessStat(pid: pid, command: command, state: state, parentPid: parentPid, startTime: startTime,
                           userTicks: userTicks, systemTicks: systemTicks, flags: flags)
    }
}

