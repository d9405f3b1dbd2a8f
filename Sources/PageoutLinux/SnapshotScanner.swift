import CPageoutSys
import Glibc
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
/// Per slice of at most `slicePages` pages: which pages the VMM maps (pagemap); for the rest, which are in the
/// page cache (mincore on the daemon's untouched view); for the rest of those, which are allocated (SEEK_DATA):
/// allocated and not resident is swapped. None of these reads faults a page in or sets an accessed bit, so
/// scanning never skews reclaim. Buffers are sized by the slice, so a 64 GiB region needs no huge buffer.
public final class SnapshotScanner {
    /// The region scanned.
    public let region: ShmemRegion
    /// The pagemap method in use (PAGEMAP_SCAN falls back to pread when the kernel refuses it).
    public private(set) var method: PagemapMethod
    /// The most pages one slice covers.
    public let slicePages: Int

    private let entries: UnsafeMutableBufferPointer<UInt64>
    private let runs: UnsafeMutableBufferPointer<pageout_page_region>
    private let residency: UnsafeMutableBufferPointer<UInt8>

    /// Creates a scanner; `method` nil picks PAGEMAP_SCAN where the kernel has it.
    public init(region: ShmemRegion, method: PagemapMethod? = nil, slicePages: Int = 32_768) {
        precondition(slicePages > 0, "a slice has at least one page")
        self.region = region
        self.slicePages = slicePages
        let probeAddress = region.layout.segments.first?.addresses.start ?? 0
        self.method = method ?? (region.pagemap.supportsScan(at: probeAddress) ? .scanIoctl : .pread)
        entries = .allocate(capacity: slicePages)
        runs = .allocate(capacity: 512)
        residency = .allocate(capacity: slicePages)
    }

    deinit {
        entries.deallocate()
        runs.deallocate()
        residency.deallocate()
    }

    /// The state of every page of the region now.
    ///
    /// - Throws: `ProcessExited` if the VMM exits while it is scanned; `SystemCallError` for other failures.
    public func snapshot() throws -> PageSnapshot {
        var snapshot = PageSnapshot(layout: region.layout)
        for (index, segment) in region.layout.segments.enumerated() {
            let pages = region.layout.pageCount(ofSegment: index)
            var first = 0
            while first < pages {
                let slice = first..<min(first + slicePages, pages)
                try scanSlice(slice, of: segment, view: region.views[index], into: &snapshot)
                first = slice.upperBound
            }
        }
        try region.process.checkAlive(during: "taking a snapshot")
        return snapshot
    }

    /// Records the states of `slice` (segment page indexes) of `segment`.
    private func scanSlice(_ slice: Range<Int>, of segment: RegionSegment, view: ShmemView,
                           into snapshot: inout PageSnapshot) throws {
        let regionOffset = segment.firstPage
        var unmappedFrom = slice.lowerBound
        try forEachMappedRun(in: slice, of: segment) { mapped in
            snapshot.record(.mapped, pages: (mapped.lowerBound + regionOffset)..<(mapped.upperBound + regionOffset))
            try classifyUnmapped(unmappedFrom..<mapped.lowerBound, view: view, regionOffset: regionOffset,
                                 into: &snapshot)
            unmappedFrom = mapped.upperBound
        }
        try classifyUnmapped(unmappedFrom..<slice.upperBound, view: view, regionOffset: regionOffset, into: &snapshot)
    }

    /// Calls `body` with the runs of pages of `slice` that the VMM maps, in order.
    private func forEachMappedRun(in slice: Range<Int>, of segment: RegionSegment,
                                  _ body: (Range<Int>) throws -> Void) throws {
        let pageSize = UInt64(region.layout.pageSize)
        let start = segment.addresses.start + UInt64(slice.lowerBound) * pageSize
        if method == .scanIoctl {
            do {
                let range = AddressRange(start: start, end: start + UInt64(slice.count) * pageSize)
                var pending: Range<Int>?
                try region.pagemap.scan(range, required: .present, reported: .present, buffer: runs) { run in
                    let pages = Int((run.addresses.start - start) / pageSize)..<Int((run.addresses.end - start) / pageSize)
                    let shifted = (pages.lowerBound + slice.lowerBound)..<(pages.upperBound + slice.lowerBound)
                    // Runs from consecutive ioctl calls can abut: merge them so every gap is a real gap.
                    if let open = pending, open.upperBound == shifted.lowerBound {
                        pending = open.lowerBound..<shifted.upperBound
                    } else {
                        if let open = pending { try body(open) }
                        pending = shifted
                    }
                }
                if let open = pending { try body(open) }
                return
            } catch is PagemapScanUnsupported {
                method = .pread
            }
        }
        let buffer = UnsafeMutableBufferPointer(rebasing: entries[0..<slice.count])
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

    /// Splits `pages` (segment page indexes, none mapped in the VMM) into resident, swapped and holes.
    private func classifyUnmapped(_ pages: Range<Int>, view: ShmemView, regionOffset: Int,
                                  into snapshot: inout PageSnapshot) throws {
        guard !pages.isEmpty else { return }
        try view.residency(of: pages, into: residency.baseAddress!)
        var index = 0
        while index < pages.count {
            let resident = residency[index] & 1 != 0
            var end = index + 1
            while end < pages.count, (residency[end] & 1 != 0) == resident { end += 1 }
            let run = (pages.lowerBound + index)..<(pages.lowerBound + end)
            if resident {
                snapshot.record(.residentUnmapped, pages: (run.lowerBound + regionOffset)..<(run.upperBound + regionOffset))
            } else {
                try recordSwapped(in: run, view: view, regionOffset: regionOffset, into: &snapshot)
            }
            index = end
        }
    }

    /// Records as swapped the allocated pages of `run` (segment page indexes, none resident); the rest are holes.
    private func recordSwapped(in run: Range<Int>, view: ShmemView, regionOffset: Int,
                               into snapshot: inout PageSnapshot) throws {
        let pageSize = UInt64(region.layout.pageSize)
        let offsets = (view.fileOffset + UInt64(run.lowerBound) * pageSize)..<(view.fileOffset + UInt64(run.upperBound) * pageSize)
        try view.file.forEachDataExtent(in: offsets) { extent in
            let first = Int((extent.lowerBound - view.fileOffset) / pageSize)
            let last = Int((extent.upperBound - view.fileOffset + pageSize - 1) / pageSize)
            snapshot.record(.swapped, pages: (first + regionOffset)..<(last + regionOffset))
        }
    }
}
