import Testing
@testable import PageoutCore

/// Scan windows: the cold set at BeginScan, the repair set at EndScan, and refaults the policy must not learn from.
@Suite struct ScanWindowTests {
    static let layout = PolicyEngineTests.layout
    static let limits = PolicyEngineTests.limits

    static func snapshot(mapped: [Range<Int>], swapped: [Range<Int>] = [], resident: [Range<Int>] = []) -> PageSnapshot {
        PolicyEngineTests.snapshot(mapped: mapped, swapped: swapped, resident: resident)
    }

    @Test func theColdSetIsSwappedPagesPagedOutPagesAndHoles() {
        // 0..<32 mapped, 32..<64 swapped, 64..<80 resident-unmapped paged out by us, 80..<96 resident-unmapped
        // not ours (a reader's, left to auto-repair), 96..<128 holes.
        let snapshot = Self.snapshot(mapped: [0..<32], swapped: [32..<64], resident: [64..<96])
        var pagedOut = PageBitmap(count: 128)
        pagedOut.set(40..<80)
        pagedOut.set(0..<4)  // mapped again since: a refault, not cold
        let window = ScanWindow(token: "t", region: "vm1", openedAt: 0, snapshot: snapshot, pagedOut: pagedOut)
        #expect(window.coldSet.runs() == [32..<80, 96..<128])
        #expect(window.coldPages == 80)
        let noPolicy = ScanWindow(token: "t", region: "vm1", openedAt: 0, snapshot: snapshot, pagedOut: nil)
        #expect(noPolicy.coldSet.runs() == [32..<64, 96..<128])
    }

    @Test func theRepairSetIsTheColdSetNowResident() {
        let before = Self.snapshot(mapped: [0..<32], swapped: [32..<96])  // 96..<128 holes
        let window = ScanWindow(token: "t", region: "vm1", openedAt: 0, snapshot: before, pagedOut: nil)
        // An in-VMM scanner mapped 32..<64, a foreign one read 64..<80 and filled the holes 96..<112.
        let after = Self.snapshot(mapped: [0..<64], swapped: [80..<96], resident: [64..<80, 96..<112])
        let repair = window.repairSet(after: after)
        #expect(repair.mapped.runs() == [32..<64])
        #expect(repair.residentUnmapped.runs() == [64..<80, 96..<112])
        let limited = repair.runs(limit: 40)
        #expect(limited.mapped == [32..<64], "mapped pages first")
        #expect(limited.residentUnmapped == [64..<72])
    }

    @Test func holesTheScannerFilledCostNoShareOfTheRateLimit() {
        // 64..<96 swapped, 96..<128 holes; at the scan before, 48..<64 was a hole too (the guest wrote it since).
        let earlier = Self.snapshot(mapped: [0..<48], swapped: [64..<96])
        let before = Self.snapshot(mapped: [0..<64], swapped: [64..<96])
        let window = ScanWindow(token: "t", region: "vm1", openedAt: 0, snapshot: before, pagedOut: nil,
                                earlier: earlier, automatic: true)
        #expect(window.holes.runs() == [48..<64, 96..<128])
        // The migration read everything: swapped pages are swapped in (written to swap again when put back), holes
        // are zero-filled pages (dropped when put back).
        let repair = window.repairSet(after: Self.snapshot(mapped: [0..<128]))
        #expect(repair.mapped.runs() == [48..<128])
        #expect(repair.swapPagesOfNextStep(limit: 8) == 0, "48..<56: holes before")
        #expect(repair.swapPagesOfNextStep(limit: 32) == 16, "48..<80: 64..<80 were swapped")
        #expect(repair.swapPagesOfNextStep(limit: 1_000) == 32, "only the swapped pages count")
        var open = window
        let look = open.repairWhileOpen(after: Self.snapshot(mapped: [0..<128]))
        #expect(look.repair.swapPagesOfNextStep(limit: 1_000) == 32, "the same while the window is open")
        let noHoles = ScanWindowRepair(mapped: repair.mapped, residentUnmapped: repair.residentUnmapped)
        #expect(noHoles.swapPagesOfNextStep(limit: 1_000) == 80)
    }

