/// A prefetch distance judged by its use: doubled (plus one) at a cold_age in which at least half of the pages it
/// read and that were judged (used, or expired unused) were used, halved at one in which under a quarter were.
struct PrefetchReach: Sendable {
    /// The fewest judged pages that move the reach.
    static let judgedToAdapt = 32

    private(set) var pages = PrefetchState.initialReach
    /// The widest reach a judgement found used (0 before any): what `restore` goes back to.
    private var provenPages = 0
    private var hits = 0
    private var misses = 0

    /// Back to the widest reach found used, if wider than the reach now.
    mutating func restore() {
        pages = max(pages, provenPages)
    }

    mutating func record(_ count: Int, hit: Bool) {
        guard count > 0 else { return }
        if hit { hits += count } else { misses += count }
    }

    mutating func judge() {
        let judged = hits + misses
        guard judged >= Self.judgedToAdapt else { return }
        let rate = Double(hits) / Double(judged)
        if rate >= 0.5 {
            provenPages = max(provenPages, pages)
            pages = min(PrefetchState.maximumReach, pages * 2 + 1)
        } else if rate < 0.25 {
            pages = max(1, pages / 2)
        }
        (hits, misses) = (0, 0)
    }
}
