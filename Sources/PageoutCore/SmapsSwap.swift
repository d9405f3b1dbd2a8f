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
        try SmapsText.forEachField(in: text, mappingsStartingAt: starts) {
            mapping, number, line throws(ProcTextParseError) in
            guard line.hasPrefix("Swap:") else { return }
            result[mapping] = try SmapsText.kilobytes(line, number: number)
        }
        return result
    }
}
