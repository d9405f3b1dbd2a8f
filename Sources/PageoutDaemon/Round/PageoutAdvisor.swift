import PageoutCore
import PageoutLinux

/// Where a job's effects on guest memory happen: the kernel, or nowhere (dry run, and tests of the round).
protocol PageoutAdvisor: Sendable {
    /// Carries out `job` and says what it did; a failure part-way is reported in the receipt, not thrown.
    func carryOut(_ job: PageoutJob) -> PageoutReceipt
}

/// The advisor that acts: MADV_PAGEOUT through the daemon's own view of the memory, then process_madvise through
/// the VMM's pidfd.
struct KernelAdvisor: PageoutAdvisor {
    /// Reads the VMM's /proc/PID/maps to check mappings.
    let resolver: RegionResolver

    /// Checks the region's mappings once (memory hot-unplug or a remap changes them: nothing may be advised
    /// through stale addresses), then puts out the unmapped pages (they cost the guest nothing), then the mapped.
    func carryOut(_ job: PageoutJob) -> PageoutReceipt {
        var receipt = PageoutReceipt(job: job)
        guard !job.isEmpty else { return receipt }
        let region = job.region
        do {
            guard try resolver.isCurrent(region, source: job.source) else {
                throw MappingChanged(pid: region.process.pid, mapping: region.mappings[0],
                                     path: "/proc/\(region.process.pid)/maps")
            }
            var kept = PageBitmap(count: region.layout.pageCount)
            defer { receipt.keptPages = kept }
            if !job.finish.isEmpty {
                receipt.finishedPages = try region.repairResidentUnmapped(job.finish, kept: &kept)
            }
            if !job.repair.isEmpty {
                receipt.repairedPages = try region.repairResidentUnmapped(job.repair, kept: &kept)
            }
            if !job.expiredPrefetch.isEmpty {
                receipt.droppedPrefetchPages = try region.repairResidentUnmapped(job.expiredPrefetch)
            }
            if !job.prefetch.isEmpty { try region.prefetch(job.prefetch) }
            if !job.plan.isEmpty { receipt.advisedBytes = try region.pageOutMapped(job.plan.runs) }
        } catch {
            receipt.failure = error
        }
        return receipt
    }
}

/// The advisor of dry run: changes nothing and reports nothing done.
struct DryRunAdvisor: PageoutAdvisor {
    func carryOut(_ job: PageoutJob) -> PageoutReceipt {
        PageoutReceipt(job: job)
    }
}
