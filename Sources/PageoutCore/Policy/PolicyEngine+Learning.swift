/// The first step of `PolicyEngine.evaluate`: learn from what changed since the last scan, page by page.
extension PolicyEngine {
    /// What one scan says about the pages of one block.
    struct BlockEvidence {
        /// Pages that came back mapped: paged out (by us, or swapped by the kernel) before, mapped now.
        var refaulted = 0
        /// Of those, pages the prefetch had read back into the swap cache: the guest took a minor fault, not a major
        /// one, so the controller does not count them.
        var prefetchHits = 0
        /// Of the others, pages paged out more than once (or all of them, in a block back from a whole-block hold):
        /// their refaults are what the controller answers for.
        var repeatRefaulted = 0
        /// Pages first mapped since the last scan (a hole written, or a page mapped for the first time).
        var fresh = 0
        /// Pages of unknown behaviour paged out by the last plan (a sample, a slice, or the rest in full)...
        var probeOut = 0
        /// ...and how many of them are mapped again.
        var probeBack = 0
        /// Pages of the warm check still out that are mapped again.
        var checkBack = 0
    }

    /// The page sets a scan learns from, as bitmaps over the region.
    struct Changes {
        var refaulted: PageBitmap
        /// Refaulted pages the prefetch had read back.
        var prefetchHits: PageBitmap
        var fresh: PageBitmap
        /// Pages of unknown behaviour the last plan paged out, and those of them mapped again.
        var probeOut: PageBitmap
        var probeBack: PageBitmap
        /// Pages of warm checks mapped again.
        var checkBack: PageBitmap
        let repeated: PageBitmap

        /// The counts of `pages`.
        func evidence(in pages: Range<Int>) -> BlockEvidence {
            var evidence = BlockEvidence()
            evidence.refaulted = refaulted.setCount(in: pages)
            if evidence.refaulted > 0 {
                evidence.prefetchHits = prefetchHits.setCount(in: pages)
                evidence.repeatRefaulted = refaulted.intersectionCount(with: repeated, in: pages)
                if evidence.prefetchHits > 0 {
                    evidence.repeatRefaulted -= prefetchHits.intersectionCount(with: repeated, in: pages)
                }
            }
            evidence.fresh = fresh.setCount(in: pages)
            evidence.probeOut = probeOut.setCount(in: pages)
            if evidence.probeOut > 0 { evidence.probeBack = probeBack.setCount(in: pages) }
            evidence.checkBack = checkBack.setCount(in: pages)
            return evidence
        }
    }

    /// Updates the blocks, the warm pages and the watched set from what changed since the last scan; returns the
    /// refaulted pages. Pages in `ignored` (a scan window's cold set) teach nothing: neither refaults nor use.
    /// `prefetchHits`: prefetched pages mapped since the last scan (refaults, warm, but minor faults).
    static func learn(_ state: inout RegionPolicyState, from snapshot: PageSnapshot, now: Int64,
                      limits: PolicyLimits, ignoring ignored: PageBitmap? = nil,
                      prefetchHits: PageBitmap? = nil) -> PageBitmap {
        let changes = self.changes(state, snapshot: snapshot, ignoring: ignored, prefetchHits: prefetchHits)
        state.coldReturnsSinceScan += coldReturns(changes, warm: state.warm)
        for index in state.blocks.indices {
            let pages = state.pages(ofBlock: index)
            var evidence = changes.evidence(in: pages)
            var block = released(state.blocks[index], at: now)
            if block.backFromHold, evidence.probeOut > 0 {
                evidence.repeatRefaulted = evidence.refaulted - evidence.prefetchHits
            }
            if block.warmCheckOut { block = checked(block, pages: pages, by: evidence, at: now, state: &state,
                                                    limits: limits) }
            if evidence.probeOut > 0 { block = judged(block, by: evidence, at: now, limits: limits) }
            if evidence.refaulted + evidence.probeBack > 0 {
                if !block.holdsAll { block = limits.backoff.warmed(block, at: now) }
            } else {
                if evidence.fresh > 0 { block.lastActivity = now }
                block = limits.backoff.decayed(block, at: now)
            }
            block.fastRefault = false
            if block.backoffUntil != state.blocks[index].backoffUntil { block = spread(block, index: index, at: now) }
            state.repeatRefaultsSinceScan += evidence.repeatRefaulted
            state.firstRefaultsSinceScan += evidence.refaulted - evidence.prefetchHits - evidence.repeatRefaulted
            state.blocks[index] = block
        }
        if now - state.epochStart >= limits.coldAge {
            state.earlierUse = state.recentUse
            state.recentUse = PageBitmap(count: snapshot.layout.pageCount)
            state.epochStart = now
        }
        remember(changes, of: snapshot, in: &state)
        state.previousScanAt = now
        state.totals.refaultPages += changes.refaulted.setCount
        return changes.refaulted
    }

