import PageoutCore

extension ProcFS {
    /// The uids of process `pid`: the `Uid:` line of /proc/PID/status.
    ///
    /// - Throws: `ProcessExited`, `SystemCallError` or `ProcFileParseError`.
    public func uids(pid: Int32) throws -> ProcessUIDs {
        let path = path(pid: pid, "status")
        let text = try readProcessFile(path, pid: pid)
        do {
            return try ProcessUIDs.parse(status: text)
        } catch {
            throw ProcFileParseError(path: path, underlying: error)
        }
    }
}

extension ProcessHandle {
    /// What Register's authorisation needs to know of the process: its uids and whether it is a kernel thread.
    ///
    /// /proc/PID names whichever process has the pid now; the figures are the handle's process's only if that
    /// process was still alive after they were read (a pid is reused only after its process is reaped, and a
    /// pidfd polls readable from the moment its process exits).
    ///
    /// - Throws: `ProcessExited` when the process exited before or during the reads.
    public func accessCandidate() throws -> VMMAccess.Candidate {
        let stat = try procfs.stat(pid: pid)
        let uids = try procfs.uids(pid: pid)
        try checkAlive(during: "reading /proc/\(pid)/status")
        guard stat.startTime == startTime else {
            throw ProcessExited(pid: pid, during: "reading /proc/\(pid)/stat")
        }
        return VMMAccess.Candidate(pid: pid, uids: uids, isKernelThread: stat.isKernelThread)
    }
}
