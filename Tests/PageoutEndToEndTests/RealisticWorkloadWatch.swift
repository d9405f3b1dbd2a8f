import Foundation
import PageoutCore
import PageoutMeasure
import PageoutTestSupport

/// Follows one guest of the realistic-workload test: its LOAD lines as they come, the true state of its memory
/// when asked, time since the daemon started.
struct Watch {
    let guest: GuestSim
    let memory: GuestMemoryReader
    /// The guest's working-set file.
    let workingSetPath: String
    private let started = Date()
    private(set) var history = LoadHistory()

    init(guest: GuestSim, memory: GuestMemoryReader, workingSetPath: String) {
        (self.guest, self.memory, self.workingSetPath) = (guest, memory, workingSetPath)
    }

    /// Seconds since the watch (and the daemon) started.
    var elapsed: Double { Date().timeIntervalSince(started) }

    /// Records the lines the guest has written so far, waiting up to `timeout` seconds for the first.
    mutating func readLines(timeout: Double = 0) throws {
        var wait = timeout
        while let line = try guest.output.nextLine(timeout: wait) {
            try history.record(line, at: elapsed)
            wait = 0
        }
    }

    /// Records the guest's lines until `seconds` after the start.
    mutating func readLines(until seconds: Double) throws {
        while elapsed < seconds {
            try readLines(timeout: min(1, seconds - elapsed))
        }
    }

    /// How many of the pages the guest never touched (by its working-set file now) are in swap now.
    func neverTouchedShare() throws -> PageShare {
        let never = try GuestWorkingSet(contentsOf: workingSetPath).bitmap(of: .never)
        return try memory.read().swappedShare(of: never)
    }

    /// Waits until 90% of the never-touched pages are in swap, at most until 3 × cold age + 30 s; records the
    /// share and when it was reached (not reached: the share at the deadline).
    mutating func waitForNeverTouchedInSwap(into outcome: inout RealisticWorkloadRun.Outcome) throws {
        var share = PageShare(part: 0, whole: 0)
        let timeout = RealisticWorkloadRun.swapDeadlineSeconds - elapsed
        do {
            try Eventually.wait(for: "90% of the never-touched pages in swap", timeout: timeout, interval: 1,
                                describe: { "\(share) in swap" }) {
                try readLines()
                share = try neverTouchedShare()
                return share.fraction >= 0.9
            }
            outcome.reachedAfter = elapsed
        } catch is TestFailure {
            share = try neverTouchedShare()
        }
        outcome.neverTouchedAtDeadline = share
    }
}
