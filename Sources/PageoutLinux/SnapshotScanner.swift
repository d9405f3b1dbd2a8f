import CPageoutSys
import PageoutCore

/// How the scanner learns which pages the VMM maps.
public enum PagemapMethod: String, Sendable, CaseIterable {
    /// The PAGEMAP_SCAN ioctl (Linux 6.7+): runs of present pages, no per-page output.
    case scanIoctl = "pagemap-scan"
    /// pread of 8 bytes per page from /proc/PID/pagemap: works on every kernel.
    case pread
}

/// Builds `PageSnapshot`s of one region without touching any of its pages.
///
/// 1. Which pages the VMM maps: its pagemap, in slices of at most `slicePages` pages.
/// 2. For each VMA, three counts the kernel keeps anyway: pages allocated to the file (fstat st_blocks: for
///    shmem that includes swapped pages), pages of it in swap (the `Swap:` line of the daemon's own view in
///    /proc/self/smaps, which the kernel takes from the shmem inode) and the mapped pages just read. When
///    allocated = mapped + swapped, no page is resident without being mapped, so every allocated unmapped page
///    is in swap, and only holes need locating (SEEK_DATA/SEEK_HOLE, skipped when the file has none).
/// 3. Otherwise (a foreign reader left pages resident, or the counts moved while they were read) each unmapped
///    page is looked up: mincore on the daemon's untouched view, then SEEK_DATA for the non-resident ones.
///
/// Step 3 looks every swapped page up in the swap cache (mincore and cachestat alike), so it costs several times
/// what steps 1 and 2 do (README.md, Benchmarks). None of these reads faults a page in or sets an accessed bit,
/// so scanning never skews reclaim.
public final class SnapshotScanner {
    /// The region scanned.
    public let region: ShmemRegion
    /// The pagemap method in use (PAGEMAP_SCAN falls back to pread when the kernel refuses it).
    public private(set) var method: PagemapMethod
    /// The most pages one slice covers.
    public let slicePages: Int
    /// How the last snapshot classified each VMA: by counts, or page by page.
    public private(set) var lastPaths: [SnapshotPath] = []
    /// Classify every VMA page by page even when the counts would do (to cross-check and to benchmark).
    public var alwaysPageByPage = false

    /// The buffers of the operation under way; nil between operations, so that a daemon watching many regions
    /// holds one region's buffers at a time (they are 300 KiB at the default slice), not one set per region.
    private var scratch: SnapshotScratch?

    /// A scanner of `region` reading pagemap `slicePages` pages at a time (its buffers are sized by it); `method`
    /// nil picks PAGEMAP_SCAN where the kernel has it.
    public init(region: ShmemRegion, method: PagemapMethod? = nil, slicePages: Int = 32_768) {
        precondition(slicePages > 0, "a slice has at least one page")
        self.region = region
        self.slicePages = slicePages
        let probeAddress = region.layout.segments.first?.addresses.start ?? 0
        self.method = method ?? (region.pagemap.supportsScan(at: probeAddress) ? .scanIoctl : .pread)
    }

    /// The buffers of the operation under way, allocated at its first need.
    private var buffers: SnapshotScratch {
        if let scratch { return scratch }
        let made = SnapshotScratch(slicePages: slicePages)
        scratch = made
        return made
    }

    /// The state of every page of the region now. `ownSwap`: where the `Swap:` figures of the daemon's views
    /// come from when several snapshots share one read of its smaps (nil: read for this snapshot alone).
    ///
    /// - Throws: `ProcessExited` if the VMM exits while it is scanned; `SystemCallError` for other failures.
    public func snapshot(ownSwap: OwnSwapSource? = nil) throws -> PageSnapshot {
        defer { scratch = nil }
        var snapshot = PageSnapshot(layout: region.layout)
        try forEachMappedRun(in: 0..<region.layout.pageCount) { snapshot.record(.mapped, pages: $0) }
        var swap = try ownSwap?.swapBytes(readingAgain: false)
            ?? (try region.process.procfs.ownSwapBytes(mappingsStartingAt: viewStarts))
        var mayReadAgain = ownSwap  // shared figures are read again once, at the first disagreement
        var paths: [SnapshotPath] = []
        for index in region.layout.segments.indices {
            let view = region.views[index]
            let pages = region.layout.pages(ofSegment: index)
            let start = UInt64(UInt(bitPattern: view.base))
            var byCounts = try !alwaysPageByPage
                && classifyByCounts(pages, view: view, swappedBytes: swap[start], into: &snapshot)
            if !byCounts, !alwaysPageByPage, let shared = mayReadAgain {
                // Shared figures that disagree may just be older than this snapshot's pagemap: read them now.
                swap = try shared.swapBytes(readingAgain: true)
                mayReadAgain = nil
                byCounts = try classifyByCounts(pages, view: view, swappedBytes: swap[start], into: &snapshot)
            }
            if byCounts {
                paths.append(.counts)
            } else {
                try classifyPageByPage(pages, view: view, into: &snapshot)
                paths.append(.pageByPage)
            }
        }
        lastPaths = paths
        try region.process.checkAlive(during: "taking a snapshot")
        return snapshot
    }

