/// The numbers the policy engine decides with, in its own units (milliseconds and pages).
///
/// The daemon derives them from the region's effective `[policy]` settings; tests write them directly.
public struct PolicyLimits: Sendable, Hashable {
    /// A mapped page is cold once its block saw no new mapping for this long (ms).
    public var coldAge: Int64
    /// The backoff schedule of refaulting blocks.
    public var backoff: BackoffSchedule
    /// The never-probed memory (pages of whole blocks) that one evaluation may probe at least, whatever the
    /// region's size (`probe_budget`); also the slice budget and the repair step.
    public var probeBudgetPages: Int
    /// The share of the region's pages whose never-probed blocks one `coldAge` may probe (0...1;
    /// `probe_per_cold_age`): what makes a large region's first probe take a bounded time, not one that grows
    /// with its size. Zero: `probeBudgetPages` alone.
    public var probeShare: Double
    /// The most pages of never-probed blocks a region probes per second when `probeShare` asks for more than
    /// `probeBudgetPages` (`max_probe_rate`).
    public var maxProbePagesPerSecond: Int
    /// The most time since the previous scan (ms) that `probePages` counts: the daemon's scan interval, so that
    /// a quiet region scanned a few intervals apart probes no more at once than one interval's worth.
    public var probeTimeCap: Int64 = .max
    /// One page in this many of a probed block is paged out as its sample.
    public var sampleStride: Int
    /// One page in this many of a block's held (warm) pages is paged out to check them when their hold ends.
    public var checkStride: Int { sampleStride * 4 }
    /// The size of a step of a scan window's repair: the probe budget, at least a block. While a region converges,
    /// each round puts about that much out of it (the blocks probed a cold_age earlier go out in full), so a
    /// repair in such steps stalls the guest no more than convergence does.
    public var repairStepPages: Int { max(blockPages, probeBudgetPages) }
    /// A region with this share of its non-hole pages swapped pages out no more (0...1).
    public var maxSwappedFraction: Double
    /// Pages per block: 2 MiB worth (`blockPages(pageSize:)`) outside tests.
    public var blockPages: Int
    /// Repair pages other processes read back (see `PolicyEngine.skewedPagesToRepair`).
    public var autoRepair: Bool
    /// Read the swapped neighbours of pages that came back into the swap cache (see `PrefetchState`).
    public var prefetch: Bool
    /// The refaults per minute the region's controller aims at, as a share of its working set (0.002: 0.2%).
    public var refaultTarget: Double

    /// The built-in refault target: 0.2% of the working set per minute, the far-memory SLO of the literature.
    public static let defaultRefaultTarget = 0.002

    /// Creates limits; `blockPages` defaults to 2 MiB of 4 KiB pages.
    public init(coldAge: Int64, backoff: BackoffSchedule, probeBudgetPages: Int, sampleStride: Int = 16,
                maxSwappedFraction: Double = 0.9, blockPages: Int = 512, autoRepair: Bool = true, prefetch: Bool = true,
                refaultTarget: Double = PolicyLimits.defaultRefaultTarget, probeShare: Double = 0,
                maxProbePagesPerSecond: Int = Int.max) {
        precondition(coldAge >= 0 && probeBudgetPages >= 0 && (1...255).contains(sampleStride) && blockPages >= 1)
        precondition((0...1).contains(probeShare) && maxProbePagesPerSecond >= 0)
        precondition(refaultTarget >= 0, "a refault target is not negative")
        precondition((0...1).contains(maxSwappedFraction))
        self.coldAge = coldAge
        self.backoff = backoff
        self.probeBudgetPages = probeBudgetPages
        self.sampleStride = sampleStride
        self.maxSwappedFraction = maxSwappedFraction
        self.blockPages = blockPages
        self.autoRepair = autoRepair
        self.prefetch = prefetch
        self.refaultTarget = refaultTarget
        self.probeShare = probeShare
        self.maxProbePagesPerSecond = maxProbePagesPerSecond
    }

    /// The pages of never-probed blocks an evaluation `elapsed` ms after the previous one may probe in a region
    /// of `regionPages`: `probeBudgetPages`, or more for a region so large that `probeShare` of it per cold age
    /// is more, up to `maxProbePagesPerSecond`. The time counts up to one cold age and `probeTimeCap`, so a
    /// late round (a brake, a long interval, a quiet region's stretched one) probes no more than `probeShare`
    /// of the region, nor more than one scan interval's worth, at once: the guest never meets more first
    /// probes together than that.
    public func probePages(regionPages: Int, elapsed: Int64) -> Int {
        guard probeShare > 0, coldAge > 0, elapsed > 0 else { return probeBudgetPages }
        let counted = Double(min(elapsed, coldAge, max(1, probeTimeCap)))
        let scaled = Double(regionPages) * probeShare * counted / Double(coldAge)
        let capped = min(scaled, Double(maxProbePagesPerSecond) * counted / 1000)
        return max(probeBudgetPages, Int(capped.rounded(.up)))
    }

