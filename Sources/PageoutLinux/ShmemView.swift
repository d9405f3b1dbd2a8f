import CPageoutSys
import Glibc
import PageoutCore

/// The daemon's own read-only view of a VMM's shared memory: a PROT_READ, MAP_SHARED mapping of the file.
///
/// The view is never read. Its page table stays empty, so it costs no RSS and does not raise any page's mapcount
/// (MADV_PAGEOUT skips pages mapped by more than one process). `mincore` on it answers from the page cache
/// whether a page is resident, without faulting anything in or touching accessed bits. Only the deliberate skew
/// repair populates it, and only for pages mincore just reported resident.
public final class ShmemView: @unchecked Sendable {
    // @unchecked: the base address and length never change after init; the kernel calls made on the mapping
    // (mincore, madvise) are safe from any thread. The mapping is unmapped in deinit.

    /// The file the view maps.
    public let file: ShmemFile
    /// The first byte of the view.
    public let base: UnsafeMutableRawPointer
    /// The length of the view in bytes.
    public let length: Int
    /// The file offset the view starts at.
    public let fileOffset: UInt64
    /// The page size in bytes, which view page indexes count in.
    public let pageSize: Int

    /// Maps `length` bytes of `file` from `fileOffset`, PROT_READ and MAP_SHARED.
    public init(file: ShmemFile, fileOffset: UInt64, length: Int) throws(SystemCallError) {
        let address = try Syscalls.map(file.descriptor, offset: fileOffset, length: length, protection: PROT_READ,
                                       flags: MAP_SHARED, target: "\(file.path) length \(length)")
        self.file = file
        self.base = address
        self.length = length
        self.fileOffset = fileOffset
        self.pageSize = Syscalls.pageSize
    }

    deinit {
        Syscalls.unmap(base, length: length)
    }

    /// The number of pages the view covers.
    public var pageCount: Int { length / pageSize }

    /// Fills `residency[i]` with whether page `pages.lowerBound + i` of the view is in the page cache.
    ///
    /// `residency` must hold at least `pages.count` bytes. Only bit 0 of each byte carries the answer.
    public func residency(of pages: Range<Int>, into residency: UnsafeMutablePointer<UInt8>) throws(SystemCallError) {
        precondition(pages.lowerBound >= 0 && pages.upperBound <= pageCount, "pages outside the view")
        guard !pages.isEmpty else { return }
        try Syscalls.residency(of: base + pages.lowerBound * pageSize, length: pages.count * pageSize, into: residency,
                               target: "\(file.path) pages \(pages)")
    }

    /// Calls `body` with the runs of view pages `pages`, in order, each all resident (true) or all not (false),
    /// from mincore in chunks of at most `scratch.count` pages (a run is split where a chunk ends).
    func forEachResidencyRun(
        in pages: Range<Int>, scratch: UnsafeMutableBufferPointer<UInt8>, _ body: (Range<Int>, Bool) throws -> Void
    ) throws {
        var first = pages.lowerBound
        while first < pages.upperBound {
            let chunk = first..<min(first + scratch.count, pages.upperBound)
            try residency(of: chunk, into: scratch.baseAddress!)
            var index = 0
            while index < chunk.count {
                let resident = scratch[index] & 1 != 0
                var end = index + 1
                while end < chunk.count, (scratch[end] & 1 != 0) == resident { end += 1 }
                try body((chunk.lowerBound + index)..<(chunk.lowerBound + end), resident)
                index = end
            }
            first = chunk.upperBound
        }
    }

    /// Pages `pages` of the view out to swap: MADV_POPULATE_READ, then MADV_PAGEOUT, then MADV_DONTNEED.
    ///
    /// The populate maps the resident pages into the view without reading them from swap (callers pass only
    /// pages mincore reported resident: populating a swapped page would swap it in). MADV_PAGEOUT then reclaims
    /// the pages that only the view maps; pages the VMM maps too (mapcount 2) are skipped by the kernel, and
    /// MADV_DONTNEED drops the view's mappings of those, so the view never keeps a page mapped (that would block
    /// later process_madvise pageouts through the VMM).
    ///
    /// The populate's read faults also map resident neighbours outside `pages` (fault-around: 16 pages by
    /// default, at most the page table the fault is in), so the DONTNEED covers every page table `pages` touches.
    public func pageOut(_ pages: Range<Int>) throws(SystemCallError) {
        precondition(pages.lowerBound >= 0 && pages.upperBound <= pageCount, "pages outside the view")
        guard !pages.isEmpty else { return }
        let start = base + pages.lowerBound * pageSize
        let length = pages.count * pageSize
        let target = "\(file.path) pages \(pages)"
        defer {
            // MADV_DONTNEED on a mapping of our own cannot fail; were it to, the next pageout repeats it.
            let reach = faultAroundReach(of: pages)
            try? Syscalls.advise(base + reach.lowerBound * pageSize, length: reach.count * pageSize,
                                 advice: MADV_DONTNEED, adviceName: "MADV_DONTNEED", target: target)
        }
        try Syscalls.advise(start, length: length, advice: MADV_POPULATE_READ, adviceName: "MADV_POPULATE_READ",
                            target: target)
        try Syscalls.advise(start, length: length, advice: MADV_PAGEOUT, adviceName: "MADV_PAGEOUT", target: target)
    }

    /// Reads swapped pages `pages` of the view into the swap cache (MADV_WILLNEED on shmem): not mapped anywhere,
    /// so a later fault on them is a minor one.
    public func prefetch(_ pages: Range<Int>) throws(SystemCallError) {
        precondition(pages.lowerBound >= 0 && pages.upperBound <= pageCount, "pages outside the view")
        guard !pages.isEmpty else { return }
        try Syscalls.advise(base + pages.lowerBound * pageSize, length: pages.count * pageSize,
                            advice: MADV_WILLNEED, adviceName: "MADV_WILLNEED", target: "\(file.path) pages \(pages)")
    }

    /// The view's pages that faults on `pages` may map: `pages` widened to the page tables holding them (a page
    /// table maps pageSize / 8 pages: 2 MiB with 4 KiB pages), within the view.
    func faultAroundReach(of pages: Range<Int>) -> Range<Int> {
        let span = UInt(pageSize / 8 * pageSize)
        let first = UInt(bitPattern: base) + UInt(pages.lowerBound * pageSize)
        let last = UInt(bitPattern: base) + UInt(pages.upperBound * pageSize)
        let low = max(first & ~(span - 1), UInt(bitPattern: base))
        let high = min((last + span - 1) & ~(span - 1), UInt(bitPattern: base) + UInt(length))
        return Int(low - UInt(bitPattern: base)) / pageSize..<Int(high - UInt(bitPattern: base)) / pageSize
    }
}
