import PageoutCore
import SystemPackage

extension ProcFS {
    /// The names of process `pid`'s threads (/proc/PID/task/TID/comm, at most 15 bytes each, as the process set
    /// them), at most `limit` of them: one directory read and a small read per thread. A thread that ends
    /// meanwhile is passed over.
    ///
    /// - Throws: `ProcessExited` when the process has no task directory any more.
    public func threadNames(pid: Int32, limit: Int = 4096) throws -> [String] {
        let tasks = path(pid: pid, "task")
        let threads = numberedEntries(of: tasks.string)
        guard !threads.isEmpty else { throw ProcessExited(pid: pid, during: "listing \(tasks)") }
        return threads.prefix(limit).compactMap { thread in
            let comm = tasks.appending("\(thread)").appending("comm")
            return (try? ProcFile.read(comm)).map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
        }
    }
}