    /// Which pages of the region the VMM maps now, and which of `pending` that it does not map are resident:
    /// step 1 of `snapshot(ownSwap:)`, then mincore for `pending` alone, so every other unmapped page reads as a
    /// hole. The look of an open migration window, taken many times a second while the migration runs: it needs
    /// what the VMM's migration thread brought in (its reads map the pages in the VMM) and whether the pages it
    /// put back (`pending`) are out of memory yet. Telling every unmapped page resident, swapped or a hole is
    /// what makes a snapshot cost: after a repair the kernel's counts disagree until the swap cache drains, and
    /// every unmapped page is looked up.
    ///
    /// - Throws: `ProcessExited` if the VMM exits while it is read; `SystemCallError` for other failures.
    public func mappedSnapshot(residencyOf pending: PageBitmap) throws -> PageSnapshot {
        precondition(pending.count == region.layout.pageCount, "pages of another layout")
        defer { scratch = nil }
        var snapshot = PageSnapshot(layout: region.layout)
        try forEachMappedRun(in: 0..<region.layout.pageCount) { snapshot.record(.mapped, pages: $0) }
        var unmapped = pending
        unmapped.subtract(snapshot.mapped)
        try forEachResidentRun(of: unmapped) { snapshot.record(.residentUnmapped, pages: $0) }
        try region.process.checkAlive(during: "reading pagemap")
        return snapshot
    }

    /// Which of `pages` are in memory (the page cache or the swap cache), from mincore on the daemon's views: the
    /// look that tells a prefetched page still waiting in the swap cache from one reclaim dropped since. The
    /// kernel's counts cannot: the file keeps the page's swap entry either way (docs/KERNEL-NOTES.md, "Prefetched
    /// shmem pages"). The cost follows the pages asked about.
    public func resident(among pages: PageBitmap) throws -> PageBitmap {
        precondition(pages.count == region.layout.pageCount, "pages of another layout")
        defer { scratch = nil }
        var resident = PageBitmap(count: region.layout.pageCount)
        try forEachResidentRun(of: pages) { resident.set($0) }
        return resident
    }

    /// Calls `body` with the runs of `pages` (region page indexes) that are in memory, from mincore on the views.
    private func forEachResidentRun(of pages: PageBitmap, _ body: (Range<Int>) -> Void) throws {
        for index in region.layout.segments.indices {
            try forEachResidencyRun(of: pages, in: region.layout.pages(ofSegment: index),
                                    view: region.views[index]) { run, resident in
                if resident { body(run) }
            }
        }
    }

    /// The start addresses of the daemon's own views of the region, as its smaps names them.
    public var viewStarts: Set<UInt64> { Set(region.views.map { UInt64(UInt(bitPattern: $0.base)) }) }

    /// The cheap look at a quiet region between its scans: the region's files' swapped bytes, from `ownSwap`
    /// (the daemon's smaps read once for every region of a round), and allocated bytes (one fstat per file). No
    /// page table is walked.
    public func look(ownSwap: [UInt64: UInt64]) throws -> ScanPacing.Look {
        var look = ScanPacing.Look(swappedBytes: 0, allocatedBytes: 0)
        for view in region.views {
            look.swappedBytes &+= ownSwap[UInt64(UInt(bitPattern: view.base))] ?? 0
            look.allocatedBytes &+= try view.file.sizes().allocated
        }
        return look
    }

    /// Which pages among `runs` (region page indexes, in order) the VMM maps now, and which of those another
    /// process maps too: the cheap look right after a pageout that tells a very hot page (back within moments)
    /// from the rest, and a page the kernel skipped because it is shared from both.
    public func mappedPages(among runs: [Range<Int>]) throws -> PagemapLook {
        var wanted = PageBitmap(count: region.layout.pageCount)
        for run in runs { wanted.set(run) }
        return try look(at: wanted)
    }

