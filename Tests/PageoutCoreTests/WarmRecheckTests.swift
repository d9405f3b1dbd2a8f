import Testing
@testable import PageoutCore

/// A check of warm pages that comes back only in part, in the cold ages after a working-set move: the pages back
/// stay, the rest of the block's warm pages are checked again at once, hold or not.
@Suite struct WarmRecheckTests {
    /// Block 2 (pages 32..<48) warm throughout (the old working set) and held; the guest's new working set is
    /// page 32 alone, shared with the old one and mapped all along (so never seen come back); the other blocks
    /// are holes. Scanned once at 0 s; returns the state, the guest and the time of the move (10 s).
    static func oldWorkingSetHeld() -> (RegionPolicyState, ModelGuest, now: Int64) {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: PolicyEngineTests.limits, now: 0)
        var guest = ModelGuest(pageCount: 128, workingSet: [32])
        guest.mapped = PageBitmap(count: 128)
        guest.mapped.set(32..<48)
        _ = guest.scan(&state, at: 0)
        state.warm.set(32..<48)
        state.blocks[2].backoffLevel = 1
        state.blocks[2].backoffUntil = 3_600_000
        return (state, guest, 10_000)
    }

    /// Scans `guest` every second from `start` for `seconds`; returns the time after the last scan.
    static func scanned(_ state: inout RegionPolicyState, _ guest: inout ModelGuest, from start: Int64,
                        seconds: Int, limits: PolicyLimits = PolicyEngineTests.limits) -> Int64 {
        var now = start
        for _ in 0..<seconds {
            _ = guest.scan(&state, at: now, limits: limits)
            now += 1_000
        }
        return now
    }

    @Test func afterAMoveTheOldWorkingSetGoesOutBesideAPageStillInUse() {
        var (state, guest, now) = Self.oldWorkingSetHeld()
        // What `steer` does when first refaults jump.
        state.endWarmHolds(at: now)
        state.prefetch.workingSetMoved(at: now)
        // The first check takes every other warm page, page 32 among them: it comes back at once, while the move
        // settles.
        now = Self.scanned(&state, &guest, from: now, seconds: 12)
        #expect(guest.mapped.setCount == 1 && guest.mapped[32], "only the page in use is mapped")
        #expect(state.warm[32], "and it is warm")
        #expect(guest.faults == 1, "it came back once, the old working set never")
        #expect(!state.blocks[2].recheckWarm && !state.blocks[2].warmCheckOut, "nothing left to check")
    }

    @Test func withoutAMoveAPageBackHoldsTheBlocksWarmPages() {
        var (state, guest, now) = Self.oldWorkingSetHeld()
        state.endWarmHolds(at: now)
        now = Self.scanned(&state, &guest, from: now, seconds: 12)
        #expect(guest.mapped.setCount == 9, "page 32 and the half the check left stay mapped, held")
        #expect(state.blocks[2].isBackedOff(at: now) && !state.blocks[2].recheckWarm)
    }
}

/// A working set that moves back to pages it used before: they come back as repeats (paged out more than once),
/// not first refaults, yet they say the working set moved as much as new pages do.
@Suite struct MoveBackTests {
    /// Four pages of every 16-page block, none of them in `PageLearningTests.scattered`.
    static let other = (0..<8).flatMap { block in [0, 5, 9, 14].map { block * 16 + $0 } }

    /// The tests' limits with holds of 2 to 10 minutes: only a detected move checks held pages within a minute.
    static let limits: PolicyLimits = {
        var limits = PolicyEngineTests.limits
        limits.backoff = BackoffSchedule(minimum: 120_000, maximum: 600_000)
        return limits
    }()

    /// Scans `guest` every second from `start` until only its working set is mapped, at most a minute; returns
    /// the time then.
    static func settle(_ state: inout RegionPolicyState, _ guest: inout ModelGuest, from start: Int64) -> Int64 {
        var now = start
        while guest.mapped != guest.workingSet, now < start + 60_000 {
            _ = guest.scan(&state, at: now, limits: limits)
            now += 1_000
        }
        return now
    }

