import Testing
@testable import PageoutCore

/// A guest for the policy: a working set it touches between every two scans, the rest never touched again.
/// Pages the policy pages out go to swap; the working set's pages in swap come back mapped (refaults).
struct ModelGuest {
    let pageCount: Int
    var workingSet: PageBitmap
    var mapped: PageBitmap
    var swapped: PageBitmap
    /// Refaults the guest took.
    var faults = 0

    /// A guest whose every page is mapped, touching `workingSet`.
    init(pageCount: Int, workingSet: [Int]) {
        self.pageCount = pageCount
        var used = PageBitmap(count: pageCount)
        workingSet.forEach { used[$0] = true }
        self.workingSet = used
        mapped = PageBitmap(count: pageCount)
        mapped.set(0..<pageCount)
        swapped = PageBitmap(count: pageCount)
    }

    /// What the scanner sees now.
    var snapshot: PageSnapshot {
        var snapshot = PageSnapshot(layout: PolicyEngineTests.layout)
        mapped.forEachRun { snapshot.record(.mapped, pages: $0) }
        swapped.forEachRun { snapshot.record(.swapped, pages: $0) }
        return snapshot
    }

    /// Carries out `plan`: its pages go to swap.
    mutating func pageOut(_ plan: PageoutPlan) {
        for run in plan.runs {
            mapped.clear(run)
            swapped.set(run)
        }
    }

    /// The guest touches its working set: what of it is in swap comes back.
    mutating func touch() {
        let back = swapped.intersection(workingSet)
        faults += back.setCount
        mapped.formUnion(back)
        swapped.subtract(back)
    }

    /// One scan at `now`, its plan carried out, then the guest's accesses until the next scan.
    mutating func scan(_ state: inout RegionPolicyState, at now: Int64,
                       limits: PolicyLimits = PolicyEngineTests.limits) -> PolicyDecision {
        let decision = PolicyEngine.evaluate(state, snapshot: snapshot, now: now, limits: limits, pageBudget: .max)
        state = decision.state
        state.recordPageout(decision.plan, at: now)
        pageOut(decision.plan)
        touch()
        return decision
    }
}

/// Learning per page: the cold pages among a scattered working set go out, the warm ones stay, and a working set
/// that moves away is found cold when its hold ends.
@Suite struct PageLearningTests {
    /// Four pages of every 16-page block, at offsets no sample stride of 4 lines up with.
    static let scattered = (0..<8).flatMap { block in [2, 3, 7, 12].map { block * 16 + $0 } }

