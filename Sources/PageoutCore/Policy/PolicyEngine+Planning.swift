/// The steps of `PolicyEngine.evaluate` after learning: classify the mapped pages, then plan within the allowance.
extension PolicyEngine {
    /// The mapped pages of one scan by class, and the blocks the plan may take pages of.
    struct Classes {
        var counts = PageClassCounts()
        /// Blocks whose cold pages of unknown behaviour go out in full: a probe of them stayed out.
        var established: [Int] = []
        /// Blocks whose cold pages of unknown behaviour are probed by a slice: some of the last probe came back.
        var sampling: [Int] = []
        /// Blocks never probed (or back from a whole-block hold): a sample of each, within the probe budget.
        var unprobed = Set<Int>()
        /// Blocks whose warm pages' hold ended: a sample of those pages is paged out to check them.
        var checks: [Int] = []
        /// Blocks holding warm pages of their own (not held whole).
        var warmBlocks = 0
        /// Blocks held whole: each costs a check's pages when its hold ends (`BlockState.backFromHold`).
        var heldWholeBlocks = 0
        /// The state's warm pages with no sign of use lately (`RegionPolicyState.unusedWarm`), read once a scan.
        var unusedWarm = PageBitmap(count: 0)
        /// The hot blocks' mapped pages by when their cold_age passes (ms): when they become candidates.
        var turningCold: [(at: Int64, pages: Int)] = []
    }

    /// A plan being built: what may still be taken, the plan, and its pages as a bitmap.
    struct Planning {
        var allowance: Int
        /// Pages that slices and checks may still take this scan.
        var sliceBudget: Int
        /// Pages of never-probed blocks this scan may probe (a sample of each).
        let probeBudget: Int
        var plan = PageoutPlan()
        var planned: PageBitmap

        init(allowance: Int, pageCount: Int, sliceBudget: Int, probeBudget: Int) {
            self.allowance = allowance
            self.sliceBudget = sliceBudget
            self.probeBudget = probeBudget
            self.planned = PageBitmap(count: pageCount)
        }

        /// Adds `runs` to the plan and takes their pages from the allowance; returns how many pages that was.
        mutating func take(_ runs: [Range<Int>]) -> Int {
            runs.forEach { planned.set($0) }
            let pages = runs.reduce(0) { $0 + $1.count }
            allowance -= pages
            return pages
        }
    }

    /// Sorts every block's mapped pages into hot (the block first used within cold_age), warm (came back after a
    /// pageout, or the whole block held) and cold (the rest: candidates).
    static func classify(_ state: RegionPolicyState, snapshot: PageSnapshot, now: Int64,
                         limits: PolicyLimits) -> Classes {
        var classes = Classes()
        classes.unusedWarm = state.unusedWarm
        let unusedWarm = classes.unusedWarm
        classes.counts.hole = snapshot.counts.hole
        classes.counts.swapped = snapshot.counts.swapped
        classes.counts.skewed = snapshot.counts.residentUnmapped
        let anyMappedByOthers = !state.mappedByOthers.isEmpty
        let settling = state.prefetch.settlingAfterMove
        if anyMappedByOthers {
            // Pages another process maps count as theirs, whether the VMM maps them or not.
            classes.counts.mappedByOthers = state.mappedByOthers.setCount
            classes.counts.skewed -= snapshot.residentUnmapped.intersectionCount(
                with: state.mappedByOthers, in: 0..<snapshot.layout.pageCount)
        }
        for index in state.blocks.indices {
            let pages = state.pages(ofBlock: index)
            let others = anyMappedByOthers
                ? snapshot.mapped.intersectionCount(with: state.mappedByOthers, in: pages) : 0
            let mapped = snapshot.mapped.setCount(in: pages) - others
            guard mapped > 0 else { continue }
            let block = state.blocks[index]
            if now - block.lastActivity < limits.coldAge {
                classes.counts.hot += mapped
                classes.turningCold.append((block.lastActivity + limits.coldAge, mapped))
                continue
            }
            if block.holdsAll, block.isBackedOff(at: now) {
                classes.counts.warm += mapped
                classes.heldWholeBlocks += 1
                continue
            }
            let warm = snapshot.mapped.intersectionCount(with: state.warm, in: pages)
            classes.counts.warm += warm
            classes.counts.cold += mapped - warm
            if warm > 0 { classes.warmBlocks += 1 }
            // A block back from a whole-block hold is checked by its probe first (`planProbes`), its warm pages
            // after it unless it is held whole again; a block with nothing left to probe has its warm pages checked.
            let probedFirst = block.backFromHold && mapped > warm
            let due = !block.isBackedOff(at: now) || (block.recheckWarm && settling)
            if warm > 0, due, !block.warmCheckOut, !probedFirst,
               unusedWarm.intersectionCount(with: snapshot.mapped, in: pages) > 0 {
                classes.checks.append(index)
            }
            guard mapped > warm else { continue }
            switch block.phase {
            case .unprobed: classes.unprobed.insert(index)
            case .sampling: classes.sampling.append(index)
            case .established: classes.established.append(index)
            }
        }
        return classes
    }