    /// How many of the pages that came back had been paged out more than once and were not warm: found cold
    /// again (a check released them, or they went out in full with their block's cold pages), so the guest uses
    /// them anew, the way a page paged out once comes back. A guest whose working set moves back to pages it used
    /// before brings these back in bulk, and few first refaults: the controller's move test counts both.
    private static func coldReturns(_ changes: Changes, warm: PageBitmap) -> Int {
        guard !changes.refaulted.isEmpty else { return 0 }
        var back = changes.refaulted.intersection(changes.repeated)
        back.subtract(warm)
        back.subtract(changes.prefetchHits)
        return back.setCount
    }

    /// What came back is warm, page by page; keeps watching only pages still out of the VMM (a page that became a
    /// hole has nothing to refault) and keeps warm only pages that still hold data.
    private static func remember(_ changes: Changes, of snapshot: PageSnapshot, in state: inout RegionPolicyState) {
        state.warm.formUnion(changes.refaulted)
        state.warm.formUnion(changes.probeBack)
        state.recentUse.formUnion(changes.refaulted)
        state.recentUse.formUnion(changes.probeBack)
        state.recentUse.formUnion(changes.checkBack)
        var stillOut = snapshot.swapped
        stillOut.formUnion(snapshot.residentUnmapped)
        state.pagedOut.formIntersection(stillOut)
        state.checking.formIntersection(stillOut)
        stillOut.formUnion(snapshot.mapped)
        state.warm.formIntersection(stillOut)
        state.recentlyOut = PageBitmap(count: snapshot.layout.pageCount)
        state.previous = snapshot
    }

    /// The pages that refaulted, were first used, were probed and came back, of `snapshot`.
    private static func changes(_ state: RegionPolicyState, snapshot: PageSnapshot,
                                ignoring ignored: PageBitmap?, prefetchHits: PageBitmap?) -> Changes {
        var watched = state.pagedOut
        // A prefetched page may have read as resident and unmapped at the last scan, not as swapped.
        if let prefetchHits { watched.formUnion(prefetchHits) }
        var fresh = snapshot.mapped
        if let previous = state.previous {
            watched.formUnion(previous.swapped)
            fresh.subtract(previous.mapped)
        } else {
            fresh = PageBitmap(count: snapshot.layout.pageCount)  // first sight: blocks start at `now` anyway
        }
        // The last plan's pages of unknown behaviour: the warm ones in it are checks.
        let probeOut = state.recentlyOut.subtracting(state.warm)
        let refaulted = snapshot.mapped.intersection(watched)
        let hits = prefetchHits?.intersection(refaulted) ?? PageBitmap(count: snapshot.layout.pageCount)
        var changes = Changes(refaulted: refaulted, prefetchHits: hits, fresh: fresh,
                              probeOut: probeOut, probeBack: probeOut.intersection(snapshot.mapped),
                              checkBack: state.checking.intersection(snapshot.mapped), repeated: state.repeatedOut)
        changes.fresh.subtract(changes.refaulted)
        changes.fresh.subtract(changes.probeBack)
        if let ignored {
            precondition(ignored.count == snapshot.layout.pageCount, "ignored pages of another layout")
            changes.refaulted.subtract(ignored)
            changes.prefetchHits.subtract(ignored)
            changes.fresh.subtract(ignored)
            changes.probeOut.subtract(ignored)
            changes.probeBack.subtract(ignored)
            changes.checkBack.subtract(ignored)
        }
        return changes
    }

