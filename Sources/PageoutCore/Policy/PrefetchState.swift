/// What a region's prefetch remembers: the pages read back into the swap cache lately, and how far from a page
/// that came back its neighbours are read.
///
/// A guest's working set comes in runs (the guest kernel allocates page cache and heap in runs of pages): when a
/// page paged out comes back, its neighbours that are out are likely in use too, and each of them would cost the
/// guest a major fault of its own. Reading them into the swap cache (MADV_WILLNEED on the daemon's view of the
/// file) turns the guest's next touch of one into a minor fault, and leaves it in swap: the swap slot stays, the
/// file keeps the swap entry, and reclaim can drop the clean page at no cost (docs/KERNEL-NOTES.md, "Prefetched
/// shmem pages").
///
/// A prefetched page is resident and unmapped, which the skew repair reads as another reader's doing; it is exempt from
/// the repair for one to two cold ages (two generations, rotated every cold_age). A page mapped meanwhile is a hit; one
/// still unmapped when its generation expires is a miss, put back into swap through the daemon's own mapping as a
/// repair would be (the swap cache would keep it resident until reclaim). The reach (pages on each side of a page that
/// came back) doubles while at least half of what was prefetched in a cold age was hit, and halves while under a
/// quarter was: a guest whose working set is scattered page by page gets almost no prefetch, one whose working set
/// comes in runs gets its runs read back whole. What waits at once is held to a sixteenth of the pages known warm (6%),
/// nearest neighbours first: prefetch may cost the guest's host a little memory beside its working set, not a share of
/// the memory the policy finds cold.
public struct PrefetchState: Sendable {
    /// The most pages on each side of a page that came back that are prefetched.
    public static let maximumReach = 15
    /// The reach a region starts with.
    public static let initialReach = 3
    /// The most pages one scan prefetches in a region: 16 MiB with 4 KiB pages.
    public static let pagesPerScan = 4_096
    /// What may wait in the swap cache at once: one page for this many the policy knows warm (at least a block).
    public static let shareOfWarm = 16
    /// The fewest judged pages (hits and misses) that move the reach.
    static let judgedToAdapt = 32

    /// Prefetched pages of the current and the previous generation, neither mapped nor dropped since.
    public private(set) var recent: PageBitmap
    public private(set) var earlier: PageBitmap
    /// When (ms) the current generation began.
    private var generationStart: Int64
    /// Pages on each side of a page that came back that the next prefetch reads.
    public private(set) var reach = PrefetchState.initialReach
    /// Hits and misses since the reach last moved.
    private var hits = 0
    private var misses = 0
    /// Pages prefetched, and of them mapped by the VMM before they expired, since the region was registered.
    public private(set) var prefetchedPages = 0
    public private(set) var hitPages = 0

    /// No page prefetched yet, for a region of `pageCount` pages first seen at `now`.
    init(pageCount: Int, now: Int64) {
        recent = PageBitmap(count: pageCount)
        earlier = PageBitmap(count: pageCount)
        generationStart = now
    }

    /// The prefetched pages still waiting for the guest: exempt from the skew repair.
    public var waiting: PageBitmap { recent.union(earlier) }

    /// How many pages wait (the generations never share a page).
    public var waitingCount: Int { recent.setCount + earlier.setCount }

    /// The bytes the state holds.
    var storageBytes: Int { recent.storageBytes + earlier.storageBytes }

    /// Takes the pages mapped since (`mapped`: hits) and those that are neither mapped nor out of the VMM any more
    /// (a hole now) out of the generations; every cold_age the older generation expires (its pages are misses) and
    /// the reach is judged. Returns the hits and the expired pages, to put back into swap.
    ///
    /// A waiting page reads as swapped when the kernel's counts agree (the file keeps its swap entry) and as
    /// resident and unmapped when the snapshot looked it up: `out` holds both.
    mutating func account(mapped: PageBitmap, out: PageBitmap, at now: Int64,
                          coldAge: Int64) -> (hits: PageBitmap, expired: PageBitmap) {
        var hit = recent.intersection(mapped)
        hit.formUnion(earlier.intersection(mapped))
        for pages in [\Self.recent, \Self.earlier] {
            self[keyPath: pages].subtract(mapped)
            self[keyPath: pages].formIntersection(out)
        }
        hits += hit.setCount
        hitPages += hit.setCount
        var expired = PageBitmap(count: recent.count)
        if now - generationStart >= max(coldAge, 1) {
            misses += earlier.setCount
            judgeReach()
            expired = earlier
            earlier = recent
            recent = PageBitmap(count: recent.count)
            generationStart = now
        }
        return (hit, expired)
    }

    /// Doubles (plus one) the reach while half of the judged pages were hits, halves it under a quarter.
    private mutating func judgeReach() {
        let judged = hits + misses
        guard judged >= Self.judgedToAdapt else { return }
        let rate = Double(hits) / Double(judged)
        if rate >= 0.5 {
            reach = min(Self.maximumReach, reach * 2 + 1)
        } else if rate < 0.25 {
            reach = max(1, reach / 2)
        }
        (hits, misses) = (0, 0)
    }

    /// The pages to prefetch now: those of `candidates` (out, ours) within the reach of a page of `back` (pages
    /// that came back since the last scan), not prefetched already, at most `pagesPerScan` and no more than
    /// brings the pages waiting to `allowance`, nearest first (one page on each side of every run of `back`,
    /// then two, ...); recorded as the current generation's.
    mutating func plan(around back: PageBitmap, among candidates: PageBitmap,
                       allowance: Int = .max) -> [Range<Int>] {
        var room = min(Self.pagesPerScan, allowance - waitingCount)
        guard !back.isEmpty, room > 0 else { return [] }
        var eligible = candidates.subtracting(recent)
        eligible.subtract(earlier)
        var runs: [Range<Int>] = []
        back.forEachRun { runs.append($0) }
        var chosen = PageBitmap(count: recent.count)
        var taken = 0
        rings: for distance in 1...reach {
            for run in runs {
                for page in [run.lowerBound - distance, run.upperBound - 1 + distance]
                where page >= 0 && page < eligible.count && eligible[page] {
                    eligible[page] = false
                    chosen[page] = true
                    taken += 1
                    if taken == room { break rings }
                }
            }
        }
        recent.formUnion(chosen)
        prefetchedPages += taken
        room = taken
        return chosen.runs(takingAtMost: &room)
    }
}
