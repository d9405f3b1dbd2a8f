/// The `[policy]` table, and a region's `[region.policy]` overrides of it: when memory is cold, how fast it
/// is paged out, and when pageout stops.
public struct PolicySettings: Sendable, Hashable {
    /// The keys of `[policy]` and `[region.policy]`, as the config file spells them.
    public enum Key: String, Sendable, Hashable, CaseIterable, Comparable {
        /// `cold_age`: how long a page stays mapped without coming back after pageout before it counts as cold.
        case coldAge = "cold_age"
        /// `min_backoff`: the first backoff of a block whose pages refaulted.
        case minBackoff = "min_backoff"
        /// `max_backoff`: the cap of the backoff.
        case maxBackoff = "max_backoff"
        /// `max_pageout_rate`: bytes per second paged out, shared by all regions.
        case maxPageoutRate = "max_pageout_rate"
        /// `min_free_swap`: swap that pageout leaves free.
        case minFreeSwap = "min_free_swap"
        /// `psi_some_avg10_max`: memory pressure above which pageout pauses.
        case psiSomeAvg10Max = "psi_some_avg10_max"
        /// `max_swapped_percent`: share of a region's pages swapped beyond which it pages out no more.
        case maxSwappedPercent = "max_swapped_percent"
        /// `probe_budget`: never-probed memory paged out per scan interval, per region.
        case probeBudget = "probe_budget"
        /// `probe_per_cold_age`: the share of a region probed per cold_age at least, whatever its size.
        case probePerColdAge = "probe_per_cold_age"
        /// `max_probe_rate`: the most never-probed memory per second one region probes.
        case maxProbeRate = "max_probe_rate"
        /// `refault_target`: the refaults per minute each region aims at, as a share of its working set.
        case refaultTarget = "refault_target"
        /// `auto_repair`: put pages other processes read back into swap again at the next scan.
        case autoRepair = "auto_repair"
        /// `prefetch`: read the swapped neighbours of pages that came back into the swap cache.
        case prefetch
        /// `auto_windows`: open a scan window by itself while the VMM migrates (its migration thread runs).
        case autoWindows = "auto_windows"
        /// `dry_run`: plan and log, never page out.
        case dryRun = "dry_run"

