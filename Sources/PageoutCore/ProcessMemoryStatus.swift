/// The memory figures of /proc/PID/status that tell whether a VMM's guest RAM may be paged out, in bytes.
///
/// The status file is cheap to read (no page-table walk, unlike smaps): it is the signal read every scan for a
/// region the kernel refuses, and the first check before a region is acted on.
public struct ProcessMemoryStatus: Sendable, Hashable {
    /// `VmLck:`: memory in the process's mlocked (VM_LOCKED) mappings. Zero means no mapping of the process is
    /// locked, so no smaps needs reading to know that none of the region's is.
    public var lockedBytes: UInt64
    /// `VmSize:`: the size of all the process's mappings. It changes when guest RAM is plugged, unplugged or
    /// remapped.
    public var virtualBytes: UInt64

    /// The two figures, in bytes.
    public init(lockedBytes: UInt64, virtualBytes: UInt64) {
        self.lockedBytes = lockedBytes
        self.virtualBytes = virtualBytes
    }

    /// Parses the `VmLck:` and `VmSize:` lines of a /proc/PID/status text (`VmLck:\t  1024 kB`); other lines are
    /// skipped (the kernel escapes newlines in the process's name, so a tenant cannot forge a line).
    ///
    /// - Throws: `ProcTextParseError` when either line is missing or not a size in kB.
    public static func parse(_ text: String) throws(ProcTextParseError) -> ProcessMemoryStatus {
        var figures: [Substring: UInt64] = [:]
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon]
            guard name == "VmLck" || name == "VmSize", figures[name] == nil else { continue }
            let value = line[line.index(after: colon)...].blankSeparatedColumns
            guard value.count == 2, value[1] == "kB", let kib = UInt64(value[0]) else {
                throw ProcTextParseError(line: number, problem: "\(name) is not a size in kB", text: String(line))
            }
            let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
            guard !overflow else {
                throw ProcTextParseError(line: number, problem: "\(name) overflows 64 bits", text: String(line))
            }
            figures[name] = bytes
        }
        guard let locked = figures["VmLck"] else { throw ProcTextParseError(line: 0, problem: "no VmLck line") }
        guard let size = figures["VmSize"] else { throw ProcTextParseError(line: 0, problem: "no VmSize line") }
        return ProcessMemoryStatus(lockedBytes: locked, virtualBytes: size)
    }
}
