import PageoutCore
import PageoutLinux

/// Carries out pageout plans on its own thread: process_madvise of a large plan blocks for most of a second.
actor PageoutWorker {
    private let executor = ThreadExecutor(name: "pageoutd-out")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let resolver: RegionResolver

    init(resolver: RegionResolver) {
        self.resolver = resolver
    }

    /// Pages out `outcome`'s ranges through the VMM's pidfd, after checking its mappings are unchanged.
    ///
    /// - Returns: the bytes the kernel advised.
    /// - Throws: `ProcessExited`, `MappingChanged` (the region must be resolved again), `SystemCallError`.
    func pageOut(_ outcome: ScanOutcome) throws -> UInt64 {
        guard let region = outcome.region, let source = outcome.source, !outcome.ranges.isEmpty else { return 0 }
        guard try resolver.isCurrent(region, source: source) else {
            throw MappingChanged(pid: region.process.pid, mapping: region.mappings[0],
                                 path: "/proc/\(region.process.pid)/maps")
        }
        return try region.process.pageOut(outcome.ranges)
    }

    /// Pages out `outcome`'s unmapped pages through the daemon's own mapping, after checking the VMM's mappings
    /// are unchanged: the leftovers of earlier pageouts (`finish`), then the pages another process read back
    /// (`repair`).
    ///
    /// - Returns: the pages of each handed to MADV_PAGEOUT (those mincore still found resident).
    func pageOutUnmapped(_ outcome: ScanOutcome) throws -> (finished: Int, repaired: Int) {
        guard let region = outcome.region, let source = outcome.source,
              !outcome.finish.isEmpty || !outcome.repair.isEmpty
        else { return (0, 0) }
        guard try resolver.isCurrent(region, source: source) else {
            throw MappingChanged(pid: region.process.pid, mapping: region.mappings[0],
                                 path: "/proc/\(region.process.pid)/maps")
        }
        return (try region.repairResidentUnmapped(outcome.finish), try region.repairResidentUnmapped(outcome.repair))
    }
}
