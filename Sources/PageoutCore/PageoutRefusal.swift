/// Why the kernel will not page out a region's memory at all, in words an operator understands.
///
/// process_madvise(MADV_PAGEOUT) fails with EINVAL on a mapping that is VM_LOCKED (mlock, mlockall),
/// VM_HUGETLB or VM_PFNMAP (mm/madvise.c, `can_madv_lru_vma`): such memory never goes to swap, whatever the
/// daemon does. A region of such mappings is refused, said once, and not acted on until its VMM changes it.
public enum PageoutRefusal: Sendable, Hashable, CustomStringConvertible {
    /// The VMM locks guest RAM in memory (`mlock`, `mlockall`, QEMU `-overcommit mem-lock=on`).
    case locked
    /// Guest RAM is on hugetlbfs (a MFD_HUGETLB memfd, a file under a hugetlbfs mount).
    case hugetlb
    /// Guest RAM is a device's memory mapped by page frame (VM_PFNMAP or VM_IO): it is not page cache at all.
    case deviceMemory
    /// The kernel refused MADV_PAGEOUT (EINVAL) and no flag of the mapping says why; the flags are kept.
    case kernelRefused(flags: [String])

    /// The reason smaps `VmFlags:` give (`lo` mlocked, `ht` hugetlb, `pf` PFN map, `io` I/O memory), or nil.
    public init?(vmFlags: [String]) {
        if vmFlags.contains("lo") {
            self = .locked
        } else if vmFlags.contains("ht") {
            self = .hugetlb
        } else if vmFlags.contains("pf") || vmFlags.contains("io") {
            self = .deviceMemory
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .locked:
            "the VMM locks guest RAM in memory (mlock): nothing can be paged out while it stays locked"
        case .hugetlb:
            "guest RAM is hugetlbfs memory: huge TLB pages are never swapped, so nothing can be paged out"
        case .deviceMemory:
            "guest RAM is device memory mapped by page frame (VM_PFNMAP/VM_IO): nothing can be paged out"
        case .kernelRefused(let flags):
            "the kernel refuses to page out guest RAM (process_madvise MADV_PAGEOUT: EINVAL; mapping flags "
                + "\(flags.joined(separator: " "))): nothing can be paged out"
        }
    }
}
