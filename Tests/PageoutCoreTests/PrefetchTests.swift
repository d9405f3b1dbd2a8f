import Testing
@testable import PageoutCore

/// A guest whose swapped pages may sit in the swap cache, as MADV_WILLNEED leaves them: touching one of those is a
/// minor fault, touching another swapped page a major one.
struct SwapCacheGuest {
    let pageCount: Int
    var mapped: PageBitmap
    var swapped: PageBitmap
    /// Swapped pages read into the swap cache (a subset of `swapped`).
    var cached: PageBitmap
    /// How the snapshot reads a cached page: swapped (the kernel's counts agree, the file keeps the swap entry)
    /// or resident and unmapped (the snapshot looked it up with mincore).
    let cachedReadsAsSwapped: Bool
    var majorFaults = 0
    var minorFaults = 0
    /// Major faults on the guest's first touch of a page.
    var firstTouchMajorFaults = 0
    /// Pages the guest touched.
    var touched: PageBitmap

    init(pageCount: Int, cachedReadsAsSwapped: Bool) {
        self.pageCount = pageCount
        self.cachedReadsAsSwapped = cachedReadsAsSwapped
        mapped = PageBitmap(count: pageCount)
        mapped.set(0..<pageCount)
        swapped = PageBitmap(count: pageCount)
        cached = PageBitmap(count: pageCount)
        touched = PageBitmap(count: pageCount)
    }

    var snapshot: PageSnapshot {
        var snapshot = PageSnapshot(layout: PolicyEngineTests.layout)
        mapped.forEachRun { snapshot.record(.mapped, pages: $0) }
        let readAsSwapped = cachedReadsAsSwapped ? swapped : swapped.subtracting(cached)
        readAsSwapped.forEachRun { snapshot.record(.swapped, pages: $0) }
        if !cachedReadsAsSwapped { cached.forEachRun { snapshot.record(.residentUnmapped, pages: $0) } }
        return snapshot
    }

    /// Carries out a decision as the daemon's executor does: repairs drop cached pages back to swap alone,
    /// prefetches read swapped pages into the cache, the plan goes to swap.
    mutating func carryOut(_ decision: PolicyDecision) {
        for run in decision.repair + decision.expiredPrefetch { cached.clear(run) }
        for run in decision.prefetch { cached.formUnion(swapped.intersection(all(run))) }
        for run in decision.plan.runs {
            mapped.clear(run)
            swapped.set(run)
        }
    }

    /// The guest touches `page`.
    mutating func touch(_ page: Int) {
        defer { touched[page] = true }
        guard swapped[page] else { return }
        if cached[page] { minorFaults += 1 } else { majorFaults += 1 }
        if !cached[page] && !touched[page] { firstTouchMajorFaults += 1 }
        swapped[page] = false
        cached[page] = false
        mapped[page] = true
    }

    private func all(_ run: Range<Int>) -> PageBitmap {
        var pages = PageBitmap(count: pageCount)
        pages.set(run)
        return pages
    }
}

/// Prefetch: the swapped neighbours of a page that came back are read into the swap cache, so the guest's next
/// touches of its working set's run are minor faults; unused, they are put back into swap once they expire.
@Suite struct PrefetchTests {
    /// The run of pages the guest starts to use once every page is in swap: one new page a second.
    static let run = 40..<56

