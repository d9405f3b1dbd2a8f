import PageoutCore
import PageoutLinux

/// One region's pageout transaction: what a scan decided, sized to the budget it may use, for `carryOut` to
/// execute and `record` to learn from.
///
/// The kinds of work run in this order: `finish`, `repair` and `expiredPrefetch` first (resident pages the VMM does
/// not map, put out through the daemon's own mapping: they cost the guest nothing), then `prefetch` (swapped pages
/// read into the swap cache), then `plan` (pages the VMM maps, through its pidfd).
struct PageoutJob: Sendable {
    /// Why the job was made; `record` learns from it accordingly.
    enum Purpose: Sendable {
        /// A scan round's plan (also a pageout asked for over the control socket).
        case round
        /// One step of a scan window's repair at EndScan: nothing is learned from it; the window's figures are
        /// measured once every step is done.
        case windowRepair
    }

    /// The region's name in the registry: `record` looks the entry up by it, and learns nothing if the entry now
    /// holds another opened region.
    var name: String
    /// The region as opened when the snapshot was taken.
    var region: ShmemRegion
    /// The region's memory source, to check its mappings are unchanged before acting.
    var source: RegionSource
    /// The snapshot the job was planned from.
    var snapshot: PageSnapshot
    /// What `record` learns from the receipt: a round's refault watch, or a window's result.
    var purpose: Purpose
    /// Pages an earlier pageout of ours left in memory unmapped.
    var finish: [Range<Int>] = []
    /// Pages another process read back.
    var repair: [Range<Int>] = []
    /// Mapped pages to page out through the VMM.
    var plan = PageoutPlan()
    /// Swapped pages to read into the swap cache.
    var prefetch: [Range<Int>] = []
    /// Prefetched pages the guest did not use in time, to put back into swap like a repair.
    var expiredPrefetch: [Range<Int>] = []
    /// True when the region is in dry run: the job is logged, not carried out, and nothing is learned from it.
    var dryRun = false

    /// The pages the job may put out, which its budget was debited by.
    var pageCount: Int { Self.pages(finish) + Self.pages(repair) + Self.pages(expiredPrefetch) + plan.pageCount }

    /// The job's size in bytes.
    var bytes: UInt64 { UInt64(pageCount) * UInt64(region.layout.pageSize) }

    /// True if there is nothing to carry out.
    var isEmpty: Bool { pageCount == 0 && prefetch.isEmpty }

    /// The page count of `runs`.
    static func pages(_ runs: [Range<Int>]) -> Int { runs.reduce(0) { $0 + $1.count } }
}

/// What carrying out a job did, as the kernel answered.
struct PageoutReceipt: Sendable {
    /// The job carried out.
    var job: PageoutJob
    /// Of `job.finish`, the pages still resident and handed to MADV_PAGEOUT.
    var finishedPages = 0
    /// Of `job.repair`, the pages still resident and handed to MADV_PAGEOUT.
    var repairedPages = 0
    /// Of `job.expiredPrefetch`, the pages still resident and handed to MADV_PAGEOUT.
    var droppedPrefetchPages = 0
    /// Of `job.finish` and `job.repair`, the pages still resident after their pageout (nil when none was tried):
    /// another process maps them, or reclaim failed.
    var keptPages: PageBitmap?
    /// Bytes of `job.plan` the kernel advised.
    var advisedBytes: UInt64 = 0
    /// Why the job stopped short, if it did (the VMM exited, its mappings changed, a system call failed).
    var failure: (any Error & Sendable)?

    /// True if the whole job was carried out.
    var succeeded: Bool { failure == nil }
}
