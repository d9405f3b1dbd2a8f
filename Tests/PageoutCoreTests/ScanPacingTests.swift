import Testing
@testable import PageoutCore

/// A quiet region is scanned less often, up to `ScanPacing.maxStretch` intervals apart; anything that changes
/// brings it back to every round.
@Suite struct ScanPacingTests {
    static let gib: UInt64 = 1 << 30

    @Test func quietScansDoubleTheStretchUpToTheMaximumAndAChangeResetsIt() {
        var pacing = ScanPacing()
        var now: Int64 = 0
        var stretches: [Int] = []
        for _ in 0..<6 {
            pacing.scanned(at: now, interval: 1_000, quiet: true)
            stretches.append(pacing.stretch)
            now = pacing.nextScanAt
        }
        #expect(stretches == [2, 4, 8, 8, 8, 8])
        pacing.scanned(at: now, interval: 1_000, quiet: false)
        #expect(pacing.stretch == 1 && pacing.nextScanAt == now + 1_000)
        #expect(!pacing.mayWait(at: now + 1_000, interval: 1_000))
    }

    @Test func aStretchedRegionWaitsUntilItsTimeComesOrALookSeesItsMemoryMove() {
        var pacing = ScanPacing()
        pacing.scanned(at: 0, interval: 1_000, quiet: true)
        pacing.scanned(at: 2_000, interval: 1_000, quiet: true)  // 4 intervals: due at 6 s
        #expect(pacing.mayWait(at: 3_000, interval: 1_000))
        #expect(!pacing.mayWait(at: 5_800, interval: 1_000), "a round a little early (jitter) still counts")
        let settled = ScanPacing.Look(swappedBytes: Self.gib / 2, allocatedBytes: Self.gib)
        let first = pacing.moved(settled, regionBytes: Self.gib)
        #expect(!first, "the first look after a scan is the reference")
        // A few pages back from swap: not yet.
        let few = pacing.moved(ScanPacing.Look(swappedBytes: Self.gib / 2 - 40_960, allocatedBytes: Self.gib),
                               regionBytes: Self.gib)
        #expect(!few)
        // A backup read back 2% of the region from swap; the guest wrote 2% of new pages; reclaim took 2%.
        let read = ScanPacing.Look(swappedBytes: Self.gib / 2 - Self.gib / 50, allocatedBytes: Self.gib)
        let written = ScanPacing.Look(swappedBytes: Self.gib / 2, allocatedBytes: Self.gib + Self.gib / 50)
        let reclaimed = ScanPacing.Look(swappedBytes: Self.gib / 2 + Self.gib / 50, allocatedBytes: Self.gib)
        for look in [read, written, reclaimed] {
            let moved = pacing.moved(look, regionBytes: Self.gib)
            #expect(moved)
        }
        // A scan takes a new reference at the next look.
        pacing.scanned(at: 6_000, interval: 1_000, quiet: true)
        let reference = pacing.moved(read, regionBytes: Self.gib)
        let again = pacing.moved(read, regionBytes: Self.gib)
        #expect(!reference && !again)
        pacing.wake()
        #expect(pacing.stretch == 1 && !pacing.mayWait(at: 0, interval: 1_000))
    }

    @Test func aStretchNeverPassesTheTimeTheHotPagesTurnCold() {
        var pacing = ScanPacing()
        pacing.scanned(at: 0, interval: 1_000, quiet: true)
        pacing.scanned(at: 2_000, interval: 1_000, quiet: true, dueAt: 3_500)
        #expect(pacing.stretch == 4, "still quiet: the stretch doubles")
        #expect(pacing.nextScanAt == 3_500, "but the next scan comes when the hot pages turn cold, not at 6 s")
        #expect(pacing.mayWait(at: 3_000, interval: 1_000))
        #expect(!pacing.mayWait(at: 4_000, interval: 1_000))
        pacing.scanned(at: 4_000, interval: 1_000, quiet: true, dueAt: 40_000)
        #expect(pacing.nextScanAt == 12_000, "a due time past the stretch changes nothing")
    }

