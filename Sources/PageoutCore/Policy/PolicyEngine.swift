/// The result of evaluating one scan of a region.
public struct PolicyDecision: Sendable {
    /// The state to keep for the next scan (the plan is not in it yet: see `RegionPolicyState.recordPageout`).
    public var state: RegionPolicyState
    /// Pages per class at this scan.
    public var counts: PageClassCounts
    /// What to page out now.
    public var plan: PageoutPlan
    /// Pages another process read back, to put into swap again through the daemon's own mapping.
    public var repair: [Range<Int>] = []
    /// Pages a pageout of ours unmapped from the VMM but the kernel left in memory (see
    /// ``PolicyEngine/pageoutLeftovers(_:snapshot:)``): the pageout is finished through the daemon's own mapping.
    public var finish: [Range<Int>] = []
    /// Swapped pages next to pages that came back, to read into the swap cache (see `PrefetchState`).
    public var prefetch: [Range<Int>] = []
    /// Prefetched pages the guest did not use in time, to put back into swap through the daemon's own mapping
    /// like a repair (the swap cache would keep them resident until reclaim).
    public var expiredPrefetch: [Range<Int>] = []
    /// Pages that came back mapped since the last scan.
    public var refaults: Int
    /// True when the region has `max_swapped_percent` of its non-hole pages in swap: nothing mapped is planned.
    public var swapCapReached = false
    /// When (ms) the hot pages whose cold_age has passed by then add up to more than `ScanPacing.quietShare` of
    /// the region: a scan from then on finds them candidates. Nil when fewer are hot. Nothing a look between
    /// scans reads changes when cold_age passes, so a quiet region's stretched interval must not pass it.
    public var coldDueAt: Int64?
}

