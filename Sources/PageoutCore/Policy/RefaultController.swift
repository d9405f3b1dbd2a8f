/// Holds a region's refault rate to a target: the pages that come back per minute, as a share of its working set.
///
/// Refaults are what proactive pageout costs the guest: each is a major fault. The first probe of a page is the
/// price of learning, paced by the probe budget; the refaults the controller counts are those of pages paged out
/// more than once, and those of a block's probe when its whole-block hold ended: both come from checking whether
/// held pages (warm ones, or a block hot throughout) are still in use. So the controller's knob
/// is how long a page that came back waits before it is checked again: `scale` multiplies every hold of the
/// backoff schedule (min_backoff to max_backoff). It moves fast away from refaults (by the rate's excess over the
/// target, two to eight times, at most every `raiseInterval`) and slowly back (a step down at most every
/// `lowerInterval` while the rate is under half the target), the way far-memory controllers settle a cold-age
/// threshold against a promotion-rate target. cold_age is the floor nothing goes under: a page first used
/// within it is never probed. Memory pressure (PSI) stays the machine-wide brake, in the guards.
public struct RefaultController: Sendable {
    /// Pages per minute of a working set that may come back: 0.2% is the far-memory SLO of the literature.
    public var targetFraction: Double
    /// The target never drops under this many pages per minute, so a tiny working set is not held to nothing.
    public var minimumTargetPages: Double = 16
    /// The largest `scale`.
    public var maximumScale: Double = 64
    /// The least time (ms) between two raises of `scale`.
    public var raiseInterval: Int64 = 15_000
    /// The least time (ms) between two steps down of `scale`.
    public var lowerInterval: Int64 = 60_000
    /// First refaults (pages paged out once, coming back) per minute, as a share of the working set, that say the
    /// working set moved when they also jump (see `observe`): a fraction of what a move brings.
    public var moveFraction = 0.1
    /// The span (ms) of the short window a jump of first refaults is seen in.
    public var jumpWindow: Int64 {
        get { recentFirsts.window }
        set { recentFirsts.window = newValue }
    }

    /// The current multiplier of every hold: the larger of what the check budget needs and what measured
    /// refaults asked for.
    public var scale: Double { min(maximumScale, max(feedbackScale, budgetScale)) }
    /// What measured refaults asked for: raised fast while they run above the target, lowered slowly under half.
    public private(set) var feedbackScale: Double = 1
    /// What the cost of checking held pages needs: a round of checks of every block holding warm pages costs its
    /// pages once per hold, so holds must last that cost divided by the target (see `budget`).
    public private(set) var budgetScale: Double = 1
    /// Refaults of pages paged out more than once, and of the probes of blocks back from a hold: what holds cost.
    private var repeats = RateWindow()
    /// Refaults of pages paged out once (the price of learning) and of pages found cold again: the sign of a
    /// working set that moved.
    private var firsts = RateWindow()
    private var recentFirsts = RateWindow(window: 10_000)

    /// When `scale` last changed; nil before its first change.
    private var lastChange: Int64?
    /// When a move was last reported; nil before the first.
    private var lastMove: Int64?

    /// A controller for `targetFraction` (e.g. 0.002) of the working set per minute.
    public init(targetFraction: Double) {
        self.targetFraction = targetFraction
    }

    /// Sets `budgetScale` so that checking `checkPagesPerRound` pages (a sample of every block holding warm pages
    /// or held whole) once per shortest hold costs no more than the target for `workingSetPages`, holds starting at
    /// `minimumHold` ms. A guest whose 400 MiB working set is spread over 512 blocks, checked 8 pages a block,
    /// needs holds of 20 minutes at 0.2%.
    public mutating func budget(checkPagesPerRound: Int, workingSetPages: Int, minimumHold: Int64) {
        let minutes = Double(checkPagesPerRound) / targetPagesPerMinute(workingSetPages: workingSetPages)
        budgetScale = max(1, minutes * 60_000 / Double(max(1, minimumHold)))
    }

    /// The target in pages per minute for a working set of `workingSetPages`.
    public func targetPagesPerMinute(workingSetPages: Int) -> Double {
        max(minimumTargetPages, targetFraction * Double(workingSetPages))
    }

    /// The measured refaults per minute of checks (pages paged out more than once, blocks back from a hold), at `now`.
    public func pagesPerMinute(at now: Int64) -> Double {
        repeats.perMinute(at: now)
    }

    /// Records the refaults seen by the scan at `now` — `repeats` of pages paged out more than once, `firsts` of
    /// pages paged out once — and adjusts `scale` against the target for `workingSetPages`. Returns true when
    /// pages the guest had not used lately jump (at most once every `moveInterval` ms): first refaults and
    /// `coldReturns` (those of the repeats whose pages had been found cold again) over the last `jumpWindow` run
    /// above `moveFraction` of the working set a minute and at three times their rate over the last minute. The
    /// tail of a probe decays; a guest whose working set moved brings pages back in bulk, at once (pages never
    /// used before as first refaults; pages of a working set it used before, paged out since, as cold returns):
    /// what it used until the move should be checked now rather than when its holds end.
    public mutating func observe(repeats repeated: Int, firsts first: Int, coldReturns: Int = 0, at now: Int64,
                                 workingSetPages: Int, moveInterval: Int64) -> Bool {
        repeats.add(repeated, at: now)
        firsts.add(first + coldReturns, at: now)
        recentFirsts.add(first + coldReturns, at: now)
        let rate = repeats.perMinute(at: now)
        let target = targetPagesPerMinute(workingSetPages: workingSetPages)
        if rate > target, lastChange.map({ now - $0 >= raiseInterval }) ?? true {
            feedbackScale = min(maximumScale, feedbackScale * min(8, max(2, rate / target)))
            lastChange = now
        } else if rate > 0, rate < target / 2, feedbackScale > 1,
                  lastChange.map({ now - $0 >= lowerInterval }) ?? true {
            // Lowered only on evidence: refaults seen, and few. No refault at all may just mean no check is due.
            feedbackScale = max(1, feedbackScale / 1.5)
            lastChange = now
        }
        let jump = recentFirsts.perMinute(at: now)
        let surge = jump > moveFraction * Double(max(1, workingSetPages)) && jump > 3 * firsts.perMinute(at: now)
        guard surge, lastMove.map({ now - $0 >= moveInterval }) ?? true else { return false }
        lastMove = now
        return true
    }
}

/// Counts over the last minute, with the time each was seen.
struct RateWindow: Sendable {
    /// The span (ms) a rate is measured over.
    var window: Int64
    private var recent: [(at: Int64, count: Int)] = []
    /// The first time counted, so the first minute is not read as a full one.
    private var since: Int64?

    /// An empty window of `window` ms.
    init(window: Int64 = 60_000) {
        self.window = window
    }

    /// Counts `count` at `now`, forgetting what is older than the window.
    mutating func add(_ count: Int, at now: Int64) {
        if since == nil { since = now }
        recent.append((now, count))
        recent.removeAll { now - $0.at >= window }
    }

    /// The window's counts per minute at `now`, scaled up while less than a window old.
    func perMinute(at now: Int64) -> Double {
        guard let since else { return 0 }
        let span = max(1_000, min(window, now - since))
        return Double(recent.reduce(0) { $0 + $1.count }) * 60_000 / Double(span)
    }
}
