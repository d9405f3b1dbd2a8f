/// The `Swap:` figures of chosen mappings in a /proc/PID/smaps text.
///
/// For a shared shmem mapping the kernel computes `Swap:` from the shmem inode's own swapped-page count
/// (O(1) when the mapping covers the whole file, a cheap walk of the file's page cache otherwise), without
/// walking the mapping's page table page by page. Read on the daemon's own, never-populated view of a memfd
/// it is an exact and cheap count of the file's swapped pages.
public enum SmapsSwap {
    /// Swap bytes of each mapping in `text` whose start address is in `starts`.
    ///
    /// - Throws: `ProcTextParseError` for a header line that is not a maps line or a `Swap:` line without a size.
    public static func swapBytes(in text: String, mappingsStartingAt starts: Set<UInt64>) throws(ProcTextParseError)
        -> [UInt64: UInt64]
    {
        var result: [UInt64: UInt64] = [:]
        var current: UInt64?
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            guard let first = line.first else { continue }
            if first.isHexDigit, let dash = line.firstIndex(of: "-"),
               let start = UInt64(line[line.startIndex..<dash], radix: 16), line[dash...].contains(" ") {
                current = starts.contains(start) ? start : nil
                continue
            }
            guard let mapping = current, line.hasPrefix("Swap:") else { continue }
            let fields = line.split(separator: " ")
            guard fields.count >= 3, fields[2] == "kB", let kib = UInt64(fields[1]) else {
                throw ProcTextParseError(line: lineNumber, problem: "a Swap: line without a size in kB",
                                         text: String(line))
            }
            let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
            guard !overflow else {
                throw ProcTextParseError(line: lineNumber, problem: "Swap: \(kib) kB overflows 64 bits in bytes",
                                         text: String(line))
            }
            result[mapping] = bytes
        }
        return result
    }
}