    @Test func theColdPagesOfBlocksSharedWithAScatteredWorkingSetGoOut() {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: PolicyEngineTests.limits, now: 0)
        var guest = ModelGuest(pageCount: 128, workingSet: Self.scattered)
        var last: PolicyDecision?
        // Scans a second apart, for 25 s: the probes are over within seconds of cold_age; no hold has ended yet.
        for second in 0..<25 { last = guest.scan(&state, at: Int64(second) * 1_000) }
        let cold = guest.workingSet.subtractingAll(count: 128)
        #expect(guest.swapped == cold, "every page outside the working set is in swap, and no other")
        #expect(state.warm.intersection(guest.workingSet) == guest.workingSet, "the working set is warm")
        #expect(last?.counts.warm == Self.scattered.count && last?.counts.cold == 0)
        #expect(last?.counts.workingSet == Self.scattered.count)
        #expect(guest.faults <= Self.scattered.count, "each working-set page came back at most once")
    }

    @Test func aBlockHotThroughoutIsHeldWholeAndItsNeighboursGoOut() {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: PolicyEngineTests.limits, now: 0)
        var guest = ModelGuest(pageCount: 128, workingSet: Array(32..<48))
        for second in 0..<25 { _ = guest.scan(&state, at: Int64(second) * 1_000) }
        #expect(state.blocks[2].holdsAll)
        #expect(guest.swapped.setCount == 112, "every other block is in swap")
        #expect(guest.faults <= 4, "one sample of the hot block came back, the rest was never paged out")
    }

    /// A guest touching `workingSet`, scanned every second for 25 s: its blocks are held whole by then.
    static func scannedFor25Seconds(workingSet: [Int]) -> (RegionPolicyState, ModelGuest, now: Int64) {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: PolicyEngineTests.limits, now: 0)
        var guest = ModelGuest(pageCount: 128, workingSet: workingSet)
        var now: Int64 = 0
        while now < 25_000 {
            _ = guest.scan(&state, at: now)
            now += 1_000
        }
        return (state, guest, now)
    }

    @Test func aBlockHeldWholeIsCheckedByAFewPagesWhenItsHoldEndsAndTheirRefaultsAreTheHoldsCost() {
        var (state, guest, now) = Self.scannedFor25Seconds(workingSet: Array(32..<64))
        #expect(state.blocks[2].holdsAll && state.blocks[3].holdsAll)
        // Two blocks of 16 pages to check, 8 pages each, against a target of 16 pages a minute: a minute of
        // refaults per round of checks, so holds start at two minimum holds.
        #expect(state.controller.budgetScale == 2)
        // Their holds were set on the scale before (1): what was left of them was stretched when it rose. A hold
        // of the first level is 30 to 45 s; stretched, it ends a minute after the probe at the earliest.
        #expect(state.blocks[2].backoffUntil >= 60_000 && state.blocks[3].backoffUntil >= 60_000)
        #expect(state.controller.pagesPerMinute(at: now) == 0, "a first probe's refaults are the price of learning")
        let faultsBefore = guest.faults
        let holdsEnd = max(state.blocks[2].backoffUntil, state.blocks[3].backoffUntil)
        var mostOfABlockOut = 0
        while now <= holdsEnd + 2_000 {
            let decision = guest.scan(&state, at: now)
            var planned = PageBitmap(count: 128)
            decision.plan.runs.forEach { planned.set($0) }
            mostOfABlockOut = max(mostOfABlockOut, planned.setCount(in: 32..<48), planned.setCount(in: 48..<64))
            now += 1_000
        }
        #expect(mostOfABlockOut == PolicyEngine.minimumCheckPages, "a check's pages, not a first sample's")
        #expect(guest.faults - faultsBefore == 2 * PolicyEngine.minimumCheckPages, "each check came back, no more")
        #expect(state.controller.pagesPerMinute(at: now) > 0, "what came back is the cost of the holds")
        #expect(state.blocks[2].holdsAll && state.blocks[3].holdsAll, "and both are held whole again")
    }

    @Test func aBlockBackFromAHoldWithNothingLeftToProbeHasItsWarmPagesChecked() {
        var (state, guest, _) = Self.scannedFor25Seconds(workingSet: Array(32..<48))
        #expect(state.blocks[2].holdsAll)
        // Every page of the block came back once: all warm, none of unknown behaviour left for a probe.
        state.warm.set(32..<48)
        let decision = guest.scan(&state, at: state.blocks[2].backoffUntil + 10_000)
        #expect(decision.plan.checkedBlocks == [2], "its warm pages are checked, not held for good")
    }

    @Test func warmPagesThatWentColdAreFoundWhenTheirHoldEnds() {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: PolicyEngineTests.limits, now: 0)
        var guest = ModelGuest(pageCount: 128, workingSet: Self.scattered)
        var now: Int64 = 0
        for _ in 0..<40 {
            _ = guest.scan(&state, at: now)
            now += 1_000
        }
        // The working set moves to pages of block 0 that are in swap; the old one is never touched again.
        let moved = [0, 1, 4, 5]
        guest.workingSet = PageBitmap(count: 128)
        moved.forEach { guest.workingSet[$0] = true }
        // Each hold's end checks a sample of the warm pages; those that stay out stay out. Policy time, scans 5 s
        // apart, until only the new working set is mapped (or six hours, a failure).
        while guest.mapped != guest.workingSet, now < 6 * 3_600_000 {
            _ = guest.scan(&state, at: now)
            now += 5_000
        }
        #expect(guest.mapped == guest.workingSet, "only the new working set is mapped")
        #expect(state.warm.intersection(guest.mapped) == guest.workingSet, "and it is warm")
        #expect(now < 3_600_000, "found within an hour of policy time (holds of 30 s to 10 min)")
    }

    @Test func theControllerHoldsLongerFastAndShorterSlowly() {
        var controller = RefaultController(targetFraction: 0.002)
        // A working set of 100,000 pages: a target of 200 pages a minute.
        #expect(controller.targetPagesPerMinute(workingSetPages: 100_000) == 200)
        var now: Int64 = 0
        for _ in 0..<20 {
            _ = controller.observe(repeats: 50, firsts: 0, at: now, workingSetPages: 100_000, moveInterval: 60_000)
            now += 1_000  // 3,000 a minute
        }
        #expect(controller.scale == 64, "15 times the target: 8 times at once, then up to the cap")
        #expect(controller.pagesPerMinute(at: now) > 2_000)
        for second in 0..<120 {
            _ = controller.observe(repeats: second % 10 == 0 ? 1 : 0, firsts: 0, at: now, workingSetPages: 100_000,
                                   moveInterval: 60_000)
            now += 1_000  // 6 a minute
        }
        #expect(controller.scale < 64 && controller.scale > 1, "a step down a minute, once the window is quiet")
        let schedule = BackoffSchedule(minimum: 30_000, maximum: 600_000).scaled(by: 4)
        #expect(schedule.minimum == 120_000 && schedule.maximum == 2_400_000)
        #expect(controller.targetPagesPerMinute(workingSetPages: 10) == controller.minimumTargetPages)
    }

    @Test func theCheckBudgetSetsTheShortestHold() {
        var controller = RefaultController(targetFraction: 0.002)
        // 512 blocks checked 8 pages each: 4,096 pages a round; at 200 a minute, a round every 20.48 minutes.
        controller.budget(checkPagesPerRound: 4_096, workingSetPages: 100_000, minimumHold: 30_000)
        #expect(abs(controller.budgetScale - 40.96) < 1e-9)
        #expect(controller.scale == controller.budgetScale)
        controller.budget(checkPagesPerRound: 0, workingSetPages: 100_000, minimumHold: 30_000)
        #expect(controller.scale == 1)
    }

    @Test func aJumpOfFirstRefaultsSaysTheWorkingSetMoved() {
        var controller = RefaultController(targetFraction: 0.002)
        var now: Int64 = 0
        var moves: [Int64] = []
        // A probe's tail: first refaults decaying from 2,000 a second; then quiet; then a move at 200 s.
        for second in 0..<300 {
            let tail = second < 60 ? 2_000 >> (second / 6) : 0
            let move = (200..<215).contains(second) ? 1_500 : 0
            if controller.observe(repeats: 0, firsts: tail + move, at: now, workingSetPages: 100_000,
                                  moveInterval: 40_000) {
                moves.append(now)
            }
            now += 1_000
        }
        #expect(moves.count == 1 && (200_000...205_000).contains(moves.first ?? 0),
                "one move, within seconds of it, none for the tail: \(moves)")
    }

    @Test func theControllerSetsHowLongWarmPagesAreHeld() {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: PolicyEngineTests.limits, now: 0)
        var guest = ModelGuest(pageCount: 128, workingSet: Self.scattered)
        for second in 0..<40 { _ = guest.scan(&state, at: Int64(second) * 1_000) }
        // Checking 8 blocks' warm pages costs more than the target of a 32-page working set allows: every hold
        // set from now on is longer.
        #expect(state.controller.scale > 1)
        let scale = state.controller.scale
        let held = state.blocks.filter { !$0.holdsAll && $0.backoffLevel > 0 }
        #expect(!held.isEmpty)
        for block in held {
            #expect(block.backoffUntil <= 39_000 + Int64(600_000 * scale * 1.5), "a hold within the scaled schedule")
        }
    }
}

extension PageBitmap {
    /// The pages of `0..<count` not set here.
    func subtractingAll(count: Int) -> PageBitmap {
        var all = PageBitmap(count: count)
        all.set(0..<count)
        all.subtract(self)
        return all
    }
}
