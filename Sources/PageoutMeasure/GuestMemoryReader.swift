import Foundation
import PageoutCore
import PageoutLinux

/// Reads the true state of every page of a guest's memory from the kernel, without touching a page.
///
/// The memfd is opened through /proc/PID/map_files and mapped read-only by this process (a `ShmemRegion`), never
/// read: `mincore` on that mapping says which pages are in the page cache, and SEEK_DATA/SEEK_HOLE on the file
/// which are allocated. An allocated page that is not resident has its data in swap. Unlike the VMM's pagemap, this
/// sees swapped shmem pages, and unlike the daemon's status it does not depend on the code under measurement.
public final class GuestMemoryReader {
    /// The guest's memory, opened for reading its state.
    public let region: ShmemRegion
    private let residency: UnsafeMutableBufferPointer<UInt8>

    /// Opens the memory of the guest `pid` whose memfd is named `memfd`.
    ///
    /// - Throws: `ProcessExited`, `RegionSourceError` when the process maps no such memfd, `SystemCallError`.
    public init(pid: Int32, memfd: String) throws {
        region = try ShmemRegion(process: ProcessHandle(pid: pid), source: .memfd(memfd))
        residency = .allocate(capacity: max(region.views.map(\.pageCount).max() ?? 1, 1))
    }

    deinit {
        residency.deallocate()
    }

    /// Pages of guest memory.
    public var pageCount: Int { region.layout.pageCount }

    /// The page size in bytes.
    public var pageSize: Int { region.layout.pageSize }

    /// Every page's state now.
    public func read() throws -> GuestMemoryState {
        var resident = PageBitmap(count: pageCount)
        var allocated = PageBitmap(count: pageCount)
        let pageSize = UInt64(self.pageSize)
        for (index, view) in region.views.enumerated() {
            let first = region.layout.segments[index].firstPage
            try view.residency(of: 0..<view.pageCount, into: residency.baseAddress!)
            var page = 0
            while page < view.pageCount {
                var end = page + 1
                while end < view.pageCount && residency[end] & 1 == residency[page] & 1 { end += 1 }
                if residency[page] & 1 != 0 { resident.set((first + page)..<(first + end)) }
                page = end
            }
            let offsets = view.fileOffset..<(view.fileOffset + UInt64(view.length))
            try view.file.forEachDataExtent(in: offsets) { extent in
                let low = Int((extent.lowerBound - view.fileOffset) / pageSize)
                let high = Int((extent.upperBound - view.fileOffset + pageSize - 1) / pageSize)
                allocated.set((first + low)..<(first + min(high, view.pageCount)))
            }
        }
        try region.process.checkAlive(during: "reading the state of its memory")
        return GuestMemoryState(resident: resident, allocated: allocated, pageSize: self.pageSize)
    }
}

/// The state of every page of a guest's memory at one moment, as the kernel keeps it.
public struct GuestMemoryState: Sendable {
    /// Pages in the page cache (mapped by the guest or not).
    public let resident: PageBitmap
    /// Pages that hold data (resident or swapped); the others are holes.
    public let allocated: PageBitmap
    /// The page size in bytes.
    public let pageSize: Int

    /// Pages whose data is in swap: allocated and not resident.
    public var swapped: PageBitmap { allocated.subtracting(resident) }

    /// Resident memory in bytes.
    public var residentBytes: Int { resident.setCount * pageSize }

    /// How many of `pages` are in swap.
    public func swappedShare(of pages: PageBitmap) -> PageShare {
        PageShare(part: swapped.intersection(pages).setCount, whole: pages.setCount)
    }
}

/// A part of a set of pages, e.g. the never-touched pages that are in swap.
public struct PageShare: Sendable, Equatable, CustomStringConvertible {
    /// Pages of the part.
    public let part: Int
    /// Pages of the whole.
    public let whole: Int

    /// `part` pages of `whole`.
    public init(part: Int, whole: Int) {
        self.part = part
        self.whole = whole
    }

    /// The part as a fraction of the whole; 1 for an empty whole (nothing is missing from it).
    public var fraction: Double { whole == 0 ? 1 : Double(part) / Double(whole) }

    /// E.g. `93.1% (61012 of 65536 pages)`.
    public var description: String {
        "\(Percentage.text(fraction)) (\(part) of \(whole) pages)"
    }
}

/// Fractions written as percentages.
public enum Percentage {
    /// `fraction` as a percentage with `places` decimals, e.g. `93.1%`.
    public static func text(_ fraction: Double, places: Int = 1) -> String {
        String(format: "%.\(places)f%%", fraction * 100)
    }
}