    @Test func anAutomaticWindowAlsoCoversWhatWasColdAtTheScanBefore() {
        // The migration began after the scan before (32..<96 swapped) and read 32..<48 before it was seen.
        let earlier = Self.snapshot(mapped: [0..<32], swapped: [32..<96])
        let seen = Self.snapshot(mapped: [0..<48], swapped: [48..<96])
        let window = ScanWindow(token: "t", region: "vm1", openedAt: 0, snapshot: seen, pagedOut: nil,
                                earlier: earlier, automatic: true)
        #expect(window.coldSet.runs() == [32..<128])
        #expect(!window.isExpired(at: .max, maximum: 1), "it ends with the migration, never by age")
        let manual = ScanWindow(token: "t", region: "vm1", openedAt: 0, snapshot: seen, pagedOut: nil)
        #expect(manual.coldSet.runs() == [48..<128])
    }

    @Test func whileOpenWhatTheMigrationReadGoesBackAndWhatTheGuestTakesLeavesTheColdSet() {
        let before = Self.snapshot(mapped: [0..<32], swapped: [32..<128])
        var window = ScanWindow(token: "t", region: "vm1", openedAt: 0, snapshot: before, pagedOut: nil,
                                automatic: true)
        // The migration read 32..<64.
        var look = window.repairWhileOpen(after: Self.snapshot(mapped: [0..<64], swapped: [64..<128]))
        #expect(look.repair.mapped.runs() == [32..<64] && look.guestTook == 0)
        window.noteRepairedWhileOpen([32..<64])
        // 32..<40 did not go out (MADV_PAGEOUT could not take them off the LRU yet), 40..<48 sit in the swap
        // cache: the first are put back again, the others left to finish; nothing is judged the guest's.
        look = window.repairWhileOpen(after: Self.snapshot(mapped: [0..<40], swapped: [48..<128],
                                                           resident: [40..<48]))
        #expect(look.repair.mapped.runs() == [32..<40] && look.repair.residentUnmapped.isEmpty)
        #expect(look.guestTook == 0)
        window.noteRepairedWhileOpen([32..<40])
        // All of it went out; then the guest mapped 48..<52, which it had been put back from: the guest's.
        look = window.repairWhileOpen(after: Self.snapshot(mapped: [0..<32], swapped: [32..<128]))
        #expect(look.repair.isEmpty && look.guestTook == 0)
        look = window.repairWhileOpen(after: Self.snapshot(mapped: [0..<32, 48..<52],
                                                           swapped: [32..<48, 52..<128]))
        #expect(look.guestTook == 4 && look.repair.isEmpty, "not put back again: no back and forth")
        #expect(window.coldSet.runs() == [32..<48, 52..<128])
        // At the window's end, the guest's pages are no part of the repair.
        let end = window.repairSet(after: Self.snapshot(mapped: [0..<32, 48..<52, 100..<104],
                                                         swapped: [32..<48, 52..<100, 104..<128]))
        #expect(end.mapped.runs() == [100..<104])
    }

    @Test func aRepairGoesOutInStepsThatLeaveTheRestInTheSet() {
        let before = Self.snapshot(mapped: [0..<32], swapped: [32..<96])
        let window = ScanWindow(token: "t", region: "vm1", openedAt: 0, snapshot: before, pagedOut: nil)
        let after = Self.snapshot(mapped: [0..<64], swapped: [80..<96], resident: [64..<80, 96..<112])
        var left = window.repairSet(after: after)
        #expect(left.pageCount == 64)
        let first = left.takeStep(limit: 40)
        #expect(first.mapped == [32..<64] && first.residentUnmapped == [64..<72], "mapped pages first")
        #expect(left.pageCount == 24 && left.residentUnmapped.runs() == [72..<80, 96..<112])
        let second = left.takeStep(limit: 40)
        #expect(second.mapped.isEmpty && second.residentUnmapped == [72..<80, 96..<112])
        #expect(left.isEmpty)
    }

