/// One 64-bit entry of /proc/PID/pagemap (Documentation/admin-guide/mm/pagemap.rst).
///
/// For shmem, PRESENT says whether the page is mapped in *that process's* page table, and PM_SWAP is never
/// set for a swapped-out shmem page: reclaim clears the PTE and keeps the swap entry in the page cache, so a
/// swapped shmem page reads exactly like a hole here. The snapshot builder adds mincore and SEEK_DATA for that.
public struct PagemapEntry: Sendable, Hashable {
    /// The raw entry as the kernel wrote it.
    public var rawValue: UInt64

    /// The entry of the 8 bytes read from pagemap, in the machine's byte order.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Bit 63: the page is present in the process's page table.
    public var isPresent: Bool { rawValue & (1 << 63) != 0 }
    /// Bit 62: the page table holds a swap entry. Set for private anonymous memory, never for shmem.
    public var isSwapped: Bool { rawValue & (1 << 62) != 0 }
    /// Bit 61: the page is file-backed or shared anonymous (shmem pages have it when present).
    public var isFileOrSharedAnonymous: Bool { rawValue & (1 << 61) != 0 }
    /// Bit 57: the PTE is write-protected by userfaultfd.
    public var isUffdWriteProtected: Bool { rawValue & (1 << 57) != 0 }
    /// Bit 56: the page is mapped by this process only.
    public var isExclusivelyMapped: Bool { rawValue & (1 << 56) != 0 }
    /// Bit 55: the PTE is soft-dirty (only where the kernel has CONFIG_MEM_SOFT_DIRTY).
    public var isSoftDirty: Bool { rawValue & (1 << 55) != 0 }
    /// Bits 0-54: the page frame number of a present page; reads 0 without CAP_SYS_ADMIN.
    public var frameNumber: UInt64 { isPresent ? rawValue & ((1 << 55) - 1) : 0 }
}

/// The page categories PAGEMAP_SCAN reports (include/uapi/linux/fs.h, Linux 6.7).
///
/// A none PTE has no category at all, so PAGEMAP_SCAN cannot see shmem swap either: it is used for fast runs
/// of present pages only.
public struct PageCategories: OptionSet, Sendable, Hashable {
    /// The PAGE_IS_* bits, as the kernel fills `page_region.categories`.
    public let rawValue: UInt64
    /// The categories of the PAGE_IS_* bits in `rawValue`.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// PAGE_IS_WPALLOWED: the VMA allows asynchronous userfaultfd write-protect (a per-VMA category).
    public static let writeProtectAllowed = PageCategories(rawValue: 1 << 0)
    /// PAGE_IS_WRITTEN: a present or swapped page whose PTE is not userfaultfd write-protected.
    public static let written = PageCategories(rawValue: 1 << 1)
    /// PAGE_IS_FILE: file-backed or shmem.
    public static let file = PageCategories(rawValue: 1 << 2)
    /// PAGE_IS_PRESENT: mapped in the page table.
    public static let present = PageCategories(rawValue: 1 << 3)
    /// PAGE_IS_SWAPPED: a swap entry in the page table (never for shmem).
    public static let swapped = PageCategories(rawValue: 1 << 4)
    /// PAGE_IS_PFNZERO: mapped to the shared zero page.
    public static let pfnZero = PageCategories(rawValue: 1 << 5)
    /// PAGE_IS_HUGE: part of a huge mapping.
    public static let huge = PageCategories(rawValue: 1 << 6)
    /// PAGE_IS_SOFT_DIRTY.
    public static let softDirty = PageCategories(rawValue: 1 << 7)

    /// The categories both paths can report for one page: what the pread and PAGEMAP_SCAN paths are compared on.
    public static let comparable: PageCategories = [.present, .swapped, .file, .written]

    /// The `comparable` categories that a pagemap entry implies (fs/proc/task_mmu.c, pagemap_page_category).
    public init(entry: PagemapEntry) {
        var categories: PageCategories = []
        if entry.isPresent { categories.insert(.present) }
        if entry.isSwapped { categories.insert(.swapped) }
        if entry.isPresent && entry.isFileOrSharedAnonymous { categories.insert(.file) }
        if (entry.isPresent || entry.isSwapped) && !entry.isUffdWriteProtected { categories.insert(.written) }
        self = categories
    }
}
