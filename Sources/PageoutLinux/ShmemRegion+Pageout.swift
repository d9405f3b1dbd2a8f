import PageoutCore

extension ShmemRegion {
    /// The most pages one repair step populates in the daemon's view: 2 MiB with 4 KiB pages.
    public static let repairStepPages = 512

    /// Pages out region pages `pages` that the VMM maps, with process_madvise through the pidfd.
    ///
    /// - Returns: the bytes the kernel advised (not what it reclaimed: verify with a snapshot or cachestat).
    @discardableResult
    public func pageOutMapped(_ pages: [Range<Int>]) throws -> UInt64 {
        var ranges: [AddressRange] = []
        for run in pages {
            layout.forEachAddressRange(of: run) { ranges.append($0) }
        }
        return try process.pageOut(ranges)
    }

    /// Puts resident pages that the VMM does not map back into swap, through the daemon's own view (skew repair).
    ///
    /// Such pages were read by another process (a backup, a migration helper) after they had been swapped out,
    /// or they were holes that a reader filled with zeros. They have no PTE in the VMM, so process_madvise
    /// cannot reach them. Each candidate run is checked with mincore first and only its resident pages are
    /// populated into the view and paged out (populating a swapped page would read it back from swap).
    /// Zero-filled pages become holes again: the kernel drops them instead of writing them to swap.
    ///
    /// The view maps at most ``repairStepPages`` at a time: a populated page counts in the daemon's RSS
    /// (RssShmem) until MADV_PAGEOUT reclaims it, so a large run would lift the daemon's peak RSS by its size.
    ///
    /// - Returns: the number of pages handed to MADV_PAGEOUT.
    @discardableResult
    public func repairResidentUnmapped(_ pages: [Range<Int>]) throws -> Int {
        var kept = PageBitmap(count: layout.pageCount)
        return try repairResidentUnmapped(pages, kept: &kept)
    }

    /// `repairResidentUnmapped(_:)`, also marking in `kept` the pages still resident after their pageout: the
    /// kernel skips a page another process maps (a vhost-user backend's buffer), and reclaim may fail to write a
    /// page out. Costs one more mincore per step.
    public func repairResidentUnmapped(_ pages: [Range<Int>], kept: inout PageBitmap) throws -> Int {
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 32_768)
        defer { scratch.deallocate() }
        var repaired = 0
        for run in pages {
            try layout.forEachSegmentPart(of: run) { index, segment, part in
                let view = views[index]
                var residentRuns: [Range<Int>] = []
                try view.forEachResidencyRun(in: part, scratch: scratch) { pages, resident in
                    if resident { residentRuns.append(pages) }
                }
                for pages in residentRuns {
                    for step in stride(from: pages.lowerBound, to: pages.upperBound, by: Self.repairStepPages) {
                        let stepPages = step..<min(step + Self.repairStepPages, pages.upperBound)
                        try view.pageOut(stepPages)
                        repaired += stepPages.count
                        try view.forEachResidencyRun(in: stepPages, scratch: scratch) { left, resident in
                            guard resident else { return }
                            kept.set((segment.firstPage + left.lowerBound)..<(segment.firstPage + left.upperBound))
                        }
                    }
                }
            }
        }
        return repaired
    }

    /// Reads region pages `pages` into the swap cache through the daemon's views.
    public func prefetch(_ pages: [Range<Int>]) throws {
        for run in pages {
            try layout.forEachSegmentPart(of: run) { index, _, part in try views[index].prefetch(part) }
        }
    }
}
