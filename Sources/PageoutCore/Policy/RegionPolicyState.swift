/// Everything the policy remembers about one region between scans: compact bitmaps and per-block counters.
///
/// For a region of P pages it holds the previous snapshot (3 bits a page), the pages paged out and not seen
/// since (1 bit a page) and 20 bytes per block of 512 pages: about 0.02% of the region's size.
public struct RegionPolicyState: Sendable {
    /// The layout whose page indexes the bitmaps and blocks use.
    public let layout: RegionLayout
    /// Pages per block; the region's last block may be shorter.
    public let blockPages: Int
    /// What the policy learned per block.
    public internal(set) var blocks: [BlockState]
    /// The snapshot of the previous evaluation, nil before the first.
    public internal(set) var previous: PageSnapshot?
    /// When (ms) the previous evaluation's snapshot was taken.
    public internal(set) var previousScanAt: Int64 = 0
    /// Pages paged out by us that have not been mapped in the VMM since (a mapped one is a refault).
    public internal(set) var pagedOut: PageBitmap
    /// Where the next probe starts in the spread order of blocks.
    public internal(set) var probeCursor: Int = 0
    /// Totals since the region was registered.
    public internal(set) var totals = PolicyTotals()

    /// A fresh state for `layout`, first seen at `now`.
    public init(layout: RegionLayout, blockPages: Int, now: Int64) {
        precondition(blockPages > 0, "a block has pages")
        self.layout = layout
        self.blockPages = blockPages
        let blockCount = (layout.pageCount + blockPages - 1) / blockPages
        self.blocks = Array(repeating: BlockState(firstSeen: now), count: blockCount)
        self.pagedOut = PageBitmap(count: layout.pageCount)
    }

    /// The pages of block `index`.
    public func pages(ofBlock index: Int) -> Range<Int> {
        (index * blockPages)..<min((index + 1) * blockPages, layout.pageCount)
    }

    /// Records that `plan` was carried out at `now`: its pages are watched for refaults from now on.
    public mutating func recordPageout(_ plan: PageoutPlan, at now: Int64) {
        for run in plan.runs { pagedOut.set(run) }
        for block in plan.probedBlocks {
            blocks[block].phase = .sampling
            blocks[block].lastPageout = now
        }
        for block in plan.fullBlocks { blocks[block].lastPageout = now }
        totals.pagedOutPages += plan.pageCount
        totals.probedPages += plan.probePages
    }

    /// Records that `runs`, pages a pageout of ours had left in memory, were paged out through the daemon's own
    /// mapping: they are watched for refaults, and those not counted at their first pageout count now.
    public mutating func recordFinishedPageout(_ runs: [Range<Int>]) {
        var finished = PageBitmap(count: layout.pageCount)
        for run in runs { finished.set(run) }
        totals.pagedOutPages += finished.subtracting(pagedOut).setCount
        pagedOut.formUnion(finished)
    }

    /// The block order probes follow: a stride through all blocks, coprime with their count, so consecutive probes
    /// land far apart and a contiguous hot set is never probed all at once.
    func spreadBlock(_ step: Int) -> Int {
        let count = blocks.count
        guard count > 2 else { return step % max(count, 1) }
        var stride = max(1, Int(Double(count) * 0.381_966))
        while gcd(stride, count) != 1 { stride += 1 }
        return (step % count) * stride % count
    }

    private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// Running totals of one region, in pages.
public struct PolicyTotals: Sendable, Hashable {
    /// Pages handed to MADV_PAGEOUT.
    public var pagedOutPages = 0
    /// Of those, samples of never-probed blocks.
    public var probedPages = 0
    /// Pages that came back mapped after a pageout or a kernel swap-out.
    public var refaultPages = 0
    /// Refaults seen by the recheck right after a pageout.
    public var fastRefaultPages = 0

    /// The totals of a region just registered: nothing paged out or refaulted yet.
    public init() {}
}