        /// Orders as declared, which is the order of the config file.
        public static func < (lhs: Key, rhs: Key) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }
    }

    /// A page mapped in the VMM for this long, without coming back after a pageout, is cold. More than zero.
    public var coldAge: Duration
    /// The first backoff of a block whose pages refaulted (came back after pageout). More than zero.
    public var minBackoff: Duration
    /// The longest backoff; backoffs double from `minBackoff` up to this. At least `minBackoff`.
    public var maxBackoff: Duration
    /// Bytes per second paged out, by all regions together (a token bucket). More than zero.
    public var maxPageoutRate: ByteSize
    /// Pageout stops while less swap than this is free.
    public var minFreeSwap: SwapAmount
    /// Pageout pauses while the `some avg10` of /proc/pressure/memory is above this (a percentage of time).
    public var psiSomeAvg10Max: Percent
    /// A region with at least this share of its pages swapped out pages out no more.
    public var maxSwappedPercent: Percent
    /// The most memory, per region and scan interval, paged out from blocks never probed before (whose
    /// refault behaviour is unknown yet).
    public var probeBudget: ByteSize
    /// The share of a region's memory whose never-probed blocks are probed per `coldAge` at least, so that a
    /// region of any size is probed through within `coldAge` / share (two cold ages at 50%), not within its size
    /// over `probeBudget` intervals. Each round probes the larger of `probeBudget` and the region's size × this
    /// share × the time since the last round / `coldAge` (that time counted up to one `coldAge`), at most
    /// `maxProbeRate` × that time. Zero leaves `probeBudget` alone.
    public var probePerColdAge: Percent
    /// The most memory of never-probed blocks one region probes per second when `probePerColdAge` asks for more
    /// than `probeBudget`: a bound on how much of a very large region a round may put out on a guess. More
    /// than zero.
    public var maxProbeRate: ByteSize
    /// The pages per minute that may come back after pageout, as a share of the region's working set: the
    /// region's controller holds pages that came back longer while refaults run above it.
    public var refaultTarget: Percent
    /// Put pages that another process read back (resident, not mapped in the VMM, and swapped, paged out or a
    /// hole at the previous scan) into swap again at the next scan.
    public var autoRepair: Bool
    /// When pages come back after a pageout, read their swapped neighbours into the swap cache, so that the guest's
    /// touches of them are minor faults; those it does not touch within one to two cold ages go back into swap
    /// (see `PrefetchState`).
    public var prefetch: Bool
    /// Open a scan window on the region while its VMM runs a migration thread (QEMU's `live_migration` or
    /// `mig/src/main`), and end it, with its repair, when the thread is gone: a migration needs no `scan-wrap`.
    public var autoWindows: Bool
    /// Plan and log pageouts, never perform them.
    public var dryRun: Bool

    /// Creates a policy; every value has the built-in default.
    public init(
        coldAge: Duration = .seconds(120),
        minBackoff: Duration = .seconds(30),
        maxBackoff: Duration = .seconds(600),
        maxPageoutRate: ByteSize = .mib(256),
        minFreeSwap: SwapAmount = .size(.mib(512)),
        psiSomeAvg10Max: Percent = Percent(10),
        maxSwappedPercent: Percent = Percent(90),
        probeBudget: ByteSize = .mib(64),
        probePerColdAge: Percent = Percent(50),
        maxProbeRate: ByteSize = .gib(1),
        refaultTarget: Percent = Percent(value: 0.2)!,
        autoRepair: Bool = true,
        prefetch: Bool = true,
        autoWindows: Bool = true,
        dryRun: Bool = false
    ) {
        self.coldAge = coldAge
        self.minBackoff = minBackoff
        self.maxBackoff = maxBackoff
        self.maxPageoutRate = maxPageoutRate
        self.minFreeSwap = minFreeSwap
        self.psiSomeAvg10Max = psiSomeAvg10Max
        self.maxSwappedPercent = maxSwappedPercent
        self.probeBudget = probeBudget
        self.probePerColdAge = probePerColdAge
        self.maxProbeRate = maxProbeRate
        self.refaultTarget = refaultTarget
        self.autoRepair = autoRepair
        self.prefetch = prefetch
        self.autoWindows = autoWindows
        self.dryRun = dryRun
    }

    /// The built-in defaults.
    public static let `default` = PolicySettings()

    /// This policy with the values of `keys` taken from `other`: how a region's overrides apply.
    public func replacing(_ keys: Set<Key>, from other: PolicySettings) -> PolicySettings {
        var merged = self
        for key in keys {
            switch key {
            case .coldAge: merged.coldAge = other.coldAge
            case .minBackoff: merged.minBackoff = other.minBackoff
            case .maxBackoff: merged.maxBackoff = other.maxBackoff
            case .maxPageoutRate: merged.maxPageoutRate = other.maxPageoutRate
            case .minFreeSwap: merged.minFreeSwap = other.minFreeSwap
            case .psiSomeAvg10Max: merged.psiSomeAvg10Max = other.psiSomeAvg10Max
            case .maxSwappedPercent: merged.maxSwappedPercent = other.maxSwappedPercent
            case .probeBudget: merged.probeBudget = other.probeBudget
            case .probePerColdAge: merged.probePerColdAge = other.probePerColdAge
            case .maxProbeRate: merged.maxProbeRate = other.maxProbeRate
            case .refaultTarget: merged.refaultTarget = other.refaultTarget
            case .autoRepair: merged.autoRepair = other.autoRepair
            case .prefetch: merged.prefetch = other.prefetch
            case .autoWindows: merged.autoWindows = other.autoWindows
            case .dryRun: merged.dryRun = other.dryRun
            }
        }
        return merged
    }

    /// What is wrong with the values of `keys`.
    ///
    /// - Parameters:
    ///   - keys: the keys to check: all for `[policy]`, a region's overridden ones for its merged policy (so a
    ///     wrong global value is reported once, at `[policy]`).
    ///   - path: where each key's value came from (`policy.min_backoff` or `region[0].policy.min_backoff`).
    public func validationIssues(of keys: Set<Key> = Set(Key.allCases),
                                 at path: (Key) -> ConfigKeyPath) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        for (key, duration) in [(Key.coldAge, coldAge), (.minBackoff, minBackoff), (.maxBackoff, maxBackoff)]
        where keys.contains(key) && duration <= .zero {
            issues.append(ConfigIssue(key: path(key), problem: "must be more than zero"))
        }
        if keys.contains(.maxPageoutRate) && maxPageoutRate.bytes == 0 {
            issues.append(ConfigIssue(key: path(.maxPageoutRate),
                                      problem: "must be more than zero (set dry_run = true to stop paging out)"))
        }
        if keys.contains(.maxProbeRate) && maxProbeRate.bytes == 0 {
            issues.append(ConfigIssue(key: path(.maxProbeRate),
                                      problem: "must be more than zero (set probe_per_cold_age = \"0%\" to probe "
                                        + "within probe_budget only)"))
        }
        if maxBackoff > .zero && minBackoff > maxBackoff {
            if keys.contains(.minBackoff) {
                issues.append(ConfigIssue(
                    key: path(.minBackoff),
                    problem: "\(minBackoff.configText) is longer than max_backoff (\(maxBackoff.configText))",
                    relatedKeys: [path(.maxBackoff)]))
            } else if keys.contains(.maxBackoff) {
                issues.append(ConfigIssue(
                    key: path(.maxBackoff),
                    problem: "\(maxBackoff.configText) is shorter than min_backoff (\(minBackoff.configText))",
                    relatedKeys: [path(.minBackoff)]))
            }
        }
        return issues
    }
}