    /// Scans a second apart: 30 s with the guest idle (everything goes to swap), then the guest walks `run`,
    /// touching every page of it it used before and one new page each second. Returns the guest, the pages
    /// the repair named and the expired prefetched pages put back.
    static func walk(prefetch: Bool, cachedReadsAsSwapped: Bool, seconds: Int = 60)
        -> (guest: SwapCacheGuest, state: RegionPolicyState, repaired: PageBitmap, expired: PageBitmap) {
        var limits = PolicyEngineTests.limits
        limits.prefetch = prefetch
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: limits, now: 0)
        var guest = SwapCacheGuest(pageCount: 128, cachedReadsAsSwapped: cachedReadsAsSwapped)
        var repaired = PageBitmap(count: 128)
        var expired = PageBitmap(count: 128)
        for second in 0..<seconds {
            let decision = PolicyEngine.evaluate(state, snapshot: guest.snapshot, now: Int64(second) * 1_000,
                                                 limits: limits, pageBudget: .max)
            state = decision.state
            state.recordPageout(decision.plan, at: Int64(second) * 1_000)
            for run in decision.repair { repaired.set(run) }
            for run in decision.expiredPrefetch { expired.set(run) }
            guest.carryOut(decision)
            if second >= 30 {
                for page in run.prefix(second - 29) { guest.touch(page) }
            }
        }
        return (guest, state, repaired, expired)
    }

    @Test(arguments: [true, false])
    func aRunComesBackWithOneMajorFault(cachedReadsAsSwapped: Bool) {
        let without = Self.walk(prefetch: false, cachedReadsAsSwapped: cachedReadsAsSwapped)
        #expect(without.guest.firstTouchMajorFaults == Self.run.count,
                "without prefetch the first touch of every page of the run is a major fault")
        let with = Self.walk(prefetch: true, cachedReadsAsSwapped: cachedReadsAsSwapped)
        #expect(with.guest.firstTouchMajorFaults == 1, "only the run's first page is a major fault at its first touch")
        #expect(with.guest.minorFaults >= Self.run.count - 1)
        #expect(with.guest.majorFaults < without.guest.majorFaults)
        var used = PageBitmap(count: 128)
        used.set(Self.run)
        #expect(with.state.warm.intersection(used) == used, "a prefetched page the guest used is warm")
        #expect(with.state.prefetch.hitPages == Self.run.count - 1)
        #expect(with.repaired.isEmpty, "a prefetched page is not another reader's")
        #expect(with.expired.intersection(used).isEmpty, "no page the guest used was put back")
    }

    @Test(arguments: [true, false])
    func prefetchedPagesTheGuestNeverUsesGoBackToSwap(cachedReadsAsSwapped: Bool) {
        // The guest's first touches read as a working-set move, which settles 80 s after it at the earliest.
        let result = Self.walk(prefetch: true, cachedReadsAsSwapped: cachedReadsAsSwapped, seconds: 130)
        // The reach starts at 3: pages 37-39 were read with page 40; the guest never touches them.
        let unused = 37..<40
        #expect(unused.allSatisfy { result.expired[$0] }, "the unused prefetched pages were put back")
        #expect(result.repaired.isEmpty, "a prefetched page is not another reader's")
        #expect(result.guest.cached.isEmpty, "nothing is left in the swap cache")
        let early = Self.walk(prefetch: true, cachedReadsAsSwapped: cachedReadsAsSwapped, seconds: 33)
        #expect(!unused.contains { early.expired[$0] }, "within a cold_age of their prefetch they wait")
        #expect(!early.guest.cached.isEmpty)
    }

    @Test func theReachGrowsWhilePrefetchesAreUsedAndShrinksWhileTheyAreNot() {
        var prefetch = PrefetchState(pageCount: 4_096, now: 0, learningGenerations: 0)
        var out = PageBitmap(count: 4_096)
        out.set(0..<4_096)
        var back = PageBitmap(count: 4_096)
        for page in stride(from: 64, to: 4_000, by: 64) { back[page] = true }
        // Every prefetched page is used within the cold age: the reach doubles each cold age up to its maximum.
        var now: Int64 = 0
        for _ in 0..<5 {
            var mapped = PageBitmap(count: 4_096)
            for run in prefetch.plan(around: back, among: out) { mapped.set(run) }
            now += 3_000
            _ = prefetch.account(mapped: mapped, out: out.subtracting(mapped), at: now, coldAge: 3_000)
        }
        #expect(prefetch.reach == PrefetchState.maximumReach)
        // None is used: it halves at each cold age that judges enough pages, down to one page.
        for _ in 0..<10 {
            _ = prefetch.plan(around: back, among: out)
            now += 3_000
            let expired = prefetch.account(mapped: PageBitmap(count: 4_096), out: out, at: now, coldAge: 3_000).expired
            out.formUnion(expired)
        }
        #expect(prefetch.reach == 1)
        // The working set moves: back to the widest reach found used.
        prefetch.workingSetMoved(at: 0)
        #expect(prefetch.reach == PrefetchState.maximumReach)
    }

    @Test func aScanReadsFourTimesAsMuchWhileAWorkingSetMoveSettles() {
        // Every eighth page came back, the pages between are out: six of each seven within the rings' first reach.
        let pageCount = 65_536
        var out = PageBitmap(count: pageCount)
        out.set(0..<pageCount)
        var back = PageBitmap(count: pageCount)
        for page in stride(from: 4, to: pageCount, by: 8) {
            back[page] = true
            out[page] = false
        }
        var settled = PrefetchState(pageCount: pageCount, now: 0, learningGenerations: 0)
        var moved = settled
        moved.workingSetMoved(at: 0)
        let readSettled = settled.plan(around: back, among: out).reduce(0) { $0 + $1.count }
        let readMoved = moved.plan(around: back, among: out).reduce(0) { $0 + $1.count }
        #expect(readSettled == PrefetchState.pagesPerScan)
        #expect(readMoved == PrefetchState.pagesPerScanAfterMove && readMoved == 4 * readSettled)
        // Once the move settles (its cold ages passed), a scan reads its usual share again.
        var now: Int64 = 0
        for _ in 0..<PrefetchState.generationsAfterMove {
            now += 20_000
            _ = moved.account(mapped: back, out: out, at: now, coldAge: 20_000)
        }
        #expect(!moved.settlingAfterMove)
        // The page after each of those came back now; around it, pages not read yet are out.
        var next = PageBitmap(count: pageCount)
        for page in stride(from: 1, to: pageCount, by: 8) { next[page] = true }
        out.subtract(next)
        let readAfter = moved.plan(around: next, among: out.subtracting(moved.waiting)).reduce(0) { $0 + $1.count }
        #expect(readAfter == PrefetchState.pagesPerScan)
    }

    @Test func theNearestNeighboursComeFirstWhenTheAllowanceIsShort() {
        var prefetch = PrefetchState(pageCount: 4_096, now: 0, learningGenerations: 0)
        var out = PageBitmap(count: 4_096)
        out.set(0..<4_096)
        var back = PageBitmap(count: 4_096)
        back.set(100..<102)
        back[3_000] = true
        #expect(prefetch.plan(around: back, among: out, allowance: 4) == [99..<100, 102..<103, 2_999..<3_000,
                                                                        3_001..<3_002])
        #expect(prefetch.waiting.setCount == 4)
        // The allowance counts what still waits: nothing more now; the rest of the reach once those are used.
        #expect(prefetch.plan(around: back, among: out, allowance: 4).isEmpty)
        let hits = prefetch.account(mapped: prefetch.waiting, out: out, at: 1_000, coldAge: 3_000).hits
        #expect(hits.setCount == 4)
        out.subtract(hits)
        #expect(prefetch.plan(around: back, among: out, allowance: 4) == [98..<99, 103..<104, 2_998..<2_999,
                                                                        3_002..<3_003])
    }

    /// While a working-set move settles, the pages that came back at a scan whose reads reached the scan's most,
    /// or whose rings' allowance ran out, are read around at the next scans, nearest first with their own returns,
    /// until one reads less than its most and its rings have room left. Away from a move a scan reads around its
    /// own returns only.
    @Test func whileAMoveSettlesTheReturnsAFullScanOrTheRingsLeftAreReadAroundLater() {
        // Every eighth page of the first half came back, all else is out: 4,096 returns, six pages out within
        // the rings' first reach of each (24,576), more than a scan reads.
        let pageCount = 65_536
        var out = PageBitmap(count: pageCount)
        out.set(0..<pageCount)
        var back = PageBitmap(count: pageCount)
        for page in stride(from: 4, to: pageCount / 2, by: 8) { back[page] = true }
        out.subtract(back)
        let none = PageBitmap(count: pageCount)
        func reads(moved: Bool) -> [PageBitmap] {
            var prefetch = PrefetchState(pageCount: pageCount, now: 0, learningGenerations: 0)
            if moved { prefetch.workingSetMoved(at: 0) }
            var plans = [prefetch.plan(around: back, among: out)]
            for _ in 0..<2 { plans.append(prefetch.plan(around: none, among: out.subtracting(prefetch.waiting))) }
            return plans.map { runs in
                var pages = PageBitmap(count: pageCount)
                runs.forEach { pages.set($0) }
                return pages
            }
        }
        func distance(_ pages: PageBitmap) -> Set<Int> {
            var distances = Set<Int>()
            pages.forEachRun { run in run.forEach { distances.insert(abs($0 % 8 - 4)) } }
            return distances
        }
        let moved = reads(moved: true)
        #expect(moved[0].setCount == PrefetchState.pagesPerScanAfterMove)
        #expect(distance(moved[0]) == [1, 2], "the nearest first")
        #expect(moved[1].setCount == 8_192 && distance(moved[1]) == [3], "the rest of the reach, at the next scan")
        #expect(moved[2].isEmpty, "read less than its most: nothing left over")
        let settled = reads(moved: false)
        #expect(settled[0].setCount == PrefetchState.pagesPerScan)
        #expect(settled[1].isEmpty && settled[2].isEmpty, "a scan reads around its own returns only")

        // The rings' allowance running out carries the returns over while the move settles: they are read around,
        // nearest first, as the guest's use of what waits frees room; not once the working set stays put.
        for moved in [true, false] {
            var prefetch = PrefetchState(pageCount: pageCount, now: 0, learningGenerations: 0)
            if moved { prefetch.workingSetMoved(at: 0) }
            #expect(prefetch.plan(around: back, among: out, allowance: 2) == [3..<4, 5..<6])
            let hits = prefetch.account(mapped: prefetch.waiting, out: out, at: 1_000, coldAge: 10_000).hits
            let next = prefetch.plan(around: none, among: out.subtracting(hits), allowance: 2)
            #expect(next == (moved ? [11..<12, 13..<14] : []), "moved: \(moved)")
        }
    }

    /// A region of 4,096 pages all out but page 100, which came back: the rings read the three pages on each side
    /// (allowance 6). `moved`: a working-set move was seen first.
    static func sixPagesWaiting(moved: Bool) -> (prefetch: PrefetchState, out: PageBitmap, back: PageBitmap) {
        var prefetch = PrefetchState(pageCount: 4_096, now: 0, learningGenerations: 0)
        if moved { prefetch.workingSetMoved(at: 0) }
        var out = PageBitmap(count: 4_096)
        out.set(0..<4_096)
        var back = PageBitmap(count: 4_096)
        back[100] = true
        out[100] = false
        #expect(prefetch.plan(around: back, among: out, allowance: 6) == [97..<100, 101..<104])
        return (prefetch, out, back)
    }

    /// Reclaim drops a page waiting in the swap cache (clean, unmapped: the cheapest memory there is) and the
    /// kernel's counts do not show it: only the look at the waiting pages' residency does. A dropped page stops
    /// taking the allowance and may be read again.
    @Test func aWaitingPageReclaimDroppedIsReadAgain() {
        var (prefetch, out, back) = Self.sixPagesWaiting(moved: false)
        let none = PageBitmap(count: 4_096)
        var resident = PageBitmap(count: 4_096)
        resident.set(101..<104)
        _ = prefetch.account(mapped: none, out: out, resident: resident, at: 1_000, coldAge: 3_000)
        #expect(prefetch.droppedPages == 3)
        #expect(prefetch.waitingCount == 3, "the pages reclaim dropped wait no more")
        #expect(prefetch.plan(around: back, among: out, allowance: 6) == [97..<100], "read again")
        // Without the look (nil) the pages are taken as still waiting.
        _ = prefetch.account(mapped: none, out: out, at: 2_000, coldAge: 3_000)
        #expect(prefetch.waitingCount == 6 && prefetch.droppedPages == 3)
    }

    /// While a working-set move settles, a page reclaim dropped is read again at the scan that finds it gone,
    /// whether or not a page beside it came back (the moved working set's Zipf tail touches it later): once. Away
    /// from a move it is left until a page beside it comes back, unless it is alone between two mapped pages
    /// (`aLonePageReclaimDroppedIsReadAgainOnce`).
    @Test func whileAMoveSettlesADroppedPageIsReadAgainOnce() {
        func readBack(moved: Bool) -> (first: [Range<Int>], second: [Range<Int>]) {
            var (prefetch, out, _) = Self.sixPagesWaiting(moved: moved)
            let none = PageBitmap(count: 4_096)
            var resident = PageBitmap(count: 4_096)
            resident.set(97..<100)
            var dropped = prefetch.account(mapped: none, out: out, resident: resident, at: 1_000, coldAge: 3_000)
                .dropped
            #expect(dropped.runs() == [101..<104])
            let first = prefetch.plan(around: none, among: out, allowance: 6, dropped: dropped)
            // Read again, they are dropped again.
            var gone = PageBitmap(count: 4_096)
            gone.set(101..<104)
            resident = prefetch.waiting.subtracting(gone)
            dropped = prefetch.account(mapped: none, out: out, resident: resident, at: 2_000, coldAge: 3_000).dropped
            return (first, prefetch.plan(around: none, among: out, allowance: 6, dropped: dropped))
        }
        let moved = readBack(moved: true)
        #expect(moved.first == [101..<104], "read again at once, with nothing back beside them")
        #expect(moved.second.isEmpty, "once")
        let settled = readBack(moved: false)
        #expect(settled.first.isEmpty && settled.second.isEmpty)
    }

    /// A page reclaim dropped was never offered to the guest: it judges neither the rings' reach nor a gap width.
    @Test func pagesReclaimDroppedJudgeNoReach() {
        func reach(droppedAtOnce: Bool) -> Int {
            var prefetch = PrefetchState(pageCount: 4_096, now: 0, learningGenerations: 0)
            var out = PageBitmap(count: 4_096)
            out.set(0..<4_096)
            var back = PageBitmap(count: 4_096)
            for page in stride(from: 0, to: 1_024, by: 16) { back[page] = true }
            out.subtract(back)
            #expect(prefetch.plan(around: back, among: out).reduce(0) { $0 + $1.count } > 256)
            let none = PageBitmap(count: 4_096)
            let resident = droppedAtOnce ? none : prefetch.waiting
            for now: Int64 in [1_000, 4_000, 7_000] {
                _ = prefetch.account(mapped: none, out: out, resident: resident, at: now, coldAge: 3_000)
            }
            return prefetch.reach
        }
        #expect(reach(droppedAtOnce: false) == 1, "left unused for a generation, the pages halve the reach")
        #expect(reach(droppedAtOnce: true) == PrefetchState.initialReach, "dropped, they judge nothing")
    }
}

