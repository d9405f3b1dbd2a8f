/// What a region is doing, for status, the control socket and metrics.
public enum RegionPhase: String, Sendable, Hashable, Codable {
    /// Waiting for its VMM or mapping to be found (retried every scan).
    case pending
    /// Scanned and paged out.
    case active
    /// Scanned, pageout held back by an operator.
    case paused
    /// Its VMM exited: never acted on again.
    case gone
    /// The last scan failed (permissions, a changed mapping): retried every scan.
    case failed
    /// The kernel will not page out its memory at all (the VMM mlocks it, it is hugetlbfs): not scanned; looked
    /// at again when the VMM's locked memory or mappings change. `reason` says why.
    case refused
}

/// The status of one region after its last scan. Sizes in bytes.
public struct RegionStatus: Sendable, Hashable, Codable {
    /// The configured or registered name: unique among the daemon's regions, the `region` label of its metrics.
    public var name: String
    /// Its VMM's pid, once found.
    public var pid: Int32?
    /// Where the region stands: waiting for its VMM, paged out, paused, gone, failing or refused by the kernel.
    public var phase: RegionPhase
    /// Why pageout is held back, or why it failed; nil when pageout runs.
    public var reason: String?
    /// The size of its guest memory: all its mappings together.
    public var sizeBytes: UInt64 = 0
    /// Bytes mapped in the VMM at the last scan (hot, warm and cold together; pages another process maps too are
    /// counted apart, in `heldByOtherMappersBytes`).
    public var mappedBytes: UInt64 = 0
    /// Bytes in swap at the last scan.
    public var swappedBytes: UInt64 = 0
    /// Bytes never written (holes of the file) at the last scan.
    public var holeBytes: UInt64 = 0
    /// Bytes resident but not mapped in the VMM (read by something else).
    public var skewedBytes: UInt64 = 0
    /// Mapped bytes in blocks first used within cold_age.
    public var hotBytes: UInt64 = 0
    /// Mapped bytes held: pages that came back after a pageout, and blocks found hot throughout.
    public var warmBytes: UInt64 = 0
    /// Mapped bytes eligible for pageout.
    public var coldBytes: UInt64 = 0
    /// Bytes another process maps too (a vhost-user backend's buffers): the kernel will not page them out
    /// through the VMM, so they stay resident, and they count in no other class.
    public var heldByOtherMappersBytes: UInt64 = 0
    /// The processes other than the VMM that map the region's memory, as last looked up.
    public var otherMappers: [OtherMapper] = []
    /// How many they are.
    public var otherMapperCount: UInt64 { UInt64(otherMappers.count) }
    /// The memory the guest needs: hot and warm bytes (the pages it keeps using, and those that came back).
    public var workingSetBytes: UInt64 = 0
    /// The refaults per minute the region's controller aims at (`refault_target` of the working set), in pages.
    public var refaultTargetPerMinute: UInt64 = 0
    /// The refaults of the last minute, in pages.
    public var refaultRatePerMinute: UInt64 = 0
    /// The shortest and longest hold the controller sets now (min_backoff and max_backoff times its scale), in
    /// seconds: how long a page that came back waits before it is checked again.
    public var holdMinSeconds: UInt64 = 0
    /// See `holdMinSeconds`.
    public var holdMaxSeconds: UInt64 = 0
    /// Bytes handed to MADV_PAGEOUT since registration.
    public var pagedOutBytes: UInt64 = 0
    /// Pages that came back after a pageout since registration.
    public var refaultPages: UInt64 = 0
    /// Bytes read into the swap cache next to pages that came back (prefetch), since registration.
    public var prefetchedBytes: UInt64 = 0
    /// Of those, bytes the VMM mapped before they expired: a minor fault for the guest instead of a major one.
    public var prefetchHitBytes: UInt64 = 0
    /// Prefetched bytes waiting in the swap cache for the guest now (resident: they count as memory).
    public var prefetchWaitingBytes: UInt64 = 0
    /// Of the prefetched bytes, those reclaim dropped from the swap cache while they waited (read again if still
    /// beside what comes back).
    public var prefetchDroppedBytes: UInt64 = 0
    /// Pages on each side of a page that came back that the region's prefetch reads now.
    public var prefetchReachPages: UInt64 = 0
    /// One more than the widest gap between mapped pages, beside a page that came back, the prefetch fills now.
    public var prefetchGapReachPages: UInt64 = 0
    /// Bytes that other processes read back and repair put into swap again, since registration.
    public var repairedBytes: UInt64 = 0
    /// Scans since registration.
    public var scans: UInt64 = 0
    /// Scan intervals between the region's scans now: 1 while it changes, up to `ScanPacing.maxStretch` while
    /// it is quiet.
    public var scanStretch: UInt64 = 1
    /// Bytes of the daemon's memory the region's page state takes: the policy's bitmaps and blocks, the last
    /// snapshot, its scan windows.
    public var stateBytes: UInt64 = 0
    /// Rounds that left the region alone since registration, because it was quiet.
    public var scansSkipped: UInt64 = 0
    /// Scan windows opened (BeginScan) since registration.
    public var windowsOpened: UInt64 = 0
    /// Scan windows ended by EndScan since registration.
    public var windowsClosed: UInt64 = 0
    /// Scan windows dropped because they stayed open too long, since registration.
    public var windowsExpired: UInt64 = 0
    /// Scan windows the daemon opened by itself (the VMM's migration thread appeared), since registration.
    public var autoWindowsOpened: UInt64 = 0
    /// Scan windows the daemon ended by itself (the migration thread was gone), since registration.
    public var autoWindowsClosed: UInt64 = 0
    /// Whether a window the daemon opened by itself is open now: a migration is under way.
    public var migrating = false
    /// Scan windows open now, BeginScan's and the daemon's own.
    public var windowsOpen: UInt64 = 0
    /// The most memory of the region seen resident (mapped in the VMM or not) while a window was open, for the
    /// current window or the last one: how high a migration or a backup made it go. 0 before the first window.
    public var windowPeakResidentBytes: UInt64 = 0
    /// Bytes that scan windows put out of memory again at EndScan (mapped and resident-unmapped), since
    /// registration.
    public var windowRepairedBytes: UInt64 = 0

