import Testing
@testable import PageoutCore

/// `max_cpu` as a quota: credit at the share of a core, spent by scans, saved up for 10 s at most.
@Suite struct ScanCPUBudgetTests {
    @Test func scansStopWhenTheCreditIsSpentAndResumeAsItAccrues() {
        var budget = ScanCPUBudget(share: 0.02, now: 0)  // 2% of a core: 20 ms a second, 200 ms saved at most
        #expect(budget.mayScan && abs(budget.credit - 0.2) < 1e-9)
        budget.spend(0.25)
        #expect(!budget.mayScan)
        budget.refill(at: 2_000)  // +40 ms: still 10 ms short
        #expect(!budget.mayScan)
        budget.refill(at: 3_000)
        #expect(budget.mayScan)
        // A long quiet spell saves 10 s worth, no more.
        budget.refill(at: 1_000_000)
        #expect(abs(budget.credit - 0.2) < 1e-9)
    }

    @Test func theRecentShareFollowsWhatScansSpend() {
        var budget = ScanCPUBudget(share: 0.5, now: 0)
        var now: Int64 = 0
        for _ in 0..<60 {  // 30 ms of every second for a minute: 3% of a core
            budget.spend(0.03)
            now += 1_000
            budget.refill(at: now)
        }
        #expect(abs(budget.recentShare - 0.03) < 0.002, "\(budget.recentShare)")
    }

    @Test func noShareMeansNoLimit() {
        var budget = ScanCPUBudget(share: 0, now: 0)
        budget.spend(100)
        #expect(budget.mayScan)
        budget.setShare(0.01)
        #expect(budget.mayScan && abs(budget.credit - 0.1) < 1e-9, "a limit set by a reload starts full")
        budget.spend(0.2)
        budget.setShare(0.02)
        #expect(!budget.mayScan, "a reload that changes a limit keeps what was spent")
    }
}
