import Testing
@testable import PageoutCore

/// Snapshot sequences through the policy engine: classes, plans, refault backoff growth and decay.
@Suite struct PolicyEngineTests {
    /// 8 blocks of 16 pages, 4 KiB pages.
    static let layout = RegionLayout(mappings: [(AddressRange(start: 0x100000, end: 0x100000 + 128 * 4096), 0)],
                                     pageSize: 4096)
    static let limits = PolicyLimits(coldAge: 3_000, backoff: BackoffSchedule(minimum: 30_000, maximum: 600_000),
                                     probeBudgetPages: 32, sampleStride: 4, maxSwappedFraction: 1, blockPages: 16)

    /// A snapshot with `mapped` pages mapped, `swapped` swapped, the rest holes.
    static func snapshot(mapped: [Range<Int>], swapped: [Range<Int>] = [], resident: [Range<Int>] = []) -> PageSnapshot {
        var snapshot = PageSnapshot(layout: layout)
        mapped.forEach { snapshot.record(.mapped, pages: $0) }
        swapped.forEach { snapshot.record(.swapped, pages: $0) }
        resident.forEach { snapshot.record(.residentUnmapped, pages: $0) }
        return snapshot
    }

    /// Runs one scan at `now`, carrying out the plan like the executor would (pages go to swap).
    static func step(_ state: inout RegionPolicyState, _ snapshot: PageSnapshot, at now: Int64,
                     budget: Int = .max) -> PolicyDecision {
        let decision = PolicyEngine.evaluate(state, snapshot: snapshot, now: now, limits: limits, pageBudget: budget)
        state = decision.state
        state.recordPageout(decision.plan, at: now)
        return decision
    }

    @Test func everythingIsHotUntilColdAgeThenProbedBySamples() {
        var state = RegionPolicyState(layout: Self.layout, limits: Self.limits, now: 0)
        let all = Self.snapshot(mapped: [0..<128])
        let first = Self.step(&state, all, at: 0)
        #expect(first.counts.hot == 128 && first.plan.isEmpty)
        let aging = Self.step(&state, all, at: 2_000)
        #expect(aging.counts.hot == 128 && aging.plan.isEmpty)
        // cold_age passed: all cold; the probe budget (32 pages = 2 blocks) limits the samples to 2 blocks.
        let cold = Self.step(&state, all, at: 3_000)
        #expect(cold.counts.cold == 128)
        #expect(cold.plan.probedBlocks.count == 2)
        #expect(cold.plan.pageCount == 8, "one page in 4 of two 16-page blocks")
        #expect(cold.plan.fullBlocks.isEmpty)
    }

