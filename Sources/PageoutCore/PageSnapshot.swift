/// One contiguous piece of a region: a VMA of the VMM, and where it sits in the shared-memory file.
public struct RegionSegment: Sendable, Hashable {
    /// The VMA's address range in the VMM.
    public var addresses: AddressRange
    /// The byte offset in the memfd or /dev/shm file where the VMA starts.
    public var fileOffset: UInt64
    /// The index of the segment's first page among all pages of the region.
    public var firstPage: Int

    /// Creates a segment; `firstPage` is the number of pages of the region's earlier segments.
    public init(addresses: AddressRange, fileOffset: UInt64, firstPage: Int) {
        self.addresses = addresses
        self.fileOffset = fileOffset
        self.firstPage = firstPage
    }
}

/// The page layout of a region: its segments in address order, and the page size.
///
/// Pages are numbered across segments: page `i` of the region is page `i - firstPage` of the segment holding it.
public struct RegionLayout: Sendable, Hashable {
    /// The segments, in address order.
    public let segments: [RegionSegment]
    /// The page size in bytes, a power of two (the kernel's base page size, 4096 on x86-64).
    public let pageSize: Int
    /// The pages of all segments together: the length of every bitmap of this region.
    public let pageCount: Int

    /// Lays out VMAs (`addresses` with their file offsets) in the order given, which must be address order.
    public init(mappings: [(addresses: AddressRange, fileOffset: UInt64)], pageSize: Int) {
        precondition(pageSize > 0 && pageSize & (pageSize - 1) == 0, "page size must be a power of two")
        var segments: [RegionSegment] = []
        var pages = 0
        for mapping in mappings {
            let addresses = mapping.addresses
            precondition(addresses.start % UInt64(pageSize) == 0 && addresses.end % UInt64(pageSize) == 0)
            segments.append(RegionSegment(addresses: addresses, fileOffset: mapping.fileOffset, firstPage: pages))
            pages += Int(mapping.addresses.byteCount / UInt64(pageSize))
        }
        self.segments = segments
        self.pageSize = pageSize
        self.pageCount = pages
    }

    /// The number of pages of segment `index`.
    public func pageCount(ofSegment index: Int) -> Int {
        Int(segments[index].addresses.byteCount / UInt64(pageSize))
    }

    /// Calls `body` with the address ranges of region pages `pages`, split at segment boundaries.
    public func forEachAddressRange(of pages: Range<Int>, _ body: (AddressRange) throws -> Void) rethrows {
        for (index, segment) in segments.enumerated() {
            let segmentPages = segment.firstPage..<(segment.firstPage + pageCount(ofSegment: index))
            let overlap = pages.clamped(to: segmentPages)
            guard !overlap.isEmpty else { continue }
            let start = segment.addresses.start + UInt64(overlap.lowerBound - segment.firstPage) * UInt64(pageSize)
            try body(AddressRange(start: start, end: start + UInt64(overlap.count) * UInt64(pageSize)))
        }
    }
}

/// The state of every page of a region at one moment, as three disjoint bitmaps (holes are the pages in none).
public struct PageSnapshot: Sendable, Equatable {
    /// The layout that the three bitmaps index.
    public let layout: RegionLayout
    /// Pages mapped in the VMM.
    public private(set) var mapped: PageBitmap
    /// Pages in the page cache that the VMM does not map.
    public private(set) var residentUnmapped: PageBitmap
    /// Pages allocated but not in the page cache: in swap.
    public private(set) var swapped: PageBitmap

    /// An all-hole snapshot of `layout`, to be filled in by `record(_:pages:)`.
    public init(layout: RegionLayout) {
        self.layout = layout
        self.mapped = PageBitmap(count: layout.pageCount)
        self.residentUnmapped = PageBitmap(count: layout.pageCount)
        self.swapped = PageBitmap(count: layout.pageCount)
    }

    /// The bytes the three bitmaps hold.
    public var storageBytes: Int { mapped.storageBytes + residentUnmapped.storageBytes + swapped.storageBytes }

    /// Records that `pages` are in `state`. Pages start as holes; each page is recorded at most once.
    public mutating func record(_ state: PageState, pages: Range<Int>) {
        switch state {
        case .hole: break
        case .mapped: mapped.set(pages)
        case .residentUnmapped: residentUnmapped.set(pages)
        case .swapped: swapped.set(pages)
        }
    }

    /// The state of page `index`.
    public func state(ofPage index: Int) -> PageState {
        if mapped[index] { return .mapped }
        if residentUnmapped[index] { return .residentUnmapped }
        if swapped[index] { return .swapped }
        return .hole
    }

    /// The bitmap of pages in `state` (for holes, computed).
    public func pages(in state: PageState) -> PageBitmap {
        switch state {
        case .mapped: return mapped
        case .residentUnmapped: return residentUnmapped
        case .swapped: return swapped
        case .hole:
            var holes = PageBitmap(count: layout.pageCount)
            holes.set(0..<layout.pageCount)
            holes.subtract(mapped)
            holes.subtract(residentUnmapped)
            holes.subtract(swapped)
            return holes
        }
    }

    /// How many pages are in each state.
    public var counts: PageStateCounts {
        let mapped = mapped.setCount
        let resident = residentUnmapped.setCount
        let swapped = swapped.setCount
        return PageStateCounts(
            hole: layout.pageCount - mapped - resident - swapped,
            mapped: mapped, residentUnmapped: resident, swapped: swapped)
    }

    /// The coalesced address ranges of the pages in `state`, split at segment boundaries.
    public func addressRanges(in state: PageState) -> [AddressRange] {
        var ranges: [AddressRange] = []
        pages(in: state).forEachRun { run in
            layout.forEachAddressRange(of: run) { ranges.append($0) }
        }
        return ranges
    }
}

/// How many of a region's pages are in each `PageState`.
public struct PageStateCounts: Sendable, Hashable, CustomStringConvertible {
    /// Pages with neither a page nor a swap entry behind them (never written, or punched back to a hole).
    public var hole: Int
    /// Pages mapped in the VMM's page table.
    public var mapped: Int
    /// Pages in the page cache that the VMM does not map.
    public var residentUnmapped: Int
    /// Pages whose data is in swap.
    public var swapped: Int

    /// Counts in pages; counts taken from one snapshot add up to its layout's `pageCount`.
    public init(hole: Int, mapped: Int, residentUnmapped: Int, swapped: Int) {
        self.hole = hole
        self.mapped = mapped
        self.residentUnmapped = residentUnmapped
        self.swapped = swapped
    }

    /// The four counts added up: the region's page count.
    public var total: Int { hole + mapped + residentUnmapped + swapped }

    public var description: String {
        "hole=\(hole) mapped=\(mapped) resident-unmapped=\(residentUnmapped) swapped=\(swapped)"
    }
}
