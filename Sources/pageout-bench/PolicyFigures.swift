import PageoutMeasure

/// The working-set figure a pager reports about the guest.
enum ReportedWorkingSet: Sendable {
    /// The variant has no such figure (no daemon, or the naive loop).
    case notApplicable
    /// pageoutd's status has no working-set field.
    case absent
    /// pageoutd's figure, in bytes.
    case bytes(UInt64)

    /// `.bytes` for a figure, `.absent` for nil.
    init(_ bytes: UInt64?) {
        self = bytes.map { .bytes($0) } ?? .absent
    }
}

/// The figures of one run of the policy benchmark: one row of its table.
struct PolicyFigures: Sendable {
    let variant: PolicyVariant
    let workload: PolicyWorkload
    /// The guest's memory in bytes.
    let regionBytes: Int
    let pageSize: Int
    let record: PolicyRun.Record
    /// The never-touched pages in swap at the end of the run.
    let neverTouchedAtEnd: PageShare
    /// The pager's CPU time over the run's wall time (1 = one core); nil without a pager.
    let cpuShare: Double?
    /// pageoutd's working-set figure at the end of the run.
    let reportedWorkingSet: ReportedWorkingSet
    /// pageoutd's prefetched bytes over the run and of them those the guest used; nil without such figures.
    var prefetch: (prefetched: UInt64, used: UInt64)?

    /// The mean resident bytes of guest memory after the first minute.
    var meanResidentBytes: Double? {
        let samples = record.residentSamples.filter { $0.seconds >= PolicyWorkload.warmUpSeconds }
        guard !samples.isEmpty else { return nil }
        return Double(samples.reduce(0) { $0 + $1.bytes }) / Double(samples.count)
    }

    /// The memory saved: the share of the region not resident, on average after the first minute.
    var savedShare: Double? {
        meanResidentBytes.map { 1 - $0 / Double(regionBytes) }
    }

    /// Major faults after the first two minutes, leaving out the 30 s after every working-set move.
    var settledFaults: FaultRate? {
        record.history.faultRate(after: PolicyWorkload.faultsFromSeconds,
                                 settleAfterMoves: PolicyWorkload.settleAfterMoveSeconds)
    }

    /// The settled faults of each whole minute after the first two (the third minute's first): how a pager's
    /// learning ends, which a rate over the rest of the run averages away.
    var settledFaultsByMinute: [FaultRate?] {
        let start = PolicyWorkload.faultsFromSeconds
        let end = record.history.entries.last?.seconds ?? start
        // A minute whose last LOAD line came a moment early still counts (its rate is over the seconds it has).
        return stride(from: start, through: end - 55, by: 60).map { minute in
            record.history.faultRate(after: minute, until: minute + 60,
                                     settleAfterMoves: PolicyWorkload.settleAfterMoveSeconds)
        }
    }

    /// Major faults after the first two minutes, all of them.
    var allFaults: FaultRate? {
        record.history.faultRate(after: PolicyWorkload.faultsFromSeconds)
    }

    /// The true working set at the end: the pages the guest accessed in its last three cold ages, in bytes.
    var trueWorkingSetBytes: Int? {
        record.history.last.map { $0.recentPages * pageSize }
    }
}