/// The gaps of a run the guest maps in part: filled whole within the gap reach, kept while they are gaps.
@Suite struct PrefetchGapTests {
    static let pageCount = 4_096

    static func bitmap(_ ranges: Range<Int>...) -> PageBitmap {
        var pages = PageBitmap(count: pageCount)
        ranges.forEach { pages.set($0) }
        return pages
    }

    @Test func aGapNextToAPageThatCameBackIsFilledBeforeTheRings() {
        var prefetch = PrefetchState(pageCount: Self.pageCount, now: 0, learningGenerations: 0)
        // Pages 100 and 103 are mapped, 101 and 102 out; 101 came back. 200 came back alone among swapped pages.
        let mapped = Self.bitmap(100..<102, 103..<104, 200..<201)
        let back = Self.bitmap(101..<102, 200..<201)
        let out = Self.bitmap(0..<100, 102..<103, 104..<200, 201..<Self.pageCount)
        // No room for the rings: the gap alone is read.
        #expect(prefetch.plan(around: back, among: out, mapped: mapped, allowance: 0, gapAllowance: 64)
                    == [102..<103])
        // The gap's page waits; with room for two more, the rings read the nearest pages out around 200 (101's
        // are mapped, or waiting).
        #expect(prefetch.plan(around: back, among: out, mapped: mapped, allowance: 3, gapAllowance: 64)
                    == [199..<200, 201..<202])
    }

    @Test func afterAWorkingSetMoveTheRingsHaveRoomBesideTheGaps() {
        // Pages 100 and 103 are mapped, 101 and 102 out; 101 came back. The gap's page takes the rings' allowance
        // too while the working set stays put; after a move the rings have the allowance to themselves.
        let mapped = Self.bitmap(100..<102, 103..<104)
        let back = Self.bitmap(101..<102)
        let out = Self.bitmap(0..<100, 102..<103, 104..<Self.pageCount)
        var settled = PrefetchState(pageCount: Self.pageCount, now: 0, learningGenerations: 0)
        var moved = settled
        moved.workingSetMoved(at: 0)
        #expect(settled.plan(around: back, among: out, mapped: mapped, allowance: 1, gapAllowance: 64)
                    == [102..<103])
        #expect(moved.plan(around: back, among: out, mapped: mapped, allowance: 1, gapAllowance: 64)
                    == [99..<100, 102..<103])
        // What the rings read waits, and takes their allowance.
        #expect(moved.plan(around: Self.bitmap(103..<104), among: out.subtracting(moved.waiting), mapped: mapped,
                           allowance: 1, gapAllowance: 64).isEmpty)
    }

    @Test func aGapWiderThanTheGapReachIsNotFilled() {
        var prefetch = PrefetchState(pageCount: Self.pageCount, now: 0, learningGenerations: 0)
        let reach = prefetch.gapReach
        let mapped = Self.bitmap(100..<101, (101 + reach)..<(102 + reach))
        let back = Self.bitmap(100..<101)
        let out = Self.bitmap(101..<(101 + reach))
        #expect(prefetch.plan(around: back, among: out, mapped: mapped, allowance: 0, gapAllowance: 64).isEmpty)
    }

    @Test func aPageStillInAGapWaitsOneGenerationMore() {
        var prefetch = PrefetchState(pageCount: Self.pageCount, now: 0, learningGenerations: 0)
        let mapped = Self.bitmap(100..<102, 104..<105, 300..<301)
        let out = Self.bitmap(102..<104, 301..<302)
        let back = Self.bitmap(101..<102, 300..<301)
        #expect(prefetch.plan(around: back, among: out, mapped: mapped, allowance: 3, gapAllowance: 64)
                    == [102..<104, 301..<302])
        // Two cold ages: the ring's page expires, the gap's pages are kept...
        _ = prefetch.account(mapped: mapped, out: out, at: 1_000, coldAge: 1_000)
        let first = prefetch.account(mapped: mapped, out: out, at: 2_000, coldAge: 1_000).expired
        #expect(first == Self.bitmap(301..<302))
        #expect(prefetch.waiting == Self.bitmap(102..<104))
        // ...once: they expire at the next cold age, still in their gap.
        let second = prefetch.account(mapped: mapped, out: out, at: 3_000, coldAge: 1_000).expired
        #expect(second == Self.bitmap(102..<104))
        #expect(prefetch.waiting.isEmpty)
    }

    @Test func aPageAloneBetweenMappedPagesWaitsWhileItIs() {
        // Gaps of one and two pages were found used: the guest's runs came back in part.
        var prefetch = PrefetchGapWidthTests.gapLearning(of: "moom", coldAges: 3).prefetch
        let mapped = Self.bitmap(100..<102, 103..<104)
        let out = Self.bitmap(102..<103)
        #expect(prefetch.plan(around: Self.bitmap(101..<102), among: out, mapped: mapped, allowance: 0,
                              gapAllowance: 64) == [102..<103])
        // Alone between two mapped pages, it outlasts the gap's one generation more, cold age after cold age...
        for coldAge in 4...9 {
            #expect(prefetch.account(mapped: mapped, out: out, at: Int64(coldAge) * 1_000, coldAge: 1_000)
                        .expired.isEmpty)
        }
        #expect(prefetch.waiting == out)
        // ...until a neighbour goes out: it expires at the next cold age.
        let neighbourOut = Self.bitmap(102..<104)
        let expired = prefetch.account(mapped: Self.bitmap(100..<102), out: neighbourOut, at: 10_000,
                                       coldAge: 1_000).expired
        #expect(expired == out)
        #expect(prefetch.waiting.isEmpty)
    }

    @Test func aPageAloneBetweenMappedPagesExpiresWhereNarrowGapsGoUnused() {
        // Gaps of two pages were read and never used: the guest's runs are single pages, and a page between two
        // of them is as often never used.
        var prefetch = PrefetchGapWidthTests.gapLearning(of: "muum", coldAges: 3).prefetch
        let mapped = Self.bitmap(100..<102, 103..<104)
        let out = Self.bitmap(102..<103)
        #expect(prefetch.plan(around: Self.bitmap(101..<102), among: out, mapped: mapped) == [102..<103])
        var expired = PageBitmap(count: Self.pageCount)
        for coldAge in 4...7 {
            expired.formUnion(prefetch.account(mapped: mapped, out: out, at: Int64(coldAge) * 1_000,
                                               coldAge: 1_000).expired)
        }
        #expect(expired[102] && !prefetch.waiting[102])
    }

    /// Reclaim drops a page waiting alone between two mapped pages, which the generations keep for as long as it
    /// is (measured: a host's DAMON pageout scheme took such pages after a minute unused): it is read again at the
    /// scan that finds it gone, once, where narrow gaps were found used. Not where they went unused, nor a page
    /// of a wider gap, away from a working-set move.
    @Test func aLonePageReclaimDroppedIsReadAgainOnce() {
        func reads(learned pattern: String, mapped: PageBitmap, out: PageBitmap) -> [[Range<Int>]] {
            var prefetch = PrefetchGapWidthTests.gapLearning(of: pattern, coldAges: 3).prefetch
            #expect(prefetch.plan(around: Self.bitmap(101..<102), among: out, mapped: mapped, allowance: 64,
                                  gapAllowance: 64) == out.runs())
            let none = PageBitmap(count: Self.pageCount)
            return [Int64(3_300), 3_600].map { now in
                // Nothing that waits is in memory any more: reclaim dropped it all.
                let dropped = prefetch.account(mapped: mapped, out: out, resident: none, at: now, coldAge: 1_000)
                    .dropped
                if now == 3_300 { #expect(dropped.intersection(out) == out, "the pages read were dropped") }
                return prefetch.plan(around: none, among: out, mapped: mapped, allowance: 64, gapAllowance: 64,
                                     dropped: dropped)
            }
        }
        let lone = Self.bitmap(102..<103)
        #expect(reads(learned: "moom", mapped: Self.bitmap(100..<102, 103..<104), out: lone) == [[102..<103], []],
                "read again at once, and once")
        #expect(reads(learned: "muum", mapped: Self.bitmap(100..<102, 103..<104), out: lone) == [[], []],
                "narrow gaps unused: a page alone is as often the space between two single-page runs")
        #expect(reads(learned: "moom", mapped: Self.bitmap(100..<102, 104..<105), out: Self.bitmap(102..<104))
                    == [[], []], "two pages in a gap are left until a page beside them comes back")
    }

    @Test func aMoveSettlesNoSoonerThanItsLeastTimeWhateverTheColdAge() {
        // At a cold_age of 10 s, a move's four cold ages are 40 s; a moved working set's Zipf tail comes back over
        // a time the guest's access rate sets.
        var prefetch = PrefetchState(pageCount: Self.pageCount, now: 0, learningGenerations: 0)
        prefetch.workingSetMoved(at: 5_000)
        let mapped = Self.bitmap(100..<102, 104..<105)
        let out = Self.bitmap(102..<104)
        #expect(prefetch.plan(around: Self.bitmap(101..<102), among: out, mapped: mapped, allowance: 2,
                              gapAllowance: 64) == [102..<104])
        var now: Int64 = 5_000
        var settledAt: Int64?
        var expiredAt: Int64?
        while expiredAt == nil, now < 300_000 {
            now += 10_000
            if !prefetch.account(mapped: mapped, out: out, at: now, coldAge: 10_000).expired.isEmpty {
                expiredAt = now
            }
            if settledAt == nil, !prefetch.settlingAfterMove { settledAt = now }
        }
        #expect(settledAt == 5_000 + PrefetchState.settlingTime, "settled 80 s after the move, not 40 s")
        #expect(expiredAt == 95_000, "what was read at the move waits until then, and a cold age more in its gap")
    }

    @Test func afterAWorkingSetMoveNoPrefetchedPageExpiresUntilTheMoveSettles() {
        var prefetch = PrefetchState(pageCount: Self.pageCount, now: 0, learningGenerations: 0)
        prefetch.workingSetMoved(at: 0)
        let mapped = Self.bitmap(100..<102, 104..<105, 300..<301)
        let out = Self.bitmap(102..<104, 301..<302)
        let back = Self.bitmap(101..<102, 300..<301)
        #expect(prefetch.plan(around: back, among: out, mapped: mapped, allowance: 2, gapAllowance: 64)
                    == [102..<104, 301..<302])
        // The gap's pages and the ring's page (which expires after two cold ages while the working set stays put)
        // both wait for as many cold ages as the move settles...
        let kept = PrefetchState.generationsAfterMove
        let expired = (1...kept).map {
            prefetch.account(mapped: mapped, out: out, at: Int64($0) * 20_000, coldAge: 20_000).expired
        }
        #expect(expired.allSatisfy { $0.isEmpty })
        #expect(prefetch.waiting == out)
        // ...and expire at the next, the gap's pages still in their gap.
        #expect(prefetch.account(mapped: mapped, out: out, at: Int64(kept + 1) * 20_000, coldAge: 20_000).expired
                    == out)
        #expect(prefetch.waiting.isEmpty)
    }
}

