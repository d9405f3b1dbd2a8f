import Foundation
import PageoutMeasure
import PageoutTestSupport
import Testing

/// pageoutd at its default settings (cold_age 10 s) on the guest simulator's realistic workload: working sets
/// scattered in small runs through guest RAM, accessed with Zipf popularity, in several shapes at once, each with
/// its own guest and daemon. Judged by what the kernel did (mincore and SEEK_DATA on the memfd), against the bars
/// a policy must meet on real guests:
///
/// - at least 90% of the never-touched memory in swap within 3 × cold_age + 30 s;
/// - after the first two minutes, the guest's major faults per minute at most 1.5 × the refault target (0.2% of
///   the working set per minute, with the floor of `RefaultBar`), leaving out the 30 s after a working-set move;
/// - pageoutd's working-set figure, where its status has one, within 15% of the true working set (the pages the
///   guest accessed in its last three cold ages).
///
/// Verdicts in time, with three guests and three daemons running: an Exclusive* suite. Every run's figures are
/// printed before the verdicts, so a failure says how far off the policy is.
extension ExclusiveTests {
@Suite struct RealisticWorkload {
    static let shapes = [
        RealisticWorkloadRun.Shape(size: "256MiB", workingSetPercent: 25, runSize: "4KiB", moveEvery: 0),
        RealisticWorkloadRun.Shape(size: "256MiB", workingSetPercent: 50, runSize: "64KiB", moveEvery: 0),
        RealisticWorkloadRun.Shape(size: "256MiB", workingSetPercent: 40, runSize: "16KiB", moveEvery: 100),
    ]

    @Test func neverTouchedMemoryGoesToSwapAndRefaultsStayNearTheTarget() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        let outcomes = concurrently(Self.shapes.map { shape in { RealisticWorkloadRun(shape: shape).run() } })
        for outcome in outcomes {
            print(Self.report(outcome))
        }
        for outcome in outcomes {
            Self.judge(outcome)
        }
    }

    /// Records an issue for every bar `outcome` misses.
    static func judge(_ outcome: RealisticWorkloadRun.Outcome) {
        let shape = outcome.shape
        if let failure = outcome.failure {
            Issue.record("\(shape): the run failed: \(failure)")
            return
        }
        let deadline = Int(RealisticWorkloadRun.swapDeadlineSeconds)
        let swapped = outcome.neverTouchedAtDeadline
        #expect(swapped.fraction >= 0.9, "\(shape): never-touched in swap at \(deadline) s: \(swapped), want 90%")
        if let faults = outcome.settledFaults {
            let limit = RefaultBar.limitPerMinute(workingSetPages: faults.workingSetPages)
            let rate = Self.format(faults.perMinute)
            #expect(faults.perMinute <= limit,
                    "\(shape): \(rate) major faults a minute after 2 minutes, limit \(Self.format(limit))")
        } else {
            Issue.record("\(shape): no LOAD line after the first two minutes")
        }
        if let reported = outcome.reportedWorkingSetBytes {
            let truth = outcome.trueWorkingSetBytes
            #expect(abs(Double(reported) - Double(truth)) <= 0.15 * Double(truth),
                    "\(shape): working set reported \(reported >> 20) MiB, true \(truth >> 20) MiB, want within 15%")
        }
        #expect(outcome.verified.bad == 0 && outcome.verified.ok > 0, "\(shape): guest memory intact")
    }

    /// One paragraph of figures for `outcome`.
    static func report(_ outcome: RealisticWorkloadRun.Outcome) -> String {
        let deadline = Int(RealisticWorkloadRun.swapDeadlineSeconds)
        var lines = ["realistic workload, \(outcome.shape), cold_age \(RealisticWorkloadRun.coldAgeSeconds) s:"]
        // The share is read when it first reaches 90% (the wait ends there), or at the deadline.
        let when = outcome.reachedAfter.map { "after \(format($0)) s (deadline \(deadline) s)" }
            ?? "at the deadline, \(deadline) s (90% not reached)"
        lines.append("  never-touched in swap: \(outcome.neverTouchedAtDeadline) \(when), "
            + "\(outcome.neverTouchedAtEnd) at the end")
        if let faults = outcome.settledFaults {
            let pages = faults.workingSetPages
            let share = Percentage.text(faults.shareOfWorkingSetPerMinute, places: 3)
            let target = format(RefaultBar.targetPerMinute(workingSetPages: pages))
            let limit = format(RefaultBar.limitPerMinute(workingSetPages: pages))
            let all = outcome.allFaults.map { format($0.perMinute) } ?? "n/a"
            lines.append("  major faults a minute after 120 s, 30 s after moves left out: \(format(faults.perMinute)) "
                + "(\(share) of the working set of \(pages) pages, \(format(faults.repeatsPerMinute)) of pages "
                + "that had faulted before); target \(target), limit \(limit); all: \(all)")
        }
        let reported = outcome.reportedWorkingSetBytes.map { "\($0 >> 20) MiB" } ?? "n/a (no figure in the status)"
        let latency = outcome.medianP999Microseconds.map { format($0) } ?? "n/a"
        lines.append("  working set: pageoutd \(reported), true \(outcome.trueWorkingSetBytes >> 20) MiB; "
            + "p99.9 latency (median) \(latency) us; daemon CPU \(Percentage.text(outcome.daemonCPUShare)) of a core")
        if let failure = outcome.failure { lines.append("  failed: \(failure)") }
        return lines.joined(separator: "\n")
    }

    /// `value` with one decimal.
    static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
}