    @Test func aSampleThatStaysOutMakesTheBlockEstablishedAndPagedOutInFull() {
        var state = RegionPolicyState(layout: Self.layout, limits: Self.limits, now: 0)
        var mapped = PageBitmap(count: 128)
        mapped.set(0..<128)
        _ = Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 0)
        let probe = Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 3_000)
        var swapped = PageBitmap(count: 128)
        for run in probe.plan.runs { swapped.set(run); mapped.clear(run) }
        // Next scan: the samples stayed out: their blocks go out in full, two more blocks are sampled.
        let next = Self.step(&state, Self.snapshot(mapped: mapped.runs(), swapped: swapped.runs()), at: 4_000)
        #expect(next.refaults == 0)
        #expect(Set(next.plan.fullBlocks) == Set(probe.plan.probedBlocks))
        for block in probe.plan.probedBlocks {
            let pages = state.pages(ofBlock: block)
            let plannedInBlock = next.plan.runs.reduce(0) { $0 + $1.clamped(to: pages).count }
            #expect(plannedInBlock == 12, "the 12 pages of the block still mapped")
        }
        #expect(next.plan.probedBlocks.count == 2)
    }

    @Test(arguments: [(fast: false, level: UInt8(1)), (fast: true, level: UInt8(3))])
    func refaultsBackOffExponentiallyAndDecay(fast: Bool, level: UInt8) {
        let schedule = Self.limits.backoff
        var block = BlockState(firstSeen: 0)
        block = schedule.refaulted(block, at: 10_000, fast: fast)
        #expect(block.backoffLevel == level)
        #expect(block.backoffUntil == 10_000 + schedule.duration(ofLevel: level))
        #expect(block.phase == .unprobed)
        block = schedule.refaulted(block, at: 20_000, fast: false)
        #expect(block.backoffLevel == level + 1)
        #expect(schedule.duration(ofLevel: level + 1) == min(30_000 << Int64(level), 600_000))
        // Quiet for as long again as the backoff: one level down; and again, until none.
        var now = block.backoffUntil + schedule.duration(ofLevel: block.backoffLevel)
        while block.backoffLevel > 0 {
            let before = block.backoffLevel
            block = schedule.decayed(block, at: now)
            #expect(block.backoffLevel == before - 1)
            now += schedule.duration(ofLevel: max(block.backoffLevel, 1))
        }
        #expect(!block.isBackedOff(at: now))
    }

    @Test func backoffIsCappedAtTheMaximum() {
        let schedule = Self.limits.backoff
        var block = BlockState(firstSeen: 0)
        for step in 0..<40 { block = schedule.refaulted(block, at: Int64(step), fast: true) }
        #expect(block.backoffLevel == schedule.topLevel)
        #expect(schedule.duration(ofLevel: block.backoffLevel) == 600_000)
    }

    @Test func aRefaultedSampleBacksTheBlockOffAndMakesItsPagesWarm() {
        var state = RegionPolicyState(layout: Self.layout, limits: Self.limits, now: 0)
        _ = Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 0)
        let probe = Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 3_000)
        // The guest touched everything again: every sample page is mapped at the next scan.
        let next = Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 4_000)
        #expect(next.refaults == probe.plan.pageCount)
        for block in probe.plan.probedBlocks {
            #expect(state.blocks[block].backoffLevel == 1)
            #expect(!next.plan.fullBlocks.contains(block) && !next.plan.probedBlocks.contains(block))
        }
        // After cold_age the refaulted blocks are warm (backed off), not cold.
        let later = Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 7_100)
        #expect(later.counts.warm == 16 * probe.plan.probedBlocks.count)
    }

    @Test func recheckJumpsFastRefaultsFarUp() {
        var state = RegionPolicyState(layout: Self.layout, limits: Self.limits, now: 0)
        _ = Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 0)
        let probe = Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 3_000)
        var back = PageBitmap(count: 128)
        probe.plan.runs.forEach { back.set($0) }
        let (rechecked, refaults) = PolicyEngine.recheck(state, mappedNow: back, now: 3_250, limits: Self.limits)
        #expect(refaults == probe.plan.pageCount)
        #expect(rechecked.pagedOut.setCount == 0)
        // The next scan judges the probe: all of it came back, moments after the pageout.
        state = rechecked
        let next = Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 4_000)
        #expect(next.refaults == 0, "counted once, by the recheck")
        for block in probe.plan.probedBlocks {
            #expect(state.blocks[block].backoffLevel == 3)
            #expect(state.blocks[block].holdsAll)
        }
    }

    @Test func budgetAndSwapCapBoundThePlan() {
        var state = RegionPolicyState(layout: Self.layout, limits: Self.limits, now: 0)
        _ = Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 0)
        #expect(Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 3_000, budget: 0).plan.isEmpty)
        #expect(Self.step(&state, Self.snapshot(mapped: [0..<128]), at: 3_100, budget: 3).plan.pageCount == 3)
        var capped = Self.limits
        capped.maxSwappedFraction = 0.5
        let full = PolicyEngine.evaluate(state, snapshot: Self.snapshot(mapped: [64..<128], swapped: [0..<64]),
                                         now: 9_000, limits: capped, pageBudget: .max)
        #expect(full.plan.isEmpty, "half swapped: the region is at its cap")
    }

    /// Property: whatever the sequence, a plan holds only mapped pages that are not hot, never a hole,
    /// a swapped or a resident-unmapped page.
    @Test func plansNeverContainHolesSwappedOrHotPages() {
        var generator = SplitMix(seed: 42)
        for _ in 0..<40 {
            var state = RegionPolicyState(layout: Self.layout, limits: Self.limits, now: 0)
            var now: Int64 = 0
            for _ in 0..<30 {
                now += Int64(generator.next() % 2_500)
                var snapshot = PageSnapshot(layout: Self.layout)
                var page = 0
                while page < 128 {
                    let length = Int(generator.next() % 20) + 1
                    let run = page..<min(page + length, 128)
                    let state = PageState.allCases[Int(generator.next() % 4)]
                    snapshot.record(state, pages: run)
                    page = run.upperBound
                }
                let before = state
                let decision = Self.step(&state, snapshot, at: now, budget: Int(generator.next() % 64))
                var planned = PageBitmap(count: 128)
                decision.plan.runs.forEach { planned.set($0) }
                #expect(planned.subtracting(snapshot.mapped).setCount == 0, "only mapped pages")
                for block in before.blocks.indices where planned.setCount(in: before.pages(ofBlock: block)) > 0 {
                    let updated = decision.state.blocks[block]
                    let pages = before.pages(ofBlock: block)
                    #expect(now - updated.lastActivity >= Self.limits.coldAge, "no hot page")
                    #expect(!(updated.holdsAll && updated.isBackedOff(at: now)), "no page of a block held whole")
                    if updated.isBackedOff(at: now) {
                        #expect(planned.intersectionCount(with: decision.state.warm, in: pages) == 0,
                                "no held warm page")
                    }
                }
            }
        }
    }
}

