/// The numbers the policy engine decides with, in its own units (milliseconds and pages).
///
/// The daemon derives them from the region's effective `[policy]` settings; tests write them directly.
public struct PolicyLimits: Sendable, Hashable {
    /// A mapped page is cold once its block saw no new mapping for this long (ms).
    public var coldAge: Int64
    /// The backoff schedule of refaulting blocks.
    public var backoff: BackoffSchedule
    /// The most never-probed memory (pages of whole blocks) that one evaluation may probe.
    public var probeBudgetPages: Int
    /// One page in this many of a probed block is paged out as its sample.
    public var sampleStride: Int
    /// A region with this share of its non-hole pages swapped pages out no more (0...1).
    public var maxSwappedFraction: Double
    /// Pages per block: 2 MiB worth (`blockPages(pageSize:)`) outside tests.
    public var blockPages: Int
    /// Repair pages other processes read back (see `PolicyEngine.skewedPagesToRepair`).
    public var autoRepair: Bool

    /// Creates limits; `blockPages` defaults to 2 MiB of 4 KiB pages.
    public init(coldAge: Int64, backoff: BackoffSchedule, probeBudgetPages: Int, sampleStride: Int = 16,
                maxSwappedFraction: Double = 0.9, blockPages: Int = 512, autoRepair: Bool = true) {
        precondition(coldAge >= 0 && probeBudgetPages >= 0 && sampleStride >= 1 && blockPages >= 1)
        precondition((0...1).contains(maxSwappedFraction))
        self.coldAge = coldAge
        self.backoff = backoff
        self.probeBudgetPages = probeBudgetPages
        self.sampleStride = sampleStride
        self.maxSwappedFraction = maxSwappedFraction
        self.blockPages = blockPages
        self.autoRepair = autoRepair
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
    /// Mapped, in a block that refaulted or gained mappings within cold_age.
    public var hot = 0
    /// Mapped, neither hot nor cold: aging, or held back by a backoff.
    public var warm = 0
    /// Mapped, quiet for cold_age and not backed off: pageout candidates.
    public var cold = 0
    /// Resident but not mapped in the VMM: something other than the guest read them.
    public var skewed = 0

    /// The counts before any page is classified.
    public init() {}

    /// The six counts added up: the region's page count.
    public var total: Int { hole + swapped + hot + warm + cold + skewed }

    public var description: String {
        "hole=\(hole) swapped=\(swapped) hot=\(hot) warm=\(warm) cold=\(cold) skewed=\(skewed)"
    }
}

/// The pages one evaluation decided to page out, as coalesced runs of region page indexes.
public struct PageoutPlan: Sendable, Hashable {
    /// The runs, in page order, none touching another.
    public var runs: [Range<Int>] = []
    /// How many of the pages are samples of never-probed blocks.
    public var probePages = 0
    /// The blocks whose samples are in the plan.
    public var probedBlocks: [Int] = []
    /// The blocks paged out in full.
    public var fullBlocks: [Int] = []

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
            autoRepair: settings.autoRepair)
    }
}