    /// The policy's due time: when the hot pages whose cold_age has passed make more than the quiet share.
    @Test func theHotPagesTurnColdAtTheirBlocksColdAgeWhenTheyAreMoreThanTheQuietShare() {
        let layout = PolicyEngineTests.layout
        let limits = PolicyEngineTests.limits
        var state = RegionPolicyState(layout: layout, limits: limits, now: 0)
        let first = PolicyEngineTests.step(&state, PolicyEngineTests.snapshot(mapped: [0..<96]), at: 500)
        #expect(first.counts.hot == 96)
        #expect(first.coldDueAt == 3_000, "every block first seen at 0: cold 3 s later")
        // The guest writes the last two blocks at 2 s: they turn cold at 5 s, the others at 3 s.
        let all = PolicyEngineTests.snapshot(mapped: [0..<128])
        let written = PolicyEngineTests.step(&state, all, at: 2_000)
        #expect(written.coldDueAt == 3_000)
        let cold = PolicyEngineTests.step(&state, all, at: 3_000)
        #expect(cold.counts.hot == 32 && cold.coldDueAt == 5_000)
        // The due time is the earliest at which the pages turning cold add up to more than 1% of the region.
        let turns: [(at: Int64, pages: Int)] = [(9_000, 60), (5_000, 50), (7_000, 60)]
        #expect(PolicyEngine.coldDueAt(turns, pageCount: 10_000) == 7_000, "50 pages are 0.5%, 110 are 1.1%")
        #expect(PolicyEngine.coldDueAt(turns, pageCount: 100_000) == nil, "170 pages are under 1% of 100,000")
        #expect(PolicyEngine.coldDueAt([], pageCount: 100) == nil)
    }

    static func decision(cold: Int = 0, refaults: Int = 0, plan: Range<Int>? = nil, repair: Bool = false,
                         swapCapReached: Bool = false) -> PolicyDecision {
        let layout = RegionLayout(mappings: [(AddressRange(start: 0x100000, end: 0x100000 + 10_000 * 4096), 0)],
                                  pageSize: 4096)
        let limits = PolicyLimits(coldAge: 1_000, backoff: BackoffSchedule(minimum: 1_000, maximum: 8_000),
                                  probeBudgetPages: 16, blockPages: 16)
        var counts = PageClassCounts()
        counts.cold = cold
        var pageoutPlan = PageoutPlan()
        if let plan { pageoutPlan.append(plan) }
        var decision = PolicyDecision(state: RegionPolicyState(layout: layout, limits: limits, now: 0), counts: counts,
                                      plan: pageoutPlan, repair: repair ? [0..<1] : [], finish: [],
                                      refaults: refaults)
        decision.swapCapReached = swapCapReached
        return decision
    }

    @Test func quietMeansLittleChangedAndLittleLeftToDo() {
        func quiet(_ decision: PolicyDecision, mapped: Int = 5_000, before: Int? = 5_000, mayPageOut: Bool = true)
            -> Bool {
            ScanPacing.isQuiet(decision, pageCount: 10_000, mapped: mapped, mappedBefore: before,
                               mayPageOut: mayPageOut)
        }
        #expect(quiet(Self.decision()))
        #expect(quiet(Self.decision(cold: 100, refaults: 100, plan: 0..<100)), "1% of the region")
        #expect(!quiet(Self.decision(cold: 101)), "pageout candidates left: converging")
        #expect(!quiet(Self.decision(refaults: 101)))
        #expect(!quiet(Self.decision(plan: 0..<101)))
        #expect(!quiet(Self.decision(repair: true)))
        #expect(!quiet(Self.decision(), mapped: 5_101), "the guest mapped new pages")
        #expect(!quiet(Self.decision(), before: nil), "the first scan")
        // Candidates that cannot go out now (a guard, the swap cap): looking sooner changes nothing.
        #expect(quiet(Self.decision(cold: 5_000), mayPageOut: false))
        #expect(quiet(Self.decision(cold: 5_000, swapCapReached: true)))
    }
}