/// How wide a filled gap may be, learned per class of widths.
@Suite struct PrefetchGapWidthTests {
    /// Cold ages (a scan each, a cold age apart) over a guest whose pages repeat `pattern` (`m` mapped and coming
    /// back at each scan, `o` out and used once read, `u` out and never used; used pages go out again after each
    /// scan); the gap reach after each cold age.
    static func gapReaches(of pattern: String, coldAges: Int) -> [Int] {
        gapLearning(of: pattern, coldAges: coldAges).reaches
    }

    /// `gapReaches`, and the prefetch state at the end.
    static func gapLearning(of pattern: String, coldAges: Int) -> (reaches: [Int], prefetch: PrefetchState) {
        var prefetch = PrefetchState(pageCount: 4_096, now: 0, learningGenerations: 0)
        let reaches = learnGaps(&prefetch, of: pattern, coldAges: coldAges)
        return (reaches, prefetch)
    }

    /// `gapReaches` for `prefetch` as it is, its cold ages going on from `startingAt`.
    static func learnGaps(_ prefetch: inout PrefetchState, of pattern: String, coldAges: Int,
                          startingAt start: Int = 0) -> [Int] {
        let pageCount = 4_096
        var mapped = PageBitmap(count: pageCount)
        var used = PageBitmap(count: pageCount)
        var out = PageBitmap(count: pageCount)
        let kinds = Array(pattern)
        for page in 0..<pageCount {
            switch kinds[page % kinds.count] {
            case "m": mapped[page] = true
            case "o": used[page] = true; out[page] = true
            default: out[page] = true
            }
        }
        var reaches: [Int] = []
        for age in (start + 1)...(start + coldAges) {
            _ = prefetch.plan(around: mapped, among: out, mapped: mapped, allowance: 0, gapAllowance: .max)
            let hits = prefetch.waiting.intersection(used)
            _ = prefetch.account(mapped: mapped.union(hits), out: out.subtracting(hits), at: Int64(age) * 1_000,
                                 coldAge: 1_000)
            reaches.append(prefetch.gapReach)
        }
        return reaches
    }

