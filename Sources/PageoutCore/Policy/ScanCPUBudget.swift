/// The CPU time scan rounds may spend looking at regions (`[daemon] max_cpu`, a share of one core), as a
/// quota in the manner of DAMON's (milliseconds per second): credit accrues at the share, each region's scan
/// (its snapshot and policy) spends what it took, and while the credit is spent the rounds leave the regions
/// that can wait for later rounds. Pageout itself is bounded by `max_pageout_rate`, not by this.
public struct ScanCPUBudget: Sendable, Hashable {
    /// The share of one core (0...1); 0: no limit.
    public private(set) var share: Double
    /// CPU seconds that may be spent now; never more than `burstSeconds` of credit.
    public private(set) var credit: Double
    /// Region scans left for a later round because the credit was spent.
    public private(set) var deferred: UInt64 = 0
    private var refilledAt: Int64
    /// The share spent over about the last `window` ms (an exponentially weighted mean).
    public private(set) var recentShare: Double = 0
    private var recentSpent: Double = 0
    private var recentSince: Int64

    /// Seconds of wall time whose credit may be saved up: a round after a quiet spell may spend that much at once.
    public static let burstSeconds = 10.0
    /// The span (ms) `recentShare` averages over.
    public static let window: Int64 = 10_000

    /// A budget of `share` of one core, full at `now` (ms).
    public init(share: Double, now: Int64) {
        precondition(share >= 0)
        self.share = share
        credit = share * Self.burstSeconds
        refilledAt = now
        recentSince = now
    }

    /// True when no limit is set or some credit is left.
    public var mayScan: Bool { share == 0 || credit > 0 }

    /// Takes a new share (a reload), keeping what was spent under a limit; a limit set where there was none
    /// starts full.
    public mutating func setShare(_ share: Double) {
        precondition(share >= 0)
        credit = self.share == 0 ? share * Self.burstSeconds : min(credit, share * Self.burstSeconds)
        self.share = share
    }

    /// Adds the credit of the time since the last refill.
    public mutating func refill(at now: Int64) {
        let elapsed = Double(max(0, now - refilledAt)) / 1000
        refilledAt = max(refilledAt, now)
        credit = min(share * Self.burstSeconds, credit + share * elapsed)
        let span = now - recentSince
        if span >= Self.window / 10 {
            let measured = recentSpent / (Double(span) / 1000)
            let weight = min(1, Double(span) / Double(Self.window))
            recentShare += (measured - recentShare) * weight
            recentSpent = 0
            recentSince = now
        }
    }

    /// Records a scan that took `seconds` of CPU.
    public mutating func spend(_ seconds: Double) {
        let seconds = max(0, seconds)
        if share > 0 { credit -= seconds }
        recentSpent += seconds
    }

    /// Records a region scan left for a later round.
    public mutating func noteDeferred() {
        deferred += 1
    }
}
