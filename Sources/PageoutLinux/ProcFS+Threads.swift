import PageoutCore
import SystemPackage

extension ProcFS {
    /// The ids of process `pid`'s threads (/proc/PID/task): one directory read.
    ///
    /// - Throws: `ProcessExited` when the process has no task directory any more.
    public func threadIDs(pid: Int32) throws -> [Int32] {
        let tasks = path(pid: pid, "task")
        let threads = numberedEntries(of: tasks.string)
        guard !threads.isEmpty else { throw ProcessExited(pid: pid, during: "listing \(tasks)") }
        return threads
    }

    /// The name of thread `tid` of process `pid` (/proc/PID/task/TID/comm, at most 15 bytes, as the process set
    /// it); nil when the thread has ended.
    public func threadName(pid: Int32, tid: Int32) -> String? {
        let comm = path(pid: pid, "task").appending("\(tid)").appending("comm")
        return (try? ProcFile.read(comm)).map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
    }
}