    /// Which of `pages` the VMM maps now, and which of those another process maps too, from pagemap entries
    /// (pread: PAGEMAP_SCAN has no category for bit 56). Runs of `pages` less than a block apart are read in one
    /// go, so the cost follows the pages asked about, not the region.
    ///
    /// Bit 56 (PM_MMAP_EXCLUSIVE) is set when the page's mapcount is 1: a shmem page that a vhost-user backend
    /// maps as well has it clear in the VMM's pagemap, and MADV_PAGEOUT skips it (mm/madvise.c leaves folios
    /// mapped by more than one process alone).
    public func look(at pages: PageBitmap) throws -> PagemapLook {
        defer { scratch = nil }
        var result = PagemapLook(mapped: PageBitmap(count: region.layout.pageCount),
                                 shared: PageBitmap(count: region.layout.pageCount))
        var spans: [Range<Int>] = []
        pages.forEachRun { run in
            if let last = spans.last, run.lowerBound - last.upperBound < 512 {
                spans[spans.count - 1] = last.lowerBound..<run.upperBound
            } else {
                spans.append(run)
            }
        }
        for span in spans {
            try forEachEntry(in: span) { page, entry in
                guard entry.isPresent else { return }
                result.mapped.set(page..<(page + 1))
                if !entry.isExclusivelyMapped { result.shared.set(page..<(page + 1)) }
            }
        }
        try region.process.checkAlive(during: "re-reading pagemap")
        result.mapped.formIntersection(pages)
        result.shared.formIntersection(pages)
        return result
    }

    /// Calls `body` with each region page of `pages` and its pagemap entry, read one slice at a time.
    private func forEachEntry(in pages: Range<Int>, _ body: (Int, PagemapEntry) -> Void) throws {
        let pageSize = UInt64(region.layout.pageSize)
        try region.layout.forEachSegmentPart(of: pages) { _, segment, part in
            var first = part.lowerBound
            while first < part.upperBound {
                let slice = first..<min(first + slicePages, part.upperBound)
                let buffer = UnsafeMutableBufferPointer(rebasing: buffers.entries[0..<slice.count])
                try region.pagemap.readEntries(from: segment.addresses.start + UInt64(slice.lowerBound) * pageSize,
                                               into: buffer)
                for index in 0..<slice.count {
                    body(segment.firstPage + slice.lowerBound + index, PagemapEntry(rawValue: buffer[index]))
                }
                first = slice.upperBound
            }
        }
    }

    /// Classifies the unmapped pages of `pages` (one VMA) from the kernel's counts, if they show no page is
    /// resident without being mapped; returns false when they do not (or cannot, for a partial view).
    private func classifyByCounts(_ pages: Range<Int>, view: ShmemView, swappedBytes: UInt64?,
                                  into snapshot: inout PageSnapshot) throws -> Bool {
        let pageSize = UInt64(region.layout.pageSize)
        let sizes = try view.file.sizes()
        guard let swappedBytes, view.fileOffset == 0, UInt64(view.length) >= sizes.size else { return false }
        let allocated = Int(sizes.allocated / pageSize)
        let mapped = snapshot.mapped.setCount(in: pages)
        guard allocated == mapped + Int(swappedBytes / pageSize) else { return false }
        var unmapped = PageBitmap(count: snapshot.layout.pageCount)
        unmapped.set(pages)
        unmapped.subtract(snapshot.mapped)
        if allocated < pages.count {
            // Holes exist: only the allocated unmapped pages are in swap.
            unmapped.formIntersection(try allocatedPages(pages, view: view))
        }
        unmapped.forEachRun(in: pages) { snapshot.record(.swapped, pages: $0) }
        return true
    }

    /// Classifies the unmapped pages of `pages` (one VMA) one by one: mincore, then SEEK_DATA for the rest.
    private func classifyPageByPage(_ pages: Range<Int>, view: ShmemView, into snapshot: inout PageSnapshot) throws {
        var unresolved = PageBitmap(count: snapshot.layout.pageCount)
        var unmapped = PageBitmap(count: snapshot.layout.pageCount)
        unmapped.set(pages)
        unmapped.subtract(snapshot.mapped)
        try forEachResidencyRun(of: unmapped, in: pages, view: view) { run, resident in
            if resident {
                snapshot.record(.residentUnmapped, pages: run)
            } else {
                unresolved.set(run)
            }
        }
        guard unresolved.setCount(in: pages) > 0 else { return }
        let sizes = try view.file.sizes()
        if sizes.allocated < sizes.size {
            // The file has holes: only the allocated pages among the non-resident ones are in swap.
            unresolved.formIntersection(try allocatedPages(pages, view: view))
        }
        unresolved.forEachRun(in: pages) { snapshot.record(.swapped, pages: $0) }
    }

