/// The steps of `PolicyEngine.evaluate` after learning: classify the mapped pages, then plan within the allowance.
extension PolicyEngine {
    /// The mapped pages of one scan by class, and the cold blocks the plan may take.
    struct Classes {
        var counts = PageClassCounts()
        /// Cold blocks paged out before (sampled or established): paged out in full.
        var established: [Int] = []
        /// Cold blocks never probed: a sample of each is probed, within the probe budget.
        var unprobed = Set<Int>()
    }

    /// A plan being built: what may still be taken, the plan, and its pages as a bitmap.
    struct Planning {
        var allowance: Int
        var plan = PageoutPlan()
        var planned: PageBitmap

        init(allowance: Int, pageCount: Int) {
            self.allowance = allowance
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

    /// Sorts every block's mapped pages into hot (active within cold_age), warm (held by its backoff) and cold.
    static func classify(_ state: RegionPolicyState, snapshot: PageSnapshot, now: Int64,
                         limits: PolicyLimits) -> Classes {
        var classes = Classes()
        classes.counts.hole = snapshot.counts.hole
        classes.counts.swapped = snapshot.counts.swapped
        classes.counts.skewed = snapshot.counts.residentUnmapped
        for index in state.blocks.indices {
            let mapped = snapshot.mapped.setCount(in: state.pages(ofBlock: index))
            guard mapped > 0 else { continue }
            let block = state.blocks[index]
            if now - block.lastActivity < limits.coldAge {
                classes.counts.hot += mapped
            } else if block.isBackedOff(at: now) {
                classes.counts.warm += mapped
            } else {
                classes.counts.cold += mapped
                if block.phase == .unprobed {
                    classes.unprobed.insert(index)
                } else {
                    classes.established.append(index)
                }
            }
        }
        return classes
    }

    /// Plans the `mapped` pages of cold blocks whose probe stayed out, in block order, while the allowance lasts.
    static func planFullBlocks(_ established: [Int], state: RegionPolicyState, mapped: PageBitmap,
                               into planning: inout Planning) {
        for index in established where planning.allowance > 0 {
            _ = planning.take(takeMapped(mapped, in: state.pages(ofBlock: index), limit: planning.allowance))
            planning.plan.fullBlocks.append(index)
        }
    }

    /// Plans a sample of the `mapped` pages of never-probed cold blocks, visited in the spread order from the
    /// state's probe cursor, within the allowance and the per-scan probe budget.
    static func planProbes(_ unprobed: inout Set<Int>, state: inout RegionPolicyState, mapped: PageBitmap,
                           limits: PolicyLimits, into planning: inout Planning) {
        var probeBudget = limits.probeBudgetPages
        var visited = 0
        while planning.allowance > 0, probeBudget > 0, !unprobed.isEmpty, visited < state.blocks.count {
            let index = state.spreadBlock(state.probeCursor)
            state.probeCursor += 1
            visited += 1
            guard unprobed.remove(index) != nil else { continue }
            let blockPages = state.pages(ofBlock: index)
            let sample = sampleMapped(mapped, in: blockPages, stride: limits.sampleStride,
                                      offset: state.probeCursor % limits.sampleStride, limit: planning.allowance)
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

    /// Every `stride`-th mapped page of `pages` from `offset`, at most `limit`, as single-page runs.
    static func sampleMapped(_ mapped: PageBitmap, in pages: Range<Int>, stride: Int, offset: Int,
                             limit: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var rank = 0
        mapped.forEachRun(in: pages) { run in
            for page in run where result.count < limit {
                if rank % stride == offset { result.append(page..<(page + 1)) }
                rank += 1
            }
        }
        return result
    }
}