    @Test func widerGapsOpenWhileTheNarrowerOnesAreUsed() {
        // Gaps of 2, 6 and 13 pages, all used: the reach opens class by class and stays open.
        let reaches = Self.gapReaches(of: "m" + "oo" + "m" + "oooooo" + "m" + String(repeating: "o", count: 13),
                                      coldAges: 8)
        #expect(reaches == [3, 7, 7, 15, 15, 15, 15, 15])
    }

    @Test func gapsTakeTheRingsShareUntilTheyAreFoundUsed() {
        let fresh = PrefetchState(pageCount: 4_096, now: 0, learningGenerations: 0)
        #expect(fresh.allowances(warmPages: 64_000, blockPages: 512) == (gaps: 4_000, rings: 4_000))
        let used = Self.gapLearning(of: "moom", coldAges: 3).prefetch
        #expect(used.allowances(warmPages: 64_000, blockPages: 512) == (gaps: 16_000, rings: 4_000))
        let unused = Self.gapLearning(of: "muum", coldAges: 3).prefetch
        #expect(unused.allowances(warmPages: 64_000, blockPages: 512) == (gaps: 4_000, rings: 4_000))
        #expect(fresh.allowances(warmPages: 1_000, blockPages: 512) == (gaps: 512, rings: 512))
    }

