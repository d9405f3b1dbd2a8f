/// Pictures of a region: its pages per class, cell by cell, with the classes `evaluate` counts.
extension PolicyEngine {
    /// The pages of `snapshot` per class in at most `cells` equal slices of the region, as the policy saw them at
    /// `now`: hole, swapped and skewed (resident, not mapped in the VMM) from the snapshot, and the mapped pages
    /// split into hot, warm and cold by `mappedClasses`, the rule `evaluate` classifies them by. Cells added up
    /// give the counts `evaluate` returned for the same state, snapshot and time.
    ///
    /// Costs no memory per page: each cell is counted from the bitmaps' runs, one slice of a block at a time, so
    /// the work grows with the number of blocks and cells, and runs skip whole words of 64 pages at once.
    public static func classMap(_ state: RegionPolicyState, snapshot: PageSnapshot, now: Int64,
                                limits: PolicyLimits, cells: Int) -> RegionHeatmap {
        precondition(snapshot.layout == state.layout, "snapshot of another layout")
        let pageCount = state.layout.pageCount
        let pagesPerCell = RegionHeatmap.pagesPerCell(pageCount: pageCount, cells: cells)
        let cellCount = (pageCount + pagesPerCell - 1) / pagesPerCell
        var counts = [PageClassCounts](repeating: PageClassCounts(), count: cellCount)
        for block in state.blocks.indices {
            let blockPages = state.pages(ofBlock: block)
            var start = blockPages.lowerBound
            while start < blockPages.upperBound {
                let cell = start / pagesPerCell
                let end = min(blockPages.upperBound, (cell + 1) * pagesPerCell)
                counts[cell].add(classCounts(of: start..<end, inBlock: block, state: state, snapshot: snapshot,
                                             now: now, limits: limits))
                start = end
            }
        }
        return RegionHeatmap(pageSize: state.layout.pageSize, pagesPerCell: pagesPerCell, cells: counts)
    }

    /// The classes of `pages`, a slice of block `block`.
    private static func classCounts(of pages: Range<Int>, inBlock block: Int, state: RegionPolicyState,
                                    snapshot: PageSnapshot, now: Int64, limits: PolicyLimits) -> PageClassCounts {
        var counts = PageClassCounts()
        counts.swapped = snapshot.swapped.setCount(in: pages)
        counts.skewed = snapshot.residentUnmapped.setCount(in: pages)
        let mapped = mappedClasses(of: pages, inBlock: block, state: state, snapshot: snapshot, now: now,
                                   limits: limits)
        counts.hot = mapped.hot
        counts.warm = mapped.warm
        counts.cold = mapped.cold
        counts.hole = pages.count - counts.swapped - counts.skewed - mapped.hot - mapped.warm - mapped.cold
        return counts
    }

    /// How the pages of `pages` (a slice of block `block`) that `snapshot` shows mapped split into hot, warm and
    /// cold: the one place the picture states which mapped pages the policy holds back.
    ///
    /// As `classify` does: all hot while the block was first used within cold_age, all warm while the block is
    /// held whole (hot throughout), else page by page: warm the pages that came back after a pageout, cold the
    /// others.
    private static func mappedClasses(of pages: Range<Int>, inBlock block: Int, state: RegionPolicyState,
                                      snapshot: PageSnapshot, now: Int64,
                                      limits: PolicyLimits) -> (hot: Int, warm: Int, cold: Int) {
        let mapped = snapshot.mapped.setCount(in: pages)
        let blockState = state.blocks[block]
        if now - blockState.lastActivity < limits.coldAge { return (mapped, 0, 0) }
        if blockState.holdsAll, blockState.isBackedOff(at: now) { return (0, mapped, 0) }
        let warm = snapshot.mapped.intersectionCount(with: state.warm, in: pages)
        return (0, warm, mapped - warm)
    }
}
