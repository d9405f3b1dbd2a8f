import PageoutCore
import PageoutLinux

/// One region the daemon watches: where it comes from (configuration file or registration), what was opened,
/// what the policy learned, and its status.
final class RegionEntry {
    /// The region's configuration (its policy is the effective one).
    var config: RegionConfig
    /// The registration it came from; nil for a region of the configuration file.
    var registration: Registration?
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
    /// Why the kernel will not page out the region's memory at all, while it stays so (not scanned meanwhile).
    var refused: RefusedMapping?
    /// The last failure reported, so the same one is logged once, not every scan.
    var lastProblem: String?
    /// The status after the last scan.
    var status: RegionStatus
    /// The processes other than the VMM known to map the region's memory, and when they were looked up.
    var otherMappers = OtherMapperWatch()
    /// The token of the scan window the daemon opened itself while the VMM migrates (nil: none open).
    var autoWindow: String?
    /// The VMM's threads, watched for a migration thread.
    var migrationWatch = MigrationWatch()
    /// How often the region is scanned: every round while it changes, less often while it is quiet.
    var pacing = ScanPacing()

    init(config: RegionConfig, registration: Registration?, now: Int64) {
        self.config = config
        self.registration = registration
        self.bucket = TokenBucket(rate: config.policy.maxPageoutRate.bytes, now: now)
        self.status = RegionStatus(name: config.name)
    }

    /// The region's name, unique among all regions.
    var name: String { config.name }

    /// Drops what was opened, keeping the configuration (the next scan resolves the region again).
    func close() {
        region = nil
        scanner = nil
        policy = nil
        pendingRecheck = nil
        otherMappers = OtherMapperWatch()
        refused = nil
        pacing.wake()
    }

    /// The limits the policy engine uses for this region.
    func limits(pageSize: Int) -> PolicyLimits {
        PolicyLimits(config.policy, pageSize: pageSize)
    }

    /// Takes a new configuration: a changed process or memory source is resolved again at the next scan, a changed
    /// policy takes effect then with what was learned kept.
    func reconfigure(_ newConfig: RegionConfig) {
        if config.process != newConfig.process || config.memory != newConfig.memory {
            close()
            isGone = false
            lastProblem = nil
        }
        config = newConfig
        pacing.wake()
        bucket.setRate(newConfig.policy.maxPageoutRate.bytes)
    }
}
