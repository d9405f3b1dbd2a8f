/// What /proc/PID/smaps says about one mapping of a VMM: its flags and how much of it is mapped or in swap.
///
/// Reading smaps walks the page tables of every mapping of the process: pageoutd reads it once when it must know
/// why the kernel refuses a region, never every scan.
public struct SmapsMapping: Sendable, Hashable {
    /// The two-letter `VmFlags:` of the mapping (`rd`, `sh`, `lo`, `ht`...), in the kernel's order.
    public var flags: [String] = []
    /// `Rss:`: bytes mapped in the process.
    public var residentBytes: UInt64 = 0
    /// `Shared_Hugetlb:` and `Private_Hugetlb:`: huge TLB pages mapped in the process (not counted in `Rss:`).
    public var hugetlbBytes: UInt64 = 0
    /// `Swap:`: for a shmem mapping, the swapped pages of its file range.
    public var swapBytes: UInt64 = 0

    /// A mapping with no flags and nothing mapped.
    public init() {}

    /// The figures of each mapping in `text` whose start address is in `starts`.
    ///
    /// - Throws: `ProcTextParseError` for a size line without a size in kB.
    public static func parse(_ text: String, mappingsStartingAt starts: Set<UInt64>) throws(ProcTextParseError)
        -> [UInt64: SmapsMapping]
    {
        var result: [UInt64: SmapsMapping] = [:]
        try SmapsText.forEachField(in: text, mappingsStartingAt: starts) {
            start, number, line throws(ProcTextParseError) in
            var mapping = result[start] ?? SmapsMapping()
            if line.hasPrefix("VmFlags:") {
                mapping.flags = line.dropFirst("VmFlags:".count).split(separator: " ").map(String.init)
            } else if line.hasPrefix("Rss:") {
                mapping.residentBytes = try SmapsText.kilobytes(line, number: number)
            } else if line.hasPrefix("Shared_Hugetlb:") || line.hasPrefix("Private_Hugetlb:") {
                mapping.hugetlbBytes &+= try SmapsText.kilobytes(line, number: number)
            } else if line.hasPrefix("Swap:") {
                mapping.swapBytes = try SmapsText.kilobytes(line, number: number)
            } else {
                return
            }
            result[start] = mapping
        }
        return result
    }

    /// Why the kernel refuses MADV_PAGEOUT on this mapping, read from its flags; nil when no flag explains it.
    public var refusal: PageoutRefusal? { PageoutRefusal(vmFlags: flags) }
}