/// The policy: a pure function of (previous state, snapshot, now, limits, budget) to (state, classes, plan).
///
/// With no access bits to read, a pageout is also the probe: a page the guest uses comes back (a refault), a
/// cold one stays out. What each probe says is kept per page: a page that came back is warm and held on its
/// own, a page that stayed out is in swap; the block (2 MiB) is the unit that paces probes. A never-probed cold
/// block is probed with a sample (one page in `sampleStride`) within a per-scan probe budget spread over the
/// region, so the guest never refaults its whole hot set at once. Then, by what came back of that probe: most
/// of it (a block hot throughout, like a contiguous hot set) holds the whole block, backing off exponentially;
/// none of it pages the rest of the block out in full; some of it goes on probing the rest slice by slice, the
/// slices growing while little comes back, so the cold pages among a scattered working set go out while the
/// warm ones stay. When a hold ends, a sample of the held pages is checked: if none comes back they went cold.
/// How long holds last is scaled by the region's `RefaultController` against its refault target.
public enum PolicyEngine {
    /// Evaluates `snapshot` taken at `now` (ms) against `state`. `pageBudget` is the most pages the guards and
    /// the rate limit allow now (0 when a guard is in force): the plan never exceeds it.
    ///
    /// `ignoringRefaults` marks pages a known scanner may have mapped (the cold sets of open scan windows, and of
    /// windows ended since the last scan): one of them mapped again is the scanner's read, not the guest's use, so
    /// it neither makes its page warm nor its block hot, and it is not planned (the window's end repairs it).
    /// Nil ignores nothing.
    ///
    /// `sharing` is what a look at the mapcounts of the pages `sharingCandidates` named found (nil when none was
    /// taken): pages another process maps too are held, neither planned nor learned from.
    ///
    /// `prefetchResident` is what a look at the residency of the prefetched pages still waiting (`prefetchLook`)
    /// found in memory (nil when none was taken): the waiting pages neither mapped nor in it were dropped by
    /// reclaim, and may be read again.
    public static func evaluate(_ state: RegionPolicyState, snapshot: PageSnapshot, now: Int64,
                                limits: PolicyLimits, pageBudget: Int,
                                ignoringRefaults windowPages: PageBitmap? = nil,
                                sharing: PageSharing? = nil, prefetchResident: PageBitmap? = nil) -> PolicyDecision {
        precondition(snapshot.layout == state.layout, "snapshot of another layout")
        precondition(limits.blockPages == state.blockPages, "block size changed")
        var state = state
        let sinceLastScan = state.previous == nil ? 0 : now - state.previousScanAt
        let ignored = noteSharing(&state, snapshot: snapshot, sharing: sharing, windowPages: windowPages)
        let minimumHold = limits.backoff.minimum
        var limits = limits
        limits.backoff = limits.backoff.scaled(by: state.controller.scale)
        let leftovers = pageoutLeftovers(state, snapshot: snapshot)
        let outOfVMM = snapshot.swapped.union(snapshot.residentUnmapped)
        let (prefetchHits, prefetchExpired, prefetchDropped) = state.prefetch.account(
            mapped: snapshot.mapped, out: outOfVMM, resident: prefetchResident, at: now, coldAge: limits.coldAge)
        var skewed = limits.autoRepair ? skewedPagesToRepair(state, snapshot: snapshot)
            : PageBitmap(count: snapshot.layout.pageCount)
        // Prefetched pages wait for the guest in the swap cache; once expired they go back like a reader's.
        skewed.subtract(state.prefetch.waiting)
        skewed.subtract(prefetchExpired)
        skewed.subtract(leftovers)
        skewed.subtract(state.mappedByOthers)
        // A guard in force (memory pressure, little free swap) or a spent rate allows no prefetch either: reading
        // pages back takes memory.
        let prefetch = limits.prefetch && pageBudget > 0
            ? neighboursToPrefetch(&state, snapshot: snapshot, ignoring: ignored, dropped: prefetchDropped)
            : []
        let refaulted = learn(&state, from: snapshot, now: now, limits: limits, ignoring: ignored,
                              prefetchHits: prefetchHits)
        var classes = classify(state, snapshot: snapshot, now: now, limits: limits)
        if steer(&state, by: classes, refaulted: refaulted, at: now, limits: limits, minimumHold: minimumHold) {
            classes = classify(state, snapshot: snapshot, now: now, limits: limits)
        }

        // Unmapped pages first (they cost the guest nothing: it does not map them): the leftovers of our own
        // pageouts, then what a reader brought back.
        var budget = pageBudget
        let finish = leftovers.runs(takingAtMost: &budget)
        let repair = skewed.runs(takingAtMost: &budget)
        let expiredPrefetch = prefetchExpired.intersection(outOfVMM).runs(takingAtMost: &budget)
        let nonHole = state.layout.pageCount - classes.counts.hole
        let cap = Int(limits.maxSwappedFraction * Double(nonHole)) - classes.counts.swapped
        // Pages a scanner may have brought back are left to its window's repair: they are neither learned from
        // nor planned here, so EndScan finds them where the scanner left them.
        var plannable = snapshot.mapped
        if let ignored { plannable.subtract(ignored) }
        var planning = Planning(allowance: max(0, min(budget, cap)), pageCount: state.layout.pageCount,
                                sliceBudget: limits.probeBudgetPages,
                                probeBudget: limits.probePages(regionPages: state.layout.pageCount,
                                                               elapsed: sinceLastScan))
        plan(&classes, state: &state, plannable: plannable, limits: limits, into: &planning)
        planning.plan.runs = planning.planned.runs()
        var decision = PolicyDecision(state: state, counts: classes.counts, plan: planning.plan, repair: repair,
                                      finish: finish, refaults: refaulted.setCount)
        decision.swapCapReached = cap <= 0
        decision.coldDueAt = coldDueAt(classes.turningCold, pageCount: state.layout.pageCount)
        decision.prefetch = prefetch
        decision.expiredPrefetch = expiredPrefetch
        return decision
    }

    /// When the hot pages of `turningCold` whose cold_age has passed add up to more than `ScanPacing.quietShare`
    /// of a region of `pageCount` pages (the share a quiet scan may leave as candidates); nil if they never do.
    static func coldDueAt(_ turningCold: [(at: Int64, pages: Int)], pageCount: Int) -> Int64? {
        let limit = ScanPacing.quietPages(of: pageCount)
        guard turningCold.reduce(0, { $0 + $1.pages }) > limit else { return nil }
        var pages = 0
        for turn in turningCold.sorted(by: { $0.at < $1.at }) {
            pages += turn.pages
            if pages > limit { return turn.at }
        }
        return nil
    }