    /// Pages per 2 MiB block for a page size.
    public static func blockPages(pageSize: Int) -> Int { max(1, (2 << 20) / pageSize) }
}

/// How many pages of a region fall in each policy class at one scan.
public struct PageClassCounts: Sendable, Hashable, CustomStringConvertible {
    /// Never written.
    public var hole = 0
    /// In swap.
    public var swapped = 0
    /// Mapped, in a block first used (or found hot throughout) within cold_age.
    public var hot = 0
    /// Mapped, held: pages that came back after a pageout, or every page of a block found hot throughout.
    public var warm = 0
    /// Mapped, quiet for cold_age and not held: pageout candidates.
    public var cold = 0
    /// Resident but not mapped in the VMM: something other than the guest read them.
    public var skewed = 0
    /// Held by another mapper (mapped by another process too, which MADV_PAGEOUT skips); mapped in the VMM or
    /// not, and counted in no other class.
    public var mappedByOthers = 0

    /// The counts before any page is classified.
    public init() {}

    /// The pages the guest is known to use: hot and warm (what came back after a pageout is warm).
    public var workingSet: Int { hot + warm }

    /// The seven counts added up: the region's page count.
    public var total: Int { hole + swapped + hot + warm + cold + skewed + mappedByOthers }

    public var description: String {
        "hole=\(hole) swapped=\(swapped) hot=\(hot) warm=\(warm) cold=\(cold) skewed=\(skewed) "
            + "mapped_by_others=\(mappedByOthers)"
    }
}

/// The pages one evaluation decided to page out, as coalesced runs of region page indexes.
public struct PageoutPlan: Sendable, Hashable {
    /// The runs, in page order, none touching another.
    public var runs: [Range<Int>] = []
    /// How many of the pages are probes: samples and slices of pages of unknown behaviour, and checks of warm ones.
    public var probePages = 0
    /// The blocks whose pages of unknown behaviour are probed by a sample or a slice.
    public var probedBlocks: [Int] = []
    /// The blocks paged out in full.
    public var fullBlocks: [Int] = []
    /// The blocks whose held (warm) pages are checked by a sample.
    public var checkedBlocks: [Int] = []

    /// An empty plan.
    public init() {}

    /// The number of pages in the plan.
    public var pageCount: Int { runs.reduce(0) { $0 + $1.count } }

    /// True if there is nothing to do.
    public var isEmpty: Bool { runs.isEmpty }

    /// Appends pages `run`, which must come after every run already in the plan.
    mutating func append(_ run: Range<Int>) {
        guard !run.isEmpty else { return }
        if let last = runs.last, last.upperBound == run.lowerBound {
            runs[runs.count - 1] = last.lowerBound..<run.upperBound
        } else {
            precondition(runs.last.map { $0.upperBound < run.lowerBound } ?? true, "plan runs must be in order")
            runs.append(run)
        }
    }
}

extension PolicyLimits {
    /// The limits of a region's effective `[policy]` settings, for pages of `pageSize` bytes.
    public init(_ settings: PolicySettings, pageSize: Int) {
        let milliseconds = { (duration: Duration) in max(1, duration.wholeNanoseconds / 1_000_000) }
        let minBackoff = milliseconds(settings.minBackoff)
        self.init(
            coldAge: milliseconds(settings.coldAge),
            backoff: BackoffSchedule(minimum: minBackoff, maximum: max(minBackoff, milliseconds(settings.maxBackoff))),
            probeBudgetPages: Int(settings.probeBudget.bytes / UInt64(pageSize)),
            maxSwappedFraction: min(1, max(0, settings.maxSwappedPercent.fraction)),
            blockPages: PolicyLimits.blockPages(pageSize: pageSize),
            autoRepair: settings.autoRepair,
            prefetch: settings.prefetch,
            refaultTarget: max(0, settings.refaultTarget.fraction),
            probeShare: min(1, max(0, settings.probePerColdAge.fraction)),
            maxProbePagesPerSecond: Int(clamping: settings.maxProbeRate.bytes / UInt64(max(1, pageSize))))
    }
}