    /// Plans, while the allowance lasts: the cold pages of established blocks in full, slices of sampling blocks
    /// and checks of warm pages within the slice budget, then samples of never-probed blocks within the probe
    /// budget. Warm pages are only ever taken by a check.
    static func plan(_ classes: inout Classes, state: inout RegionPolicyState, plannable: PageBitmap,
                     limits: PolicyLimits, into planning: inout Planning) {
        let unknown = plannable.subtracting(state.warm)
        for index in classes.established where planning.allowance > 0 {
            _ = planning.take(takeMapped(unknown, in: state.pages(ofBlock: index), limit: planning.allowance))
            planning.plan.fullBlocks.append(index)
        }
        let offset = state.probeCursor
        for index in classes.sampling where planning.allowance > 0 && planning.sliceBudget > 0 {
            let stride = Int(state.blocks[index].stride)
            let slice = sampleMapped(unknown, in: state.pages(ofBlock: index), stride: stride,
                                     offset: (offset + index) % stride,
                                     limit: min(planning.allowance, planning.sliceBudget))
            let pages = planning.take(slice)
            planning.sliceBudget -= pages
            planning.plan.probePages += pages
            planning.plan.probedBlocks.append(index)
        }
        let warm = plannable.intersection(classes.unusedWarm)
        let checkStride = limits.checkStride
        for index in classes.checks where planning.allowance > 0 && planning.sliceBudget > 0 {
            // At least `minimumCheckPages` (or all): one page the guest touches every few seconds may well stay
            // out for a cold_age, eight of them hardly.
            let blockPages = state.pages(ofBlock: index)
            let stride = max(1, min(checkStride, warm.setCount(in: blockPages) / minimumCheckPages))
            let sample = sampleMapped(warm, in: blockPages, stride: stride, offset: (offset + index) % stride,
                                      limit: min(planning.allowance, planning.sliceBudget))
            let pages = planning.take(sample)
            planning.sliceBudget -= pages
            planning.plan.probePages += pages
            planning.plan.checkedBlocks.append(index)
        }
        planProbes(&classes.unprobed, state: &state, mapped: unknown, limits: limits, into: &planning)
    }

    /// The fewest pages a check of a block's warm pages pages out.
    static let minimumCheckPages = 8

    /// Plans a sample of the `mapped` pages of never-probed cold blocks, visited in the spread order from the
    /// state's probe cursor, within the allowance and the scan's probe budget (whole blocks' worth of pages:
    /// `PolicyLimits.probePages`, from the time since the previous scan).
    static func planProbes(_ unprobed: inout Set<Int>, state: inout RegionPolicyState, mapped: PageBitmap,
                           limits: PolicyLimits, into planning: inout Planning) {
        var probeBudget = planning.probeBudget
        var visited = 0
        while planning.allowance > 0, probeBudget > 0, !unprobed.isEmpty, visited < state.blocks.count {
            let index = state.spreadBlock(state.probeCursor)
            state.probeCursor += 1
            visited += 1
            guard unprobed.remove(index) != nil else { continue }
            let blockPages = state.pages(ofBlock: index)
            // A block back from a hold is hot throughout as far as we know: a check's few pages tell whether it
            // still is, at a quarter of a first sample's refaults.
            let check = state.blocks[index].backFromHold
            let stride = check ? max(1, mapped.setCount(in: blockPages) / minimumCheckPages) : limits.sampleStride
            let sample = sampleMapped(mapped, in: blockPages, stride: stride, offset: state.probeCursor % stride,
                                      limit: check ? min(minimumCheckPages, planning.allowance) : planning.allowance)
            planning.plan.probePages += planning.take(sample)
            probeBudget -= blockPages.count
            planning.plan.probedBlocks.append(index)
        }
    }

    /// The mapped runs of `pages`, at most `limit` pages in all.
    static func takeMapped(_ mapped: PageBitmap, in pages: Range<Int>, limit: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var left = limit
        mapped.forEachRun(in: pages) { run in
            guard left > 0 else { return }
            let taken = run.lowerBound..<(run.lowerBound + min(run.count, left))
            result.append(taken)
            left -= taken.count
        }
        return result
    }

    /// Every `stride`-th mapped page of `pages` from `offset`, at most `limit`, as runs; all of them at stride 1.
    /// A block with fewer mapped pages than the stride still gives one page, so its probe always moves on.
    static func sampleMapped(_ mapped: PageBitmap, in pages: Range<Int>, stride: Int, offset: Int,
                             limit: Int) -> [Range<Int>] {
        guard stride > 1 else { return takeMapped(mapped, in: pages, limit: limit) }
        let available = mapped.setCount(in: pages)
        let start = offset % max(1, min(stride, available))
        var result: [Range<Int>] = []
        var taken = 0
        var rank = 0
        mapped.forEachRun(in: pages) { run in
            for page in run where taken < limit {
                if rank % stride == start {
                    result.append(page..<(page + 1))
                    taken += 1
                }
                rank += 1
            }
        }
        return result
    }
}