    @Test func aClassOfUnusedGapsClosesForTheHoldOff() {
        // Used gaps of 2 pages in short runs, unused space of 4 pages between them: 3-6 pages opens, what it read
        // is judged unused at its first expiry, and the class closes for the hold-off, twice as long the second
        // time.
        let reaches = Self.gapReaches(of: "moommuuuu", coldAges: 12)
        #expect(reaches == [3, 7, 7, 3, 3, 7, 7, 3, 3, 3, 3, 7])
    }

    @Test func whatWaitsOfAClassFoundUnusedGoesBackWhenItCloses() {
        // Space of 2 pages between single mapped pages, never used: read at the first cold age, judged unused at
        // the second, where the class closes...
        let (reaches, prefetch) = Self.gapLearning(of: "muum", coldAges: 2)
        #expect(reaches == [3, 1])
        // ...and its pages, still in their gaps, go back then, not a cold age later.
        #expect(prefetch.waitingCount == 0)
        // Used space of 2 pages, unused space of 4: the middle class closes at the fourth cold age, its pages back
        // in swap then; the narrow gaps' pages were used.
        let (wider, after) = Self.gapLearning(of: "moommuuuu", coldAges: 4)
        #expect(wider == [3, 7, 7, 3])
        #expect(after.waitingCount == 0)
    }