/// A small deterministic generator for property tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Automatic repair: pages a foreign reader brought back are planned for repair, within the budget, first.
@Suite struct SkewRepairPolicyTests {
    @Test func pagesReadBackByAnotherProcessAreRepairedFirstWithinTheBudget() {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: PolicyEngineTests.limits, now: 0)
        // Scan 1: half mapped, a quarter swapped, a quarter holes.
        _ = PolicyEngineTests.step(&state, PolicyEngineTests.snapshot(mapped: [0..<64], swapped: [64..<96]), at: 0)
        // Scan 2: a reader brought back swapped pages 64..<80 and filled holes 100..<104; page 10 was mapped and
        // is now resident-unmapped without our pageout (not repaired: the VMM itself unmapped it).
        let read = PolicyEngineTests.snapshot(mapped: [0..<10, 11..<64], swapped: [80..<96],
                                              resident: [10..<11, 64..<80, 100..<104])
        let decision = PolicyEngine.evaluate(state, snapshot: read, now: 1_000, limits: PolicyEngineTests.limits,
                                             pageBudget: 10)
        #expect(decision.repair == [64..<74], "the first 10 pages of the reader's damage, within the budget")
        #expect(decision.plan.isEmpty, "the budget went to repair")
        let unlimited = PolicyEngine.evaluate(state, snapshot: read, now: 1_000, limits: PolicyEngineTests.limits,
                                              pageBudget: .max)
        #expect(unlimited.repair == [64..<80, 100..<104])
        var off = PolicyEngineTests.limits
        off.autoRepair = false
        #expect(PolicyEngine.evaluate(state, snapshot: read, now: 1_000, limits: off, pageBudget: .max).repair.isEmpty)
    }

    @Test func whatOurPageoutLeftInMemoryIsFinishedAndCountedAsPagedOut() {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: PolicyEngineTests.limits, now: 0)
        _ = PolicyEngineTests.step(&state, PolicyEngineTests.snapshot(mapped: [0..<128]), at: 0)
        let probe = PolicyEngineTests.step(&state, PolicyEngineTests.snapshot(mapped: [0..<128]), at: 3_000)
        let probed = probe.plan.probedBlocks.sorted()
        #expect(probed.count == 2)
        // A transparent huge page: the sample's pageout unmapped each probed block whole and reclaimed nothing.
        // A page of another block was mapped and is now unmapped without a pageout of its block: not ours to
        // finish, nor a reader's to repair.
        var mapped = PageBitmap(count: 128)
        mapped.set(0..<128)
        var resident = PageBitmap(count: 128)
        let other = state.pages(ofBlock: (0..<8).first { !probed.contains($0) }!).lowerBound
        for pages in probed.map({ state.pages(ofBlock: $0) }) + [other..<(other + 1)] {
            mapped.clear(pages)
            resident.set(pages)
        }
        let after = PolicyEngineTests.snapshot(mapped: mapped.runs(), resident: resident.runs())
        let decision = PolicyEngine.evaluate(state, snapshot: after, now: 4_000, limits: PolicyEngineTests.limits,
                                             pageBudget: .max)
        #expect(decision.finish == probed.map { state.pages(ofBlock: $0) }, "the probed blocks, whole")
        #expect(decision.repair.isEmpty, "nothing another process read")
        #expect(decision.refaults == 0)
        // Carried out: the pages not counted at the probe count now, and all are watched for refaults.
        var finished = decision.state
        let before = finished.totals.pagedOutPages
        finished.recordFinishedPageout(decision.finish)
        #expect(finished.totals.pagedOutPages - before == 2 * 16 - probe.plan.pageCount)
        #expect(probed.allSatisfy { finished.pagedOut.setCount(in: finished.pages(ofBlock: $0)) == 16 })
    }
}
