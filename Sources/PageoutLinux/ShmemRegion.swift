import PageoutCore
import Synchronization
import SystemPackage

/// A registered shared-memory region of one VMM, opened for scanning and pageout.
///
/// It holds everything that must refer to one process: the pidfd, the open pagemap, and for each VMA of the
/// region the shmem file (through map_files) and the daemon's untouched view of it. All of it was opened while
/// the pidfd proved the process alive, so nothing here can end up reading or advising a process that reused
/// the pid.
public final class ShmemRegion: Sendable {
    /// The VMM.
    public let process: ProcessHandle
    /// Its pagemap, opened after the pidfd and bound to the VMM's mm.
    public let pagemap: PagemapFile
    /// The mappings that make up the region, in address order, as /proc/PID/maps described them.
    public let mappings: [MemoryMapping]
    /// The daemon's view of each mapping (same order).
    public let views: [ShmemView]
    /// How region page indexes map to the VMM's addresses and the files' offsets, mapping after mapping.
    public let layout: RegionLayout
    /// A digest of the last /proc/PID/maps text `mappings` were found current in (`RegionResolver.isCurrent`).
    let currentMapsDigest = Mutex<Int?>(nil)

    /// Opens the region of `process` that `source` selects.
    ///
    /// - Throws: `ProcessExited`, `RegionSourceError` when maps has no such mapping, `MappingChanged` when a VMA
    ///   changed while it was being opened, `SystemCallError` for the rest (permissions, above all).
    public init(process: ProcessHandle, source: RegionSource) throws {
        let all: [MemoryMapping]
        do {
            all = try process.procfs.mappings(pid: process.pid)
        } catch {
            try process.checkAlive(during: "reading /proc/\(process.pid)/maps")
            throw error
        }
        let selected = try source.mappings(in: all, pid: process.pid)
        let pagemap = try PagemapFile(process: process)
        var views: [ShmemView] = []
        for mapping in selected {
            let file = try ShmemFile(process: process, mapping: mapping)
            views.append(try ShmemView(file: file, fileOffset: mapping.offset, length: Int(mapping.byteCount)))
        }
        try process.checkAlive(during: "opening the region's mappings")
        self.process = process
        self.pagemap = pagemap
        self.mappings = selected
        self.views = views
        self.layout = RegionLayout(
            mappings: selected.map { (AddressRange(start: $0.start, end: $0.end), $0.offset) },
            pageSize: pagemap.pageSize)
    }

    /// The total size of the region in bytes.
    public var byteCount: UInt64 { UInt64(layout.pageCount) * UInt64(layout.pageSize) }

    /// Page-cache counts over the whole region, summed over its mappings' file ranges.
    public func cacheStat() throws -> CacheStat {
        var total = CacheStat(cached: 0, dirty: 0, writeback: 0, evicted: 0, recentlyEvicted: 0)
        for view in views {
            let part = try view.file.cacheStat(offset: view.fileOffset, length: UInt64(view.length))
            total.cached += part.cached
            total.dirty += part.dirty
            total.writeback += part.writeback
            total.evicted += part.evicted
            total.recentlyEvicted += part.recentlyEvicted
        }
        return total
    }
}