    /// The swapped pages of ours (paged out by us at least once) in the gaps beside a page that came back since the
    /// last scan, then within the rings' reach of one (see `PrefetchState`), as many as the allowances take: what
    /// waits in the swap cache is held to a sixteenth of the pages known warm (a quarter, for the gaps, while
    /// they are found used; the rings' own sixteenth after a working-set move), so the memory prefetch takes
    /// stays small beside what the guest uses. Pages a scanner may have brought back say nothing of the guest:
    /// they prefetch nothing. While a working-set move settles, the waiting pages reclaim just dropped (`dropped`)
    /// are read again first, once each.
    static func neighboursToPrefetch(_ state: inout RegionPolicyState, snapshot: PageSnapshot,
                                     ignoring ignored: PageBitmap?, dropped: PageBitmap) -> [Range<Int>] {
        guard let previous = state.previous else { return [] }
        var watched = state.pagedOut
        watched.formUnion(previous.swapped)
        var back = snapshot.mapped.intersection(watched)
        if let ignored { back.subtract(ignored) }
        var candidates = snapshot.swapped.intersection(state.everOut)
        candidates.subtract(state.mappedByOthers)
        if let ignored { candidates.subtract(ignored) }
        let allowances = state.prefetch.allowances(warmPages: state.warm.setCount, blockPages: state.blockPages)
        return state.prefetch.plan(around: back, among: candidates, mapped: snapshot.mapped,
                                   allowance: allowances.rings, gapAllowance: allowances.gaps, dropped: dropped)
    }

    /// The prefetched pages whose residency the next evaluation needs: those still waiting that the VMM does not
    /// map in `snapshot`. Reclaim may drop a waiting page from the swap cache (it is clean, the cheapest memory
    /// there is), and nothing else tells: the file keeps its swap entry either way, so the kernel's counts, and
    /// a snapshot taken by them, read it as swapped all the same.
    public static func prefetchLook(_ state: RegionPolicyState, snapshot: PageSnapshot) -> PageBitmap {
        state.prefetch.waiting.subtracting(snapshot.mapped)
    }

    /// The mapped pages whose mapcount the next evaluation needs: those that would otherwise read as refaults
    /// (paged out or swapped before, mapped now: the kernel skips a page another process maps, so it stays mapped)
    /// and the held ones (to release those the VMM alone maps again). Empty at the first scan.
    public static func sharingCandidates(_ state: RegionPolicyState, snapshot: PageSnapshot) -> PageBitmap {
        guard let previous = state.previous else { return PageBitmap(count: snapshot.layout.pageCount) }
        var candidates = state.pagedOut
        candidates.formUnion(previous.swapped)
        candidates.formUnion(state.mappedByOthers)
        candidates.formUnion(state.recentlyOut)
        candidates.formIntersection(snapshot.mapped)
        return candidates
    }

    /// Updates the held pages from `sharing` and drops those now in swap or holes; returns the pages the scan
    /// must not learn from or plan: the held ones and the scan windows' `windowPages`.
    private static func noteSharing(_ state: inout RegionPolicyState, snapshot: PageSnapshot, sharing: PageSharing?,
                                 windowPages: PageBitmap?) -> PageBitmap? {
        if let sharing { state.noteSharing(looked: sharing.looked, shared: sharing.shared) }
        guard !state.mappedByOthers.isEmpty else { return windowPages }
        var resident = snapshot.mapped
        resident.formUnion(snapshot.residentUnmapped)
        state.mappedByOthers.formIntersection(resident)
        guard var ignored = windowPages else { return state.mappedByOthers }
        ignored.formUnion(state.mappedByOthers)
        return ignored
    }

    /// Feeds the scan's refaults and the check budget to the region's controller; returns true if it ended the
    /// holds of warm pages because the guest's working set moved (the classes must then be made again).
    /// `refaulted`: the pages that came back since the last scan.
    private static func steer(_ state: inout RegionPolicyState, by classes: Classes, refaulted: PageBitmap,
                              at now: Int64, limits: PolicyLimits, minimumHold: Int64) -> Bool {
        let scaleBefore = state.controller.scale
        defer { state.rescaleHolds(by: state.controller.scale / scaleBefore, at: now) }
        let moved = state.controller.observe(repeats: state.repeatRefaultsSinceScan,
                                             firsts: state.firstRefaultsSinceScan,
                                             coldReturns: state.coldReturnsSinceScan, at: now,
                                             workingSetPages: classes.counts.workingSet,
                                             moveInterval: 2 * limits.coldAge)
        state.repeatRefaultsSinceScan = 0
        state.firstRefaultsSinceScan = 0
        state.coldReturnsSinceScan = 0
        let checkPages = (classes.warmBlocks + classes.heldWholeBlocks) * minimumCheckPages
        state.controller.budget(checkPagesPerRound: checkPages, workingSetPages: classes.counts.workingSet,
                                minimumHold: minimumHold)
        // While pages of unknown behaviour are still being probed, first refaults are the price of that learning.
        guard moved, classes.unprobed.isEmpty, classes.sampling.isEmpty else { return false }
        // Pages the guest had not used for a while came back in bulk: its working set moved. What it used before
        // is checked now, not when its holds end, what came back lately too (but for this scan's returns, the new
        // set's); its new runs are read back as widely as runs were found used.
        state.endWarmHolds(at: now)
        state.forgetUse(keeping: refaulted, at: now)
        state.prefetch.workingSetMoved(at: now)
        return true
    }

