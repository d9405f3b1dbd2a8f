import PageoutCore
import Testing

/// `PolicyEngine.classMap`: a region's pages per class, cell by cell, in step with what `evaluate` counts.
@Suite struct PageClassMapTests {
    /// 8 blocks of 16 pages, 4 KiB pages.
    static let layout = RegionLayout(mappings: [(AddressRange(start: 0x100000, end: 0x100000 + 128 * 4096), 0)],
                                     pageSize: 4096)
    static let limits = PolicyLimits(coldAge: 3_000, backoff: BackoffSchedule(minimum: 30_000, maximum: 600_000),
                                     probeBudgetPages: 32, sampleStride: 4, maxSwappedFraction: 1, blockPages: 16)

    /// A snapshot with the pages of each run in its state, the rest holes.
    static func snapshot(mapped: [Range<Int>], swapped: [Range<Int>], resident: [Range<Int>]) -> PageSnapshot {
        var snapshot = PageSnapshot(layout: layout)
        mapped.forEach { snapshot.record(.mapped, pages: $0) }
        swapped.forEach { snapshot.record(.swapped, pages: $0) }
        resident.forEach { snapshot.record(.residentUnmapped, pages: $0) }
        return snapshot
    }

    /// Three scans through the engine, planning nothing: at 0 s pages 0-95 are mapped, 96-111 swapped, 112-119
    /// resident and unmapped, 120-127 holes; at 5 s pages 96-99 come back (block 6 refaults and backs off); at 9 s
    /// the guest writes page 120 (block 7 is in use). At 9 s: block 6 is warm (quiet for cold_age, backed off),
    /// block 7 hot, blocks 0-5 cold.
    static func scanned() -> (state: RegionPolicyState, snapshot: PageSnapshot, counts: PageClassCounts) {
        var state = RegionPolicyState(layout: layout, blockPages: 16, now: 0)
        let scans: [(Int64, PageSnapshot)] = [
            (0, snapshot(mapped: [0..<96], swapped: [96..<112], resident: [112..<120])),
            (5_000, snapshot(mapped: [0..<100], swapped: [100..<112], resident: [112..<120])),
            (9_000, snapshot(mapped: [0..<100, 120..<121], swapped: [100..<112], resident: [112..<120])),
        ]
        var counts = PageClassCounts()
        for (now, snapshot) in scans {
            let decision = PolicyEngine.evaluate(state, snapshot: snapshot, now: now, limits: limits, pageBudget: 0)
            state = decision.state
            counts = decision.counts
        }
        return (state, scans[2].1, counts)
    }

    static func counts(hole: Int = 0, swapped: Int = 0, cold: Int = 0, warm: Int = 0, hot: Int = 0,
                       skewed: Int = 0) -> PageClassCounts {
        var counts = PageClassCounts()
        counts.hole = hole
        counts.swapped = swapped
        counts.cold = cold
        counts.warm = warm
        counts.hot = hot
        counts.skewed = skewed
        return counts
    }

    @Test func cellsOfEqualSlicesAcrossBlocksCountEachClass() {
        let (state, snapshot, _) = Self.scanned()
        let map = PolicyEngine.classMap(state, snapshot: snapshot, now: 9_000, limits: Self.limits, cells: 5)
        #expect(map.pagesPerCell == 26, "128 pages in at most 5 cells")
        #expect(map.pageSize == 4096 && map.pageCount == 128 && map.byteCount == 128 * 4096)
        #expect(map.cells == [
            Self.counts(cold: 26), Self.counts(cold: 26), Self.counts(cold: 26),
            Self.counts(swapped: 4, cold: 18, warm: 4),  // pages 78-103: blocks 4, 5 and 6
            Self.counts(hole: 7, swapped: 8, hot: 1, skewed: 8),  // pages 104-127, the shorter last cell
        ])
        #expect(map.dominantClasses == [.cold, .cold, .cold, .cold, .skewed], "skewed wins a tie with swapped")
    }

    @Test("cells asked for: pages per cell and cells made", arguments: [
        (1, 128, 1), (3, 43, 3), (5, 26, 5), (16, 8, 16), (100, 2, 64), (128, 1, 128), (1000, 1, 128),
    ])
    func cellsAddUpToTheCountsOfEvaluate(cells: Int, pagesPerCell: Int, cellCount: Int) {
        let (state, snapshot, counts) = Self.scanned()
        #expect(counts == Self.counts(hole: 7, swapped: 12, cold: 96, warm: 4, hot: 1, skewed: 8))
        let map = PolicyEngine.classMap(state, snapshot: snapshot, now: 9_000, limits: Self.limits, cells: cells)
        #expect(map.totals == counts)
        #expect(map.pagesPerCell == pagesPerCell && map.cells.count == cellCount)
        #expect(map.cells.dropLast().allSatisfy { $0.total == pagesPerCell })
    }

    @Test func onePagePerCellShowsEachPagesClass() {
        let (state, snapshot, _) = Self.scanned()
        let map = PolicyEngine.classMap(state, snapshot: snapshot, now: 9_000, limits: Self.limits, cells: 128)
        let expected: [PageClass] = Array(repeating: .cold, count: 96) + Array(repeating: .warm, count: 4)
            + Array(repeating: .swapped, count: 12) + Array(repeating: .skewed, count: 8) + [.hot]
            + Array(repeating: .hole, count: 7)
        #expect(map.dominantClasses == expected)
    }

    @Test func laterTheHotBlockCoolsAndOnlyThePagesThatCameBackStayWarm() {
        // The hold has run out: the pages that came back stay warm until a check of them says otherwise.
        let (state, snapshot, _) = Self.scanned()
        let map = PolicyEngine.classMap(state, snapshot: snapshot, now: 40_000, limits: Self.limits, cells: 1)
        #expect(map.cells == [Self.counts(hole: 7, swapped: 12, cold: 97, warm: 4, skewed: 8)])
    }

    @Test("a cell shows its largest class; ties go to hot, warm, skewed, cold, swapped, hole", arguments: [
        (counts(hole: 3, swapped: 2), PageClass.hole),
        (counts(hole: 2, swapped: 2), .swapped),
        (counts(swapped: 2, cold: 2), .cold),
        (counts(cold: 2, skewed: 2), .skewed),
        (counts(warm: 2, skewed: 2), .warm),
        (counts(warm: 2, hot: 2), .hot),
        (counts(hole: 1, hot: 1), .hot),
        (counts(swapped: 5, hot: 1), .swapped),
    ])
    func dominantClass(counts: PageClassCounts, expected: PageClass) {
        #expect(counts.dominantClass == expected)
    }

    @Test(arguments: [(0, 4, 1), (128, 5, 26), (128, 128, 1), (128, 1000, 1), (1 << 28, 16384, 16384)])
    func pagesPerCell(pageCount: Int, cells: Int, expected: Int) {
        #expect(RegionHeatmap.pagesPerCell(pageCount: pageCount, cells: cells) == expected)
    }
}
