import Foundation
import PageoutMeasure

/// The policy benchmark's table: one row per run, then what the columns mean.
enum PolicyTable {
    /// The column headers.
    static let headers = [
        "run", "resident MiB", "saved", "majflt/min % of WS", "majflt/min (settled / all)",
        "settled, minute by minute", "of them repeats/min (settled)", "p99.9 µs (median / worst)",
        "max lag ms", "CPU", "never-touched in swap at deadline", "at end", "WS figure MiB", "true WS MiB",
        "prefetched MiB (used)",
    ]

    /// The table of `runs` as Markdown, followed by the legend.
    static func text(_ runs: [PolicyFigures], workload: PolicyWorkload) -> String {
        var lines = [row(headers), row(headers.map { _ in "---" })]
        lines += runs.map { row(cells(of: $0)) }
        let deadline = Int(workload.swapDeadlineSeconds)
        let target = Percentage.text(RefaultBar.targetShareOfWorkingSetPerMinute)
        lines += [
            "",
            "resident: mean resident guest memory after the first \(Int(PolicyWorkload.warmUpSeconds)) s "
                + "(mincore of the memfd, every second); saved: the rest of the region.",
            "majflt/min: the guest's major faults per minute after the first "
                + "\(Int(PolicyWorkload.faultsFromSeconds)) s; "
                + "settled leaves out the \(Int(PolicyWorkload.settleAfterMoveSeconds)) s after each working-set move; "
                + "minute by minute: the settled rate of each whole minute after those (third, fourth, ...; n/a: "
                + "a minute spent settling); "
                + "% of WS is the settled rate against the working set (target \(target), at most 50% above); "
                + "repeats: faults of pages that had faulted before (paged out again after they came back), "
                + "the rest being first faults (a page's first probe, or a new working set's first touches).",
            "p99.9: the per-second 99.9th percentile access latency after the first minute. "
                + "CPU: the pager's user + system time over the run, % of one core.",
            "never-touched: data pages the guest never accessed, in swap (allocated, not resident) at "
                + "3 x cold_age + 30 s (\(deadline) s) and at the end.",
            "WS figure: the working set pageoutd reports (n/a: its status has none); true WS: the pages the guest "
                + "accessed in its last \(workload.recentWindowSeconds) s.",
            "prefetched: what pageoutd read back into the swap cache next to pages that came back over the run, "
                + "and the share of it the guest used (a minor fault instead of a major one).",
        ]
        return lines.joined(separator: "\n")
    }

    /// One Markdown table row.
    static func row(_ cells: [String]) -> String {
        "| " + cells.joined(separator: " | ") + " |"
    }

    /// The cells of one run's row.
    private static func cells(of run: PolicyFigures) -> [String] {
        let settled = run.settledFaults
        let faults = [settled, run.allFaults].map { $0.map { decimal($0.perMinute, places: 1) } ?? "n/a" }
        let history = run.record.history
        let latency = [history.medianP999(after: PolicyWorkload.warmUpSeconds), history.worstP999()]
            .map { $0.map { decimal($0, places: 0) } ?? "n/a" }
        return [
            run.variant.rawValue,
            run.meanResidentBytes.map { decimal($0 / 1_048_576, places: 0) } ?? "n/a",
            run.savedShare.map { Percentage.text($0) } ?? "n/a",
            settled.map { Percentage.text($0.shareOfWorkingSetPerMinute, places: 3) } ?? "n/a",
            faults.joined(separator: " / "),
            run.settledFaultsByMinute.map { $0.map { decimal($0.perMinute, places: 0) } ?? "n/a" }
                .joined(separator: " · "),
            settled.map { decimal($0.repeatsPerMinute, places: 1) } ?? "n/a",
            latency.joined(separator: " / "),
            history.maxLagMilliseconds.map { decimal($0, places: 1) } ?? "n/a",
            run.cpuShare.map { Percentage.text($0) } ?? "-",
            run.record.neverTouchedAtDeadline.map(\.description) ?? "n/a",
            run.neverTouchedAtEnd.description,
            workingSetCell(run.reportedWorkingSet),
            run.trueWorkingSetBytes.map { decimal(Double($0) / 1_048_576, places: 0) } ?? "n/a",
            prefetchCell(run),
        ]
    }

    private static func prefetchCell(_ run: PolicyFigures) -> String {
        guard run.variant.isDaemon else { return "-" }
        guard let prefetch = run.prefetch else { return "n/a" }
        let mebibytes = decimal(Double(prefetch.prefetched) / 1_048_576, places: 0)
        guard prefetch.prefetched > 0 else { return mebibytes }
        return mebibytes + " (" + Percentage.text(Double(prefetch.used) / Double(prefetch.prefetched)) + ")"
    }

    private static func workingSetCell(_ figure: ReportedWorkingSet) -> String {
        switch figure {
        case .notApplicable: "-"
        case .absent: "n/a"
        case .bytes(let bytes): decimal(Double(bytes) / 1_048_576, places: 0)
        }
    }

    /// `value` with `places` decimals, e.g. `12.3`.
    static func decimal(_ value: Double, places: Int) -> String {
        String(format: "%.\(places)f", value)
    }
}