    /// Scans `guest` every second for a minute from `start`; returns the time then.
    static func quiet(_ state: inout RegionPolicyState, _ guest: inout ModelGuest, from start: Int64) -> Int64 {
        WarmRecheckTests.scanned(&state, &guest, from: start, seconds: 60, limits: limits)
    }

    static func workingSet(_ pages: [Int]) -> PageBitmap {
        var set = PageBitmap(count: 128)
        pages.forEach { set[$0] = true }
        return set
    }

    @Test func aWorkingSetMovingBackToPagesUsedBeforeIsFoundAtOnce() {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: Self.limits, now: 0)
        var guest = ModelGuest(pageCount: 128, workingSet: PageLearningTests.scattered)
        var now = Self.settle(&state, &guest, from: 0)
        #expect(guest.mapped == guest.workingSet, "the first working set alone is mapped")
        // A quiet minute: a move is a jump of pages coming back against the minute before.
        now = Self.quiet(&state, &guest, from: now)
        guest.workingSet = Self.workingSet(Self.other)
        now = Self.settle(&state, &guest, from: now)
        #expect(guest.mapped == guest.workingSet, "a move to pages never used: found within a minute")
        #expect(state.warm.intersection(guest.workingSet) == guest.workingSet, "and held")
        now = Self.quiet(&state, &guest, from: now)
        #expect(state.blocks.allSatisfy { $0.isBackedOff(at: now) }, "still held: no hold ended by itself")
        guest.workingSet = Self.workingSet(PageLearningTests.scattered)
        let back = now
        now = Self.settle(&state, &guest, from: now)
        #expect(guest.mapped == guest.workingSet, "a move back to pages used before: found within a minute")
        #expect(now - back <= 3 * Self.limits.coldAge + 5_000, "within about a cold_age: \(now - back) ms")
    }
}

/// The old working set's pages that came back just before a move (its Zipf tail, a page at a time) go out with
/// the rest of it: kept as in use lately, they would be no suspects of the move's checks, and their blocks, held
/// again by the new set's later returns, would keep them resident for the whole hold.
@Suite struct MoveForgetsUseTests {
    @Test func theOldWorkingSetsLatestReturnsGoOutWithIt() {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: MoveBackTests.limits, now: 0)
        // A jump is seen over a window shorter than the least time between two moves (2 cold ages), as with the
        // defaults (10 s against 40 s): one move is seen once.
        state.controller.jumpWindow = 2_000
        var guest = ModelGuest(pageCount: 128, workingSet: PageLearningTests.scattered)
        var now = MoveBackTests.settle(&state, &guest, from: 0)
        now = MoveBackTests.quiet(&state, &guest, from: now)
        // As if one page of the old working set in every block had come back in the last cold age.
        let latest = (0..<8).map { $0 * 16 + 12 }
        latest.forEach { state.recentUse[$0] = true }
        // The new working set comes back three pages a block at once, the fourth a cold age later (its tail),
        // once the move's first checks found the old working set unused.
        guest.workingSet = MoveBackTests.workingSet(MoveBackTests.other.filter { $0 % 16 != 14 })
        now = WarmRecheckTests.scanned(&state, &guest, from: now, seconds: 3, limits: MoveBackTests.limits)
        guest.workingSet = MoveBackTests.workingSet(MoveBackTests.other)
        now = WarmRecheckTests.scanned(&state, &guest, from: now, seconds: 57, limits: MoveBackTests.limits)
        #expect(latest.allSatisfy { !guest.mapped[$0] }, "the old set's latest returns went out")
        #expect(guest.mapped.setCount == guest.workingSet.setCount && guest.mapped == guest.workingSet,
                "the new working set alone is mapped: \(guest.mapped.setCount) pages")
        #expect(state.warm.intersection(guest.workingSet) == guest.workingSet, "and held")
    }
}
