/// Everything the policy remembers about one region between scans: compact bitmaps and per-block counters.
///
/// For a region of P pages it holds the previous snapshot (3 bits a page); the pages paged out and not seen since, out
/// since the last scan, warm, out for a warm check, suspected unused, used in each of the last two epochs, ever paged
/// out, paged out more than once, held by another mapper, prefetched in each of two generations, kept once more, read
/// again since a working-set move, left unread around by a full scan, read for a gap in each of two generations
/// and the gap's class (2) (1 bit a page each); and 40 bytes per block of 512 pages. The bitmaps are chunked
/// (`PageBitmap`): a chunk of 4,096 pages all in one state costs 4 bytes, so a converged region whose classes come in
/// long runs costs about 50 KiB per GiB of guest RAM (blocks 20 KiB), a sparse one less; at worst, every chunk mixed,
/// 22 bits a page: 720 KiB per GiB (0.07%).
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
    /// Pages paged out by the last plan carried out: the next scan judges that probe by what came back of them.
    public internal(set) var recentlyOut: PageBitmap
    /// Pages that came back after a pageout: the guest uses them. Each is held while its block's hold lasts, then
    /// a sample of them is checked; the other pages of the block are probed on their own meanwhile.
    public internal(set) var warm: PageBitmap
    /// Warm pages paged out to check they are still in use, not back yet.
    public internal(set) var checking: PageBitmap
    /// The warm pages of blocks under a check, as they were when it began: released if it finds them unused.
    /// Pages that come back meanwhile (a working set that moved) are warm but not suspects.
    public internal(set) var suspects: PageBitmap
    /// Pages that came back in the current and the previous cold_age epoch: in use lately, so never suspects.
    public internal(set) var recentUse: PageBitmap
    public internal(set) var earlierUse: PageBitmap
    /// When (ms) the current epoch of `recentUse` began.
    public internal(set) var epochStart: Int64
    /// Pages paged out by us at least once.
    public internal(set) var everOut: PageBitmap
    /// Pages paged out by us more than once: a refault of one is a cost of holding too little, which the
    /// controller answers for (the first probe of a page is paced by the probe budget instead).
    public internal(set) var repeatedOut: PageBitmap
    /// Pages another process maps too (a vhost-user backend's I/O buffers): MADV_PAGEOUT skips a page mapped by
    /// more than one process, so these are neither planned nor learned from (their staying mapped after a
    /// pageout is the kernel's refusal, not the guest's use) until they are the VMM's alone again.
    public internal(set) var mappedByOthers: PageBitmap
    /// The pages read back into the swap cache next to pages that came back, and how far that reaches.
    public internal(set) var prefetch: PrefetchState
    /// Where the next probe starts in the spread order of blocks.
    public internal(set) var probeCursor: Int = 0
    /// How long pages that came back wait before they are checked again, against the region's refault target.
    public internal(set) var controller: RefaultController
    /// Refaults of pages paged out more than once since the last scan (the post-pageout recheck's too; all of a
    /// block's when it is back from a whole-block hold), and of pages paged out once, for the controller.
    var repeatRefaultsSinceScan = 0
    var firstRefaultsSinceScan = 0
    /// Of the repeats since the last scan, pages found cold again before they came back (see
    /// `PolicyEngine.coldReturns`): for the controller's move test, with the first refaults.
    var coldReturnsSinceScan = 0
    /// Totals since the region was registered.
    public internal(set) var totals = PolicyTotals()

    /// A fresh state for `layout`, first seen at `now`, whose refaults are held to `refaultTarget` of the
    /// working set per minute.
    public init(layout: RegionLayout, blockPages: Int, now: Int64,
                refaultTarget: Double = PolicyLimits.defaultRefaultTarget) {
        precondition(blockPages > 0, "a block has pages")
        self.layout = layout
        self.blockPages = blockPages
        let blockCount = (layout.pageCount + blockPages - 1) / blockPages
        self.blocks = Array(repeating: BlockState(firstSeen: now), count: blockCount)
        self.pagedOut = PageBitmap(count: layout.pageCount)
        self.recentlyOut = PageBitmap(count: layout.pageCount)
        self.warm = PageBitmap(count: layout.pageCount)
        self.checking = PageBitmap(count: layout.pageCount)
        self.suspects = PageBitmap(count: layout.pageCount)
        self.recentUse = PageBitmap(count: layout.pageCount)
        self.earlierUse = PageBitmap(count: layout.pageCount)
        self.epochStart = now
        self.everOut = PageBitmap(count: layout.pageCount)
        self.repeatedOut = PageBitmap(count: layout.pageCount)
        self.mappedByOthers = PageBitmap(count: layout.pageCount)
        self.prefetch = PrefetchState(pageCount: layout.pageCount, now: now)
        self.controller = RefaultController(targetFraction: refaultTarget)
    }

    /// A fresh state for `layout` under `limits`, first seen at `now`.
    public init(layout: RegionLayout, limits: PolicyLimits, now: Int64) {
        self.init(layout: layout, blockPages: limits.blockPages, now: now, refaultTarget: limits.refaultTarget)
    }

    /// The bytes this state holds: its bitmaps (chunked: little for long runs), the previous snapshot and 40
    /// bytes a block.
    public var storageBytes: Int {
        let bitmaps = [pagedOut, recentlyOut, warm, checking, suspects, recentUse, earlierUse, everOut, repeatedOut,
                       mappedByOthers]
        return bitmaps.reduce(0) { $0 + $1.storageBytes } + prefetch.storageBytes + (previous?.storageBytes ?? 0)
            + blocks.count * MemoryLayout<BlockState>.stride
    }

    /// The pages of block `index`.
    public func pages(ofBlock index: Int) -> Range<Int> {
        (index * blockPages)..<min((index + 1) * blockPages, layout.pageCount)
    }

    /// Records that `plan` was carried out at `now`: its pages are watched for refaults from now on.
    public mutating func recordPageout(_ plan: PageoutPlan, at now: Int64) {
        var planned = PageBitmap(count: layout.pageCount)
        for run in plan.runs { planned.set(run) }
        pagedOut.formUnion(planned)
        recentlyOut.formUnion(planned)
        checking.formUnion(planned.intersection(warm))
        noteOut(planned)
        for block in plan.probedBlocks + plan.fullBlocks { blocks[block].lastPageout = now }
        let unused = plan.checkedBlocks.isEmpty ? warm : unusedWarm  // one copy of the region's bits, not one a block
        for block in plan.checkedBlocks {
            suspects.formUnion(unused, in: pages(ofBlock: block))
            blocks[block].warmCheckOut = true
            blocks[block].recheckWarm = false
            blocks[block].warmCheckAt = now
            blocks[block].lastPageout = now
        }
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
        noteOut(finished)
    }

    /// Records that `pages` are held by another mapper: a pageout of them that the kernel skipped is not counted
    /// as paged out, and they are watched for refaults no more (staying mapped says nothing about the guest).
    public mutating func noteMappedByOthers(_ pages: PageBitmap) {
        let skipped = pages.intersection(recentlyOut).setCount
        totals.pagedOutPages -= min(skipped, totals.pagedOutPages)
        mappedByOthers.formUnion(pages)
        warm.subtract(pages)
        suspects.subtract(pages)
        pagedOut.subtract(pages)
        recentlyOut.subtract(pages)
        checking.subtract(pages)
    }

    /// Records what a look at the pages' mapcounts found: of the pages `looked` at, `shared` are mapped by another
    /// process too (held from now on) and the rest are the VMM's alone (held no more: planned and learned from
    /// again).
    public mutating func noteSharing(looked: PageBitmap, shared: PageBitmap) {
        mappedByOthers.subtract(looked)
        noteMappedByOthers(shared.intersection(looked))
    }

    /// Releases every held page the VMM does not map: their other mapper has gone (or a long interval has
    /// passed), so they are tried again.
    public mutating func releaseMappedByOthers(mapped: PageBitmap) {
        mappedByOthers.formIntersection(mapped)
    }

    /// Warm pages with no sign of use in the last two cold_age epochs: what a check samples and may release.
    var unusedWarm: PageBitmap {
        var unused = warm
        unused.subtract(recentUse)
        unused.subtract(earlierUse)
        return unused
    }

    /// Stretches what is left at `now` of every hold by `factor`: the controller's scale moved by it, and a hold
    /// set before the move would otherwise run on the old scale for as long as it lasts (up to max_backoff times
    /// the old scale), so the controller's answer would reach the guest one whole hold late.
    mutating func rescaleHolds(by factor: Double, at now: Int64) {
        guard factor > 0, factor != 1 else { return }
        for index in blocks.indices where blocks[index].isBackedOff(at: now) {
            let left = Double(blocks[index].backoffUntil - now) * factor
            blocks[index].backoffUntil = now + Int64(min(left.rounded(), Double(Int64.max / 4)))
        }
    }

    /// Ends at `now` the holds of blocks holding warm pages (not of blocks held whole): their check goes out next.
    mutating func endWarmHolds(at now: Int64) {
        for index in blocks.indices where !blocks[index].holdsAll && blocks[index].isBackedOff(at: now) {
            blocks[index].backoffUntil = now
        }
    }

    /// Forgets which pages came back lately, but for `pages` (those back since the last scan): the guest's working
    /// set moved at `now`. The old set's Zipf tail came back until the move, a page at a time; kept as in use
    /// lately, those pages would be left out of the checks the move starts (not suspects), and their blocks,
    /// held again by the new set's returns, would keep them resident for the whole hold, up to max_backoff times
    /// the controller's scale. Resident, a later working set's use of them is invisible (a mapped page says
    /// nothing of its use): the next move's check of the block, a sample of pages mostly of the set before,
    /// would find none back and release them all, pages in use among them.
    mutating func forgetUse(keeping pages: PageBitmap, at now: Int64) {
        recentUse = pages
        earlierUse = PageBitmap(count: layout.pageCount)
        epochStart = now
    }

    /// Notes that `pages` were paged out: those out before are now paged out more than once.
    private mutating func noteOut(_ pages: PageBitmap) {
        repeatedOut.formUnion(pages.intersection(everOut))
        everOut.formUnion(pages)
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