    @Test func theResultIsMeasuredFromTheSnapshotAfterTheRepair() {
        let before = Self.snapshot(mapped: [0..<32], swapped: [32..<96])
        let window = ScanWindow(token: "t", region: "vm1", openedAt: 0, snapshot: before, pagedOut: nil)
        let scanned = Self.snapshot(mapped: [0..<64], swapped: [80..<96], resident: [64..<80, 96..<112])
        let repair = window.repairSet(after: scanned)
        // The repair put 32..<60 into swap (4 pages stayed mapped), 64..<80 into swap, 96..<112 back to holes.
        let repaired = Self.snapshot(mapped: [0..<32, 60..<64], swapped: [32..<60, 64..<96])
        let result = window.result(of: repair, after: repaired)
        #expect(result == ScanWindowResult(mappedPagedOut: 28, residentRepaired: 32, coldPages: 96,
                                           stillSwapped: 60))
    }

    @Test(arguments: [(0 as Int64, false), (599_999, false), (600_000, true)])
    func windowsExpireAfterTheirMaximum(at now: Int64, expired: Bool) {
        let window = ScanWindow(token: "t", region: "vm1", openedAt: 0, snapshot: Self.snapshot(mapped: []),
                                pagedOut: nil)
        #expect(window.isExpired(at: now, maximum: 600_000) == expired)
    }

    /// A converged region: every page paged out by the policy over 20 quiet scans, a second apart.
    static func converged() -> (RegionPolicyState, PageSnapshot) {
        var state = RegionPolicyState(layout: layout, blockPages: 16, now: 0)
        var mapped = PageBitmap(count: 128)
        mapped.set(0..<128)
        var swapped = PageBitmap(count: 128)
        for second in 0..<20 {
            let snapshot = Self.snapshot(mapped: mapped.runs(), swapped: swapped.runs())
            let decision = PolicyEngineTests.step(&state, snapshot, at: Int64(second) * 1_000)
            for run in decision.plan.runs { swapped.set(run); mapped.clear(run) }
        }
        let quiet = Self.snapshot(mapped: mapped.runs(), swapped: swapped.runs())
        let decision = PolicyEngineTests.step(&state, quiet, at: 20_000)
        #expect(decision.plan.isEmpty && decision.refaults == 0)
        return (state, quiet)
    }

    @Test func pagesOfAnOpenWindowMappedAgainAreNotRefaults() {
        let (state, quiet) = Self.converged()
        let swappedBefore = quiet.swapped
        #expect(swappedBefore.setCount >= 100, "converged")
        let window = ScanWindow(token: "t", region: "vm1", openedAt: 30_000, snapshot: quiet,
                                pagedOut: state.pagedOut)
        // The scanner mapped every page.
        let scanned = Self.snapshot(mapped: [0..<128])
        let ignoring = PolicyEngine.evaluate(state, snapshot: scanned, now: 31_000, limits: Self.limits,
                                             pageBudget: 0, ignoringRefaults: window.coldSet)
        #expect(ignoring.refaults == 0)
        #expect(ignoring.counts.hot == 0, "the scanned blocks did not turn hot")
        for index in state.blocks.indices {
            #expect(ignoring.state.blocks[index].backoffLevel == state.blocks[index].backoffLevel)
            #expect(ignoring.state.blocks[index].lastActivity == state.blocks[index].lastActivity)
        }
        // Without the window the same scan backs every block off.
        let learning = PolicyEngine.evaluate(state, snapshot: scanned, now: 31_000, limits: Self.limits, pageBudget: 0)
        #expect(learning.refaults >= swappedBefore.setCount)
    }

    @Test func theRecheckIgnoresAnOpenWindowToo() {
        let (state, quiet) = Self.converged()
        let window = ScanWindow(token: "t", region: "vm1", openedAt: 30_000, snapshot: quiet, pagedOut: state.pagedOut)
        var all = PageBitmap(count: 128)
        all.set(0..<128)
        let ignored = PolicyEngine.recheck(state, mappedNow: all, now: 31_000, limits: Self.limits,
                                           ignoringRefaults: window.coldSet)
        #expect(ignored.refaults == 0)
        let learned = PolicyEngine.recheck(state, mappedNow: all, now: 31_000, limits: Self.limits)
        #expect(learned.refaults > 0)
    }
}
