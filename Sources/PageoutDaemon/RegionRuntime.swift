import PageoutCore
import PageoutLinux

/// One configured region as the scan worker keeps it: its opened memory, scanner and policy state.
final class RegionRuntime {
    /// The region's configuration (its policy is the effective one).
    var config: RegionConfig
    /// The opened region, nil until resolved (or after it went away).
    var region: ShmemRegion?
    /// The scanner of `region`.
    var scanner: SnapshotScanner?
    /// What the policy learned, for `region`'s layout.
    var policy: RegionPolicyState?
    /// The last plan carried out, awaiting its recheck.
    var pendingRecheck: PageoutPlan?
    /// The region's own rate limit (its effective max_pageout_rate).
    var bucket: TokenBucket
    /// Pages put back into swap by repair since registration.
    var repairedPages = 0
    /// True once its VMM exited: the region is never acted on again.
    var isGone = false
    /// True while an operator paused it.
    var isPaused = false
    /// The last failure reported, so the same one is logged once, not every scan.
    var lastProblem: String?
    /// The status after the last scan.
    var status: RegionStatus

    init(config: RegionConfig, now: Int64) {
        self.config = config
        self.bucket = TokenBucket(rate: config.policy.maxPageoutRate.bytes, now: now)
        self.status = RegionStatus(name: config.name)
    }

    /// Drops what was opened, keeping the configuration (the next scan resolves the region again).
    func close() {
        region = nil
        scanner = nil
        policy = nil
        pendingRecheck = nil
    }

    /// The limits the policy engine uses for this region.
    func limits(pageSize: Int) -> PolicyLimits {
        PolicyLimits(config.policy, pageSize: pageSize)
    }
}
