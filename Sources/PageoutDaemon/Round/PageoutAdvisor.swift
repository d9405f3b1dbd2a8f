import PageoutCore
import PageoutLinux

/// Where a job's effects on guest memory happen: the kernel, or nowhere (dry run, and tests of the round).
protocol PageoutAdvisor: Sendable {
    /// Throws `MappingChanged` unless `region`'s mappings are still the ones `source` selects (memory hot-unplug
    /// or a remap changes them: nothing may be advised through stale addresses), `ProcessExited` if its VMM exited.
    func checkCurrent(_ region: ShmemRegion, source: RegionSource) throws
    /// Pages out resident pages of `region` the VMM does not map, through the daemon's own mapping; returns the
    /// pages still resident and handed to MADV_PAGEOUT.
    func pageOutUnmapped(_ pages: [Range<Int>], of region: ShmemRegion) throws -> Int
    /// Pages out pages of `region` the VMM maps, through its pidfd; returns the bytes the kernel advised.
    func pageOutMapped(_ pages: [Range<Int>], of region: ShmemRegion) throws -> UInt64
}

/// The advisor that acts: process_madvise through the VMM's pidfd, MADV_PAGEOUT through the daemon's view.
struct KernelAdvisor: PageoutAdvisor {
    /// Reads the VMM's /proc/PID/maps to check mappings.
    let resolver: RegionResolver

    func checkCurrent(_ region: ShmemRegion, source: RegionSource) throws {
        guard try resolver.isCurrent(region, source: source) else {
            throw MappingChanged(pid: region.process.pid, mapping: region.mappings[0],
                                 path: "/proc/\(region.process.pid)/maps")
        }
    }

    func pageOutUnmapped(_ pages: [Range<Int>], of region: ShmemRegion) throws -> Int {
        try region.repairResidentUnmapped(pages)
    }

    func pageOutMapped(_ pages: [Range<Int>], of region: ShmemRegion) throws -> UInt64 {
        try region.pageOutMapped(pages)
    }
}

/// The advisor of dry run: changes nothing and reports nothing done.
struct DryRunAdvisor: PageoutAdvisor {
    func checkCurrent(_ region: ShmemRegion, source: RegionSource) {}
    func pageOutUnmapped(_ pages: [Range<Int>], of region: ShmemRegion) -> Int { 0 }
    func pageOutMapped(_ pages: [Range<Int>], of region: ShmemRegion) -> UInt64 { 0 }
}
