import Testing
@testable import PageoutCore

/// How much never-probed memory a round probes: `probe_budget` at least, and in a large region enough that the
/// whole region is probed within cold_age / `probe_per_cold_age`, up to `max_probe_rate`.
@Suite struct ProbeRateTests {
    /// 256 blocks of 16 pages.
    static let pageCount = 256 * 16
    static let layout = RegionLayout(
        mappings: [(AddressRange(start: 0x100000, end: 0x100000 + UInt64(pageCount) * 4096), 0)], pageSize: 4096)

    static func limits(share: Double, maxPerSecond: Int = .max) -> PolicyLimits {
        PolicyLimits(coldAge: 3_000, backoff: BackoffSchedule(minimum: 30_000, maximum: 600_000),
                     probeBudgetPages: 32, sampleStride: 4, maxSwappedFraction: 1, blockPages: 16,
                     probeShare: share, maxProbePagesPerSecond: maxPerSecond)
    }

    @Test func theBudgetIsTheFloorTheShareScalesWithTheRegionAndTheRateCapsIt() {
        let limits = Self.limits(share: 0.5, maxPerSecond: 4_000)
        // A small region: half of it per 3 s is less than the budget.
        #expect(limits.probePages(regionPages: 64, elapsed: 1_000) == 32)
        // 4096 pages: half per cold age, a third of that per second.
        #expect(limits.probePages(regionPages: 4_096, elapsed: 1_000) == 683)
        // A late round counts one cold age at most: never more than the share at once.
        #expect(limits.probePages(regionPages: 4_096, elapsed: 60_000) == 2_048)
        // The rate caps it: 4000 pages a second.
        #expect(limits.probePages(regionPages: 1 << 20, elapsed: 1_000) == 4_000)
        // A quiet region scanned 8 intervals apart probes one interval's worth.
        var stretched = limits
        stretched.probeTimeCap = 1_000
        #expect(stretched.probePages(regionPages: 4_096, elapsed: 8_000) == 683)
        // The first scan (no time since a previous one) and a zero share: the budget.
        #expect(limits.probePages(regionPages: 1 << 20, elapsed: 0) == 32)
        #expect(Self.limits(share: 0).probePages(regionPages: 1 << 20, elapsed: 1_000) == 32)
    }

    /// Scans every second with every page mapped; the plan's pages go to swap and stay there. Returns how many
    /// seconds after cold_age every block had been probed, and the most blocks one scan probed.
    static func probeThrough(_ limits: PolicyLimits) -> (seconds: Int, mostBlocksAtOnce: Int) {
        var state = RegionPolicyState(layout: layout, limits: limits, now: 0)
        var mapped = PageBitmap(count: pageCount)
        mapped.set(0..<pageCount)
        var swapped = PageBitmap(count: pageCount)
        var probed = Set<Int>()
        var most = 0
        var now: Int64 = 0
        while probed.count < 256, now < 1_000_000 {
            var snapshot = PageSnapshot(layout: layout)
            mapped.runs().forEach { snapshot.record(.mapped, pages: $0) }
            swapped.runs().forEach { snapshot.record(.swapped, pages: $0) }
            let decision = PolicyEngine.evaluate(state, snapshot: snapshot, now: now, limits: limits,
                                                 pageBudget: .max)
            state = decision.state
            state.recordPageout(decision.plan, at: now)
            for run in decision.plan.runs { mapped.clear(run); swapped.set(run) }
            probed.formUnion(decision.plan.probedBlocks)
            most = max(most, Set(decision.plan.probedBlocks).subtracting(decision.plan.fullBlocks).count)
            now += 1_000
        }
        return (Int((now - 1_000 - limits.coldAge) / 1_000), most)
    }

    @Test func aLargeRegionIsProbedWithinColdAgeOverTheShare() {
        // probe_budget alone: 2 blocks a scan, 128 scans for 256 blocks.
        let budgetOnly = Self.probeThrough(Self.limits(share: 0))
        #expect(budgetOnly.seconds >= 127)
        // Half the region per cold age (3 s): through within two cold ages, a sixth of it at most per scan.
        let scaled = Self.probeThrough(Self.limits(share: 0.5))
        #expect(scaled.seconds <= 6, "probed through \(scaled.seconds) s after cold_age")
        #expect(scaled.mostBlocksAtOnce <= 256 / 6 + 1, "at most a sixth of the blocks a scan")
        // The rate cap (100 pages a second: 6-7 blocks) keeps it slower.
        let capped = Self.probeThrough(Self.limits(share: 0.5, maxPerSecond: 100))
        #expect(capped.seconds >= 36 && capped.mostBlocksAtOnce <= 7)
    }
}