    /// A region with nothing known yet.
    public init(name: String, pid: Int32? = nil, phase: RegionPhase = .pending, reason: String? = nil) {
        self.name = name
        self.pid = pid
        self.phase = phase
        self.reason = reason
    }
}

/// The daemon's status after its last scan.
public struct DaemonStatus: Sendable, Hashable, Codable {
    /// Every region, in configuration order.
    public var regions: [RegionStatus] = []
    /// The machine-wide guard in force, as a sentence; nil when pageout may run.
    public var guardReason: String?
    /// Completed scan rounds.
    public var scans: UInt64 = 0
    /// True in dry-run mode.
    public var dryRun = false
    /// Why the last reload was refused (the previous configuration runs on); nil after a good one.
    public var reloadProblem: String?
    /// `[daemon] max_cpu`: the percentage of one core scans may use (0: no limit).
    public var maxCPUPercent: Double = 0
    /// The percentage of one core scans used over about the last 10 s.
    public var scanCPUPercent: Double = 0
    /// CPU time the rounds spent since the daemon started, in microseconds: on snapshots (pagemap and the
    /// kernel's counts), on the rest of a region's scan (policy, status), and on pageout (MADV_PAGEOUT, repair).
    public var snapshotCPUMicroseconds: UInt64 = 0
    /// See `snapshotCPUMicroseconds`.
    public var policyCPUMicroseconds: UInt64 = 0
    /// See `snapshotCPUMicroseconds`.
    public var pageoutCPUMicroseconds: UInt64 = 0
    /// Region scans left for a later round because scans had used their `max_cpu`.
    public var scansDeferred: UInt64 = 0

    /// The status before the first scan round: no regions, nothing counted.
    public init() {}

    /// Bytes in swap over all regions.
    public var swappedBytes: UInt64 { regions.reduce(0) { $0 + $1.swappedBytes } }
    /// Bytes paged out over all regions.
    public var pagedOutBytes: UInt64 { regions.reduce(0) { $0 + $1.pagedOutBytes } }

    /// The one-line summary for sd_notify STATUS= and logs.
    public var summary: String {
        let active = regions.filter { $0.phase == .active }.count
        var line = "\(regions.count) regions (\(active) active), \(swappedBytes >> 20) MiB swapped, "
            + "\(pagedOutBytes >> 20) MiB paged out"
        line += guardReason.map { ", pageout held: \($0)" } ?? ""
        if dryRun { line += ", dry run" }
        if let reloadProblem { line += ", reload failed (\(reloadProblem)), running on the previous configuration" }
        return line
    }
}
