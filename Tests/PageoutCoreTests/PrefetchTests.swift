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
        let result = Self.walk(prefetch: true, cachedReadsAsSwapped: cachedReadsAsSwapped)
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
        var prefetch = PrefetchState(pageCount: 4_096, now: 0)
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
    }

    @Test func theNearestNeighboursComeFirstWhenTheAllowanceIsShort() {
        var prefetch = PrefetchState(pageCount: 4_096, now: 0)
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
}
