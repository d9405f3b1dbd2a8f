import PageoutCore

extension ProcFS {
    /// The locked and total mapped memory of process `pid`: /proc/PID/status (cheap: no page-table walk).
    ///
    /// - Throws: `ProcessExited`, `SystemCallError` or `ProcFileParseError`.
    public func memoryStatus(pid: Int32) throws -> ProcessMemoryStatus {
        let path = path(pid: pid, "status")
        return try parse(path, text: try readProcessFile(path, pid: pid), with: ProcessMemoryStatus.parse)
    }

    /// The flags and figures of process `pid`'s mappings that start at `starts`: /proc/PID/smaps.
    ///
    /// Reading smaps walks the page tables of every mapping of the process: call it once per question, never
    /// every scan.
    ///
    /// - Throws: `ProcessExited`, `SystemCallError` or `ProcFileParseError`.
    public func smapsMappings(pid: Int32, startingAt starts: Set<UInt64>) throws -> [UInt64: SmapsMapping] {
        let path = path(pid: pid, "smaps")
        return try parse(path, text: try readProcessFile(path, pid: pid)) { text throws(ProcTextParseError) in
            try SmapsMapping.parse(text, mappingsStartingAt: starts)
        }
    }
}