    /// Calls `body` with the runs of the pages of `selected` in `pages` (one VMA, seen through `view`), each all
    /// resident (true) or all not (false), from mincore on the daemon's view.
    private func forEachResidencyRun(of selected: PageBitmap, in pages: Range<Int>, view: ShmemView,
                                     _ body: (Range<Int>, Bool) throws -> Void) throws {
        try selected.forEachRun(in: pages) { run in
            let local = (run.lowerBound - pages.lowerBound)..<(run.upperBound - pages.lowerBound)
            try view.forEachResidencyRun(in: local, scratch: buffers.residency) { part, resident in
                try body((part.lowerBound + pages.lowerBound)..<(part.upperBound + pages.lowerBound), resident)
            }
        }
    }

    /// The allocated pages of `pages` (one VMA), from one forward pass of SEEK_DATA/SEEK_HOLE over its file range.
    private func allocatedPages(_ pages: Range<Int>, view: ShmemView) throws -> PageBitmap {
        let pageSize = UInt64(region.layout.pageSize)
        var allocated = PageBitmap(count: region.layout.pageCount)
        let offsets = view.fileOffset..<(view.fileOffset + UInt64(view.length))
        try view.file.forEachDataExtent(in: offsets) { extent in
            let first = Int((extent.lowerBound - view.fileOffset) / pageSize)
            let last = Int((extent.upperBound - view.fileOffset + pageSize - 1) / pageSize)
            allocated.set((pages.lowerBound + first)..<(pages.lowerBound + last))
        }
        return allocated
    }

    /// Calls `body` with the runs of region pages `pages` that the VMM maps, in order, reading pagemap one slice of
    /// at most `slicePages` pages at a time (a run is split where a slice or a segment ends).
    private func forEachMappedRun(in pages: Range<Int>, _ body: (Range<Int>) throws -> Void) throws {
        try region.layout.forEachSegmentPart(of: pages) { _, segment, part in
            var first = part.lowerBound
            while first < part.upperBound {
                let slice = first..<min(first + slicePages, part.upperBound)
                try forEachMappedRun(in: slice, of: segment) {
                    try body(($0.lowerBound + segment.firstPage)..<($0.upperBound + segment.firstPage))
                }
                first = slice.upperBound
            }
        }
    }

    /// Calls `body` with the runs of pages of `slice` (segment page indexes) that the VMM maps, in order.
    private func forEachMappedRun(in slice: Range<Int>, of segment: RegionSegment,
                                  _ body: (Range<Int>) throws -> Void) throws {
        let pageSize = UInt64(region.layout.pageSize)
        let start = segment.addresses.start + UInt64(slice.lowerBound) * pageSize
        if method == .scanIoctl {
            do {
                let range = AddressRange(start: start, end: start + UInt64(slice.count) * pageSize)
                try region.pagemap.scan(range, required: .present, reported: .present, buffer: buffers.runs) { run in
                    let first = Int((run.addresses.start - start) / pageSize) + slice.lowerBound
                    let last = Int((run.addresses.end - start) / pageSize) + slice.lowerBound
                    try body(first..<last)
                }
                return
            } catch is PagemapScanUnsupported {
                method = .pread
            }
        }
        let buffer = UnsafeMutableBufferPointer(rebasing: buffers.entries[0..<slice.count])
        try region.pagemap.readEntries(from: start, into: buffer)
        var runStart: Int?
        for index in 0..<slice.count {
            let present = buffer[index] & (1 << 63) != 0
            if present, runStart == nil { runStart = index }
            if !present, let open = runStart {
                try body((open + slice.lowerBound)..<(index + slice.lowerBound))
                runStart = nil
            }
        }
        if let open = runStart { try body((open + slice.lowerBound)..<slice.upperBound) }
    }
}

/// The buffers a snapshot reads pagemap and mincore into, one slice at a time.
final class SnapshotScratch {
    let entries: UnsafeMutableBufferPointer<UInt64>
    let runs: UnsafeMutableBufferPointer<pageout_page_region>
    let residency: UnsafeMutableBufferPointer<UInt8>

    init(slicePages: Int) {
        entries = .allocate(capacity: slicePages)
        runs = .allocate(capacity: 512)
        residency = .allocate(capacity: slicePages)
    }

    deinit {
        entries.deallocate()
        runs.deallocate()
        residency.deallocate()
    }
}

/// What a look at some pages' pagemap entries found.
public struct PagemapLook: Sendable {
    /// The pages the VMM maps.
    public var mapped: PageBitmap
    /// Of those, the pages another process maps too.
    public var shared: PageBitmap
}

/// How a snapshot classified a VMA's unmapped pages.
public enum SnapshotPath: String, Sendable, Hashable {
    /// From the kernel's counts (allocated = mapped + swapped): no per-page lookup.
    case counts
    /// Page by page (mincore, SEEK_DATA): some page was resident without being mapped.
    case pageByPage = "page-by-page"
}