    /// `block` with its new hold stretched by a factor of its own in 1..<1.5 (a hash of its index and level):
    /// holds set at one scan would otherwise end together, and their checks come back in one burst.
    private static func spread(_ block: BlockState, index: Int, at now: Int64) -> BlockState {
        guard block.backoffUntil > now else { return block }
        var mixed = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(block.backoffLevel)
        mixed = (mixed ^ (mixed >> 31)) &* 0xBF58_476D_1CE4_E5B9
        mixed ^= mixed >> 29
        let factor = 1 + Double(mixed % 1_000) / 2_000
        var block = block
        block.backoffUntil = now + Int64(Double(block.backoffUntil - now) * factor)
        return block
    }

    /// `block` once a whole-block hold has ended: its pages are probed afresh, starting with a sample.
    private static func released(_ block: BlockState, at now: Int64) -> BlockState {
        guard block.holdsAll, !block.isBackedOff(at: now) else { return block }
        var block = block
        block.holdsAll = false
        block.phase = .unprobed
        block.backFromHold = true
        return block
    }

    /// `block` with a check of its warm pages out: any of them back means they are still in use (held again, one
    /// step up); none back within cold_age means they went cold (the working set moved): the suspects (the pages
    /// that were warm when the check began) are warm no more, and the block's pages of unknown behaviour go out
    /// in full. Until then it waits.
    ///
    /// While a working-set move settles, under half of the check back says the block's warm pages are
    /// two sets: a few the new working set shares with an older one (mapped all along, so never seen come back
    /// before the check) and the old working set's, unused. Held on the word of the few, the others would stay
    /// resident for the whole hold (up to max_backoff times the controller's scale); instead the pages back stay
    /// warm (in use lately: no check takes them) and the rest are checked again at once.
    private static func checked(_ block: BlockState, pages: Range<Int>, by evidence: BlockEvidence, at now: Int64,
                                state: inout RegionPolicyState, limits: PolicyLimits) -> BlockState {
        var block = block
        if evidence.checkBack > 0, state.prefetch.settlingAfterMove,
           evidence.checkBack * 2 < state.checking.setCount(in: pages) {
            block.recheckWarm = true
        } else if evidence.checkBack > 0 {
            block = limits.backoff.stillWarm(block, at: now)
        } else if now - block.warmCheckAt >= limits.coldAge {
            state.warm.subtract(state.suspects, in: pages)
            block.phase = .established
        } else {
            return block
        }
        block.warmCheckOut = false
        state.checking.clear(pages)
        state.suspects.clear(pages)
        return block
    }

    /// `block` judged by what came back of the probe of its pages of unknown behaviour: most of it holds the whole
    /// block (hot throughout); none of it pages the rest out in full; some of it goes on slice by slice, the
    /// slices growing (the stride halving) while under a quarter comes back.
    private static func judged(_ block: BlockState, by evidence: BlockEvidence, at now: Int64,
                               limits: PolicyLimits) -> BlockState {
        var block = block
        if block.phase == .unprobed { block.stride = UInt8(clamping: limits.sampleStride) }
        block.backFromHold = false
        let back = evidence.probeBack
        let out = evidence.probeOut
        if back * 4 >= out * 3, back > 0 {
            block = limits.backoff.refaulted(block, at: now, fast: block.fastRefault)
        } else if back == 0 {
            block.phase = .established
        } else {
            block.phase = .sampling
            if back * 4 < out { block.stride = max(1, block.stride / 2) }
        }
        return block
    }
}