    /// Pages a pageout of ours unmapped from the VMM but the kernel kept in memory: mapped at the previous scan,
    /// resident and unmapped now, in a block paged out since. Neither the guest (its access maps a page) nor
    /// another reader (it cannot unmap the VMM's pages) leaves a mapped page so: MADV_PAGEOUT of part of a
    /// transparent huge page zaps the PMD that maps all 2 MiB and reclaims nothing (docs/KERNEL-NOTES.md), and
    /// reclaim may unmap a page and then fail to write it. The VMM no longer maps them, so process_madvise cannot
    /// reach them: the daemon's own mapping finishes the pageout.
    public static func pageoutLeftovers(_ state: RegionPolicyState, snapshot: PageSnapshot) -> PageBitmap {
        var leftovers = PageBitmap(count: snapshot.layout.pageCount)
        guard let previous = state.previous else { return leftovers }
        for index in state.blocks.indices where state.blocks[index].lastPageout >= state.previousScanAt {
            leftovers.set(state.pages(ofBlock: index))
        }
        leftovers.formIntersection(snapshot.residentUnmapped)
        leftovers.formIntersection(previous.mapped)
        return leftovers
    }

    /// Pages another process read back: resident but not mapped in the VMM now, and not mapped at the last scan
    /// either (in swap, a hole, or already waiting for repair), or paged out by us since. A guest access maps a
    /// page in the VMM, so only another reader (backup, migration helper, dedup scanner) leaves a page resident
    /// and unmapped; reading a hole through a mapping allocates a zero-filled page, which pageout turns back
    /// into a hole. Nothing is repaired at the first scan, whose history is unknown.
    public static func skewedPagesToRepair(_ state: RegionPolicyState, snapshot: PageSnapshot) -> PageBitmap {
        guard let previous = state.previous else { return PageBitmap(count: snapshot.layout.pageCount) }
        var skewed = snapshot.residentUnmapped.subtracting(previous.mapped)
        skewed.formUnion(snapshot.residentUnmapped.intersection(state.pagedOut))
        return skewed
    }

    /// Records refaults seen right after a pageout: `mappedNow` marks the pages of the last plan mapped again.
    ///
    /// A page back within moments of its pageout belongs to the guest's hottest set: if most of its block's
    /// probe came back, the next scan holds the block `fastRefaultStep` levels up the schedule.
    ///
    /// Pages in `ignored` (open scan windows' cold sets) mapped again are the scanner's reads: not refaults.
    ///
    /// Pages in `sharedNow` (mapped by another process too) were skipped by the kernel, not paged out: they are
    /// held, not refaults.
    public static func recheck(_ state: RegionPolicyState, mappedNow: PageBitmap, sharedNow: PageBitmap? = nil,
                               now: Int64, limits: PolicyLimits, ignoringRefaults ignored: PageBitmap? = nil)
        -> (state: RegionPolicyState, refaults: Int) {
        var state = state
        if let sharedNow { state.noteMappedByOthers(sharedNow.intersection(state.recentlyOut)) }
        var back = mappedNow.intersection(state.pagedOut)
        if let ignored { back.subtract(ignored) }
        var refaults = 0
        var repeats = 0
        for index in state.blocks.indices {
            let pages = state.pages(ofBlock: index)
            let count = back.setCount(in: pages)
            guard count > 0 else { continue }
            state.blocks[index].fastRefault = true
            refaults += count
            // A block back from a whole-block hold had its probe check pages known to be in use: the hold's cost.
            repeats += state.blocks[index].backFromHold ? count
                : back.intersectionCount(with: state.repeatedOut, in: pages)
        }
        state.pagedOut.subtract(back)
        state.totals.refaultPages += refaults
        state.totals.fastRefaultPages += refaults
        state.repeatRefaultsSinceScan += repeats
        state.firstRefaultsSinceScan += refaults - repeats
        return (state, refaults)
    }
}