    @Test func aWorkingSetMoveReopensTheGapsFoundUsed() {
        // Runs whose gaps of 2, 6 and 13 pages are used: the reach opens to 15.
        let gaps = { (page: String) in "m" + page + page + "m" + String(repeating: page, count: 6) + "m"
            + String(repeating: page, count: 13) }
        var (reaches, prefetch) = Self.gapLearning(of: gaps("o"), coldAges: 6)
        #expect(reaches.last == 15)
        // Then only a Zipf tail comes back, beside pages already back: nothing read is used, the classes close.
        reaches = Self.learnGaps(&prefetch, of: gaps("u"), coldAges: 8, startingAt: 6)
        #expect(reaches.last! < 7, "closed down: \(reaches)")
        #expect(prefetch.allowances(warmPages: 64_000, blockPages: 512) == (gaps: 4_000, rings: 4_000))
        // The working set moves: the widest reach found used opens at once, with the gaps' larger share, which
        // the rings have too while the move settles.
        prefetch.workingSetMoved(at: 100_000)
        #expect(prefetch.gapReach == 15)
        #expect(prefetch.allowances(warmPages: 64_000, blockPages: 512) == (gaps: 16_000, rings: 16_000))
        for coldAge in 1...PrefetchState.generationsAfterMove {
            _ = prefetch.account(mapped: PageBitmap(count: 4_096), out: PageBitmap(count: 4_096),
                                 at: 100_000 + Int64(coldAge) * 20_000, coldAge: 20_000)
        }
        #expect(!prefetch.settlingAfterMove)
        #expect(prefetch.allowances(warmPages: 64_000, blockPages: 512).rings == 4_000)
        // A region whose gaps were never found used has nothing to go back to.
        var unused = Self.gapLearning(of: "muum", coldAges: 3).prefetch
        let before = unused.gapReach
        unused.workingSetMoved(at: 0)
        #expect(unused.gapReach == before)
    }
}
