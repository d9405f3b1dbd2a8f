/// The LOAD and MOVED lines of one run of the zipf workload, each with when it arrived (seconds from the start of
/// the run), and the figures made of them.
public struct LoadHistory: Sendable {
    /// One LOAD line and when it arrived; it covers the second before.
    public struct Entry: Sendable {
        /// Seconds from the start of the run.
        public let seconds: Double
        /// The line's figures.
        public let load: GuestLoad
    }

    /// Every LOAD line so far, in order.
    public private(set) var entries: [Entry] = []
    /// When each MOVED line arrived, in seconds from the start of the run.
    public private(set) var moves: [Double] = []

    /// An empty history.
    public init() {}

    /// Records `line` if it is a LOAD or MOVED line; other lines are ignored.
    public mutating func record(_ line: String, at seconds: Double) throws {
        if line.hasPrefix("LOAD ") {
            entries.append(Entry(seconds: seconds, load: try GuestLoad(line)))
        } else if line.hasPrefix("MOVED ") {
            moves.append(seconds)
        }
    }

    /// The last LOAD line's figures.
    public var last: GuestLoad? { entries.last?.load }

    /// The LOAD lines that arrived after `start` seconds and by `end`, without those within `settle` seconds
    /// after a move.
    public func entries(after start: Double, until end: Double = .infinity,
                        settleAfterMoves settle: Double = 0) -> [Entry] {
        entries.filter { entry in
            entry.seconds > start && entry.seconds <= end
                && !moves.contains { entry.seconds > $0 && entry.seconds <= $0 + settle }
        }
    }

    /// The guest's major faults per minute over the LOAD lines after `start` seconds (and by `end`), leaving out
    /// the `settle` seconds after every working-set move; nil when no line is left.
    public func faultRate(after start: Double, until end: Double = .infinity,
                          settleAfterMoves settle: Double = 0) -> FaultRate? {
        let counted = entries(after: start, until: end, settleAfterMoves: settle)
        guard !counted.isEmpty else { return nil }
        return FaultRate(faults: counted.reduce(0) { $0 + $1.load.majorFaults },
                         repeatFaults: counted.reduce(0) { $0 + $1.load.repeatFaults }, seconds: counted.count,
                         workingSetPages: counted.last!.load.workingSetPages)
    }

    /// The median of the per-second p99.9 latencies after `start` seconds, in microseconds.
    public func medianP999(after start: Double) -> Double? {
        let sorted = entries(after: start).map(\.load.p999Microseconds).sorted()
        return sorted.isEmpty ? nil : sorted[sorted.count / 2]
    }

    /// The worst per-second p99.9 latency after `start` seconds, in microseconds.
    public func worstP999(after start: Double = 0) -> Double? {
        entries(after: start).map(\.load.p999Microseconds).max()
    }

    /// The largest lag behind the access schedule in the whole run, in milliseconds.
    public var maxLagMilliseconds: Double? {
        entries.map(\.load.lagMilliseconds).max()
    }
}

/// Major faults over some seconds of a run, per minute and against the working set.
public struct FaultRate: Sendable {
    /// Faults counted.
    public let faults: Int
    /// Of those, faults of pages that had faulted before (`GuestLoad.repeatFaults`).
    public let repeatFaults: Int
    /// Seconds (LOAD lines) they were counted over.
    public let seconds: Int
    /// The working set's pages at the end of those seconds.
    public let workingSetPages: Int

    /// Faults per minute.
    public var perMinute: Double { Double(faults) * 60 / Double(max(seconds, 1)) }

    /// Faults per minute as a fraction of the working set's pages.
    public var shareOfWorkingSetPerMinute: Double { perMinute / Double(max(workingSetPages, 1)) }

    /// Faults of pages that had faulted before, per minute.
    public var repeatsPerMinute: Double { Double(repeatFaults) * 60 / Double(max(seconds, 1)) }
}
