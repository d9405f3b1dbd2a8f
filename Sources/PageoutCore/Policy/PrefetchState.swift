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
/// Two ways, each judged by its own use. First the gaps (`PrefetchGaps`): the pages out between a page that came
/// back and the next page the VMM maps, as wide as the gap classes opened so far allow, while what waits (gaps' and
/// rings' pages) is under a sixteenth of the pages known warm (a quarter while the gaps are found used). Then the
/// rings: the pages out within the reach of a page that came back, nearest first, while what waits is under a
/// sixteenth of the pages known warm (what the rings read under a quarter, in the cold ages after a working-set
/// move); the reach doubles while at least half of what the rings read in a cold age was used, and halves while
/// under a quarter was. A guest whose working set is scattered page by page gets almost no prefetch, one whose
/// working set comes in runs gets its runs read back whole, and memory it never uses is read only at the edges of
/// its runs.
///
/// A prefetched page is resident and unmapped, which the skew repair reads as another reader's doing; it is exempt from
/// the repair for one to two cold ages (two generations, rotated every cold_age), a generation more if it is still in a
/// gap then (once; not if the gap's width was just judged unused: then it expires at once); none expires while a
/// working-set move settles, nor one alone between two pages the VMM maps, for as long as it is, once gaps that
/// narrow were found used (`alone(among:between:)`). A page mapped meanwhile is a hit; one still unmapped when it
/// expires is a miss, put back into swap through the daemon's own mapping as a repair would be (the swap cache would
/// keep it resident until reclaim). A waiting page reclaim drops (each scan looks: `account`'s `resident`) leaves the
/// generations unjudged and may be read again: beside a page that comes back, and at once, once, while a working-set
/// move settles or if it is alone between two mapped pages (`plan`'s `dropped`). While a move settles, the pages that
/// came back at a scan that read its most (`pagesThisScan`) or whose rings' room ran out are read around at the next
/// scans too (`notReadAround`), until one reads less and the rings have room left. In a region's first cold ages
/// (`learning`), while its first probes bring the working set back, the gaps have the larger share of their own, and
/// the returns a scan had no room to read around are read around later.
public struct PrefetchState: Sendable {
    /// The most pages on each side of a page that came back that the rings read.
    public static let maximumReach = 15
    /// The rings' reach a region starts with.
    public static let initialReach = 3
    /// The most pages one scan prefetches in a region: 16 MiB with 4 KiB pages.
    public static let pagesPerScan = 4_096
    /// The most while a working-set move settles (`settlingAfterMove`). A moved working set comes back at 10,000
    /// to 16,000 pages a scan in its first seconds (a 1 GiB guest's 40% in 64 KiB runs): at `pagesPerScan` the
    /// gaps took every scan's reads for 7-11 s and the rings none, and the pages around what came back then were
    /// never read (a scan reads around its own returns only), each a major fault at its first touch.
    public static let pagesPerScanAfterMove = 4 * pagesPerScan
    /// What may wait in the swap cache at once for the rings: one page for this many the policy knows warm (at
    /// least a block).
    public static let shareOfWarm = 16
    /// What may wait at once, gaps included, once the gaps were found used: one page for this many the policy
    /// knows warm (at least a block). Until then the gaps have the rings' share.
    public static let gapShareOfWarm = 4

    /// Prefetched pages of the current and the previous generation, neither mapped nor dropped since.
    public private(set) var recent: PageBitmap
    public private(set) var earlier: PageBitmap
    /// Pages of the older generation that waited a generation already (kept once more; see `account`).
    private var renewed: PageBitmap
    /// When (ms) the current generation began.
    private var generationStart: Int64
    /// Generation ends left in which a page still in a gap waits a generation more however often it did, and the
    /// rings' allowance is for their own pages: set by a working-set move (`workingSetMoved`).
    private var movingGenerations = 0
    /// When (ms) the last working-set move was seen: the move settles `settlingTime` after it at the earliest.
    private var movedAt: Int64 = 0
    /// Generation ends left in the region's first cold ages (`learningGenerations` at first): see `learning`.
    private var learningLeft: Int
    /// How far from a page that came back the rings reach, judged by the rings' hits and misses.
    private var rings = PrefetchReach()
    /// The gaps filled, and how wide they may be.
    private var gaps: PrefetchGaps
    /// Pages prefetched, and of them mapped by the VMM before they expired, since the region was registered.
    public private(set) var prefetchedPages = 0
    public private(set) var hitPages = 0
    /// Of those, dropped from the swap cache by reclaim while they waited (found neither mapped nor in memory).
    public private(set) var droppedPages = 0
    /// Pages read again since the last working-set move (or the region's first sight) after reclaim dropped them
    /// (`plan`'s `dropped`): once each, not judged by the rings.
    private var readAgainSinceMove: PageBitmap
    /// The pages that came back at the last scan if it read its most (`pagesThisScan`) or, while the region learns,
    /// if an allowance ran out; and, while a working-set move settles or the region learns, those of every such
    /// scan before it: then read around at the next scan with its own returns (`plan`). The last scan's are kept
    /// when no move is known too, for the scan that first sees one: the scan before it brought back the most.
    private var notReadAround: PageBitmap

    /// No page prefetched yet, for a region of `pageCount` pages first seen at `now`.
    init(pageCount: Int, now: Int64, learningGenerations: Int = Self.learningGenerations) {
        learningLeft = learningGenerations
        recent = PageBitmap(count: pageCount)
        earlier = PageBitmap(count: pageCount)
        renewed = PageBitmap(count: pageCount)
        readAgainSinceMove = PageBitmap(count: pageCount)
        notReadAround = PageBitmap(count: pageCount)
        gaps = PrefetchGaps(pageCount: pageCount)
        generationStart = now
    }

    /// Pages on each side of a page that came back that the next prefetch's rings read.
    public var reach: Int { rings.pages }
    /// One more than the widest gap the next prefetch fills.
    public var gapReach: Int { gaps.reach }

    /// How many pages may wait at once in a region with `warmPages` pages known warm, for the gaps and for the
    /// rings (at least `blockPages` each). While a working-set move settles the rings may hold the gaps'
    /// larger share: what they read beside a moved working set's runs is mostly the runs' own pages, which its
    /// Zipf tail touches over the next minutes, and a sixteenth of the warm pages is full within seconds of the
    /// move.
    func allowances(warmPages: Int, blockPages: Int) -> (gaps: Int, rings: Int) {
        let share = max(warmPages / Self.shareOfWarm, blockPages)
        let largerShare = max(warmPages / Self.gapShareOfWarm, blockPages)
        return (gaps.proven || learning ? largerShare : share, settlingAfterMove ? largerShare : share)
    }

    /// The guest's working set moved (`RefaultController.observe`): the reaches go back to the widest each was found
    /// used at. While a working set stays put, the pages that come back are its Zipf tail's, one at a time beside
    /// pages already back, and what is read beside them goes unused: the reaches shrink, the gap classes close, for
    /// ever longer. A move brings whole runs back at once, the case the wider reaches were found used in; without
    /// this they would open again one cold age after another while the runs come back. For `generationsAfterMove`
    /// cold ages, prefetched pages wait for the runs' tails and the rings have room of their own.
    mutating func workingSetMoved(at now: Int64) {
        rings.restore()
        gaps.restore()
        movingGenerations = Self.generationsAfterMove
        movedAt = now
        readAgainSinceMove = PageBitmap(count: recent.count)
    }

    /// Generation ends after a working-set move in which no prefetched page expires, and the rings' allowance is
    /// the gaps' larger share and counts only the pages they read. A moved working set comes back run by run, its
    /// Zipf tail last: pages read beside its runs wait for the tail's touches, which come cold ages later (a page
    /// accessed every 30 s on average is untouched a minute after the move one time in eight), and back in swap
    /// each would cost a major fault; meanwhile the runs' gaps fill the gaps' larger share, and the rings, which
    /// alone read a run's edges, would get no room.
    static let generationsAfterMove = 4

    /// The least time (ms) a working-set move settles, however short cold_age is: its `generationsAfterMove` at the
    /// 20 s cold_age they were measured at. How long a moved working set's Zipf tail takes to come back is set by
    /// the guest's access rate, not by the daemon's cold_age: measured on a 1 GiB guest (35% in 16 KiB runs,
    /// moving every 100 s) at cold_age 10 s, 183 of the 591 major faults 30-90 s after a move were pages read in
    /// the move's first 20 s that expired when it settled, 40 s after it, and were touched in the 30 s after.
    static let settlingTime: Int64 = 80_000

    /// True in the cold ages after a working-set move (`generationsAfterMove` of them, `settlingTime` at least): the
    /// guest is still settling into its new working set.
    var settlingAfterMove: Bool { movingGenerations > 0 }

    /// Generation ends from a region's first sight in which it learns (`learning`): the first cold age, in which
    /// nothing is probed, and the two in which the first probes go out and the working set comes back.
    static let learningGenerations = 3

    /// True in a region's first cold ages (`learningGenerations`), while every page of unknown behaviour is probed once
    /// and the working set comes back page by page, its Zipf tail over minutes. The gaps then have the larger share of
    /// the warm pages for their own pages, found used yet or not, the rings their sixteenth for theirs, and the returns
    /// a scan had no room to read around are read around at the next scans (`notReadAround`), when the guest's use of
    /// what waits frees room. Measured on a 1 GiB guest (50% in 16 KiB runs, no move), 750 of the 848 major faults of
    /// its third minute were pages probed once and never read, 600 of the 848 beside a page that came back after their
    /// probe, most 20-40 s into the run: the first probes' returns filled a sixteenth of the warm pages within seconds,
    /// the rings' reads took the gaps' room, and a scan reads around its own returns only. What is read expires as
    /// usual: never-touched memory must be in swap within a few cold ages, and beside a working set that never moved
    /// the rings read its runs' edges as often as their tails (they keep their share), and the gaps, where the runs are
    /// single pages, the space between them (until the narrowest gaps are found used, a page alone between two mapped
    /// pages is not kept: `PrefetchGaps.narrowestFoundUsed`).
    var learning: Bool { learningLeft > 0 }

    /// True while pages come back in bulk, in the cold ages after a working-set move and while the region learns:
    /// a scan reads up to `pagesPerScanAfterMove`, and the rings' allowance is for their own pages.
    var readingInBulk: Bool { settlingAfterMove || learning }

    /// The most pages the next scan prefetches.
    var pagesThisScan: Int { readingInBulk ? Self.pagesPerScanAfterMove : Self.pagesPerScan }

    /// The prefetched pages still waiting for the guest: exempt from the skew repair.
    public var waiting: PageBitmap { recent.union(earlier) }

    /// How many pages wait (the generations never share a page).
    public var waitingCount: Int { recent.setCount + earlier.setCount }

    /// The bytes the state holds.
    var storageBytes: Int {
        recent.storageBytes + earlier.storageBytes + renewed.storageBytes + readAgainSinceMove.storageBytes
            + notReadAround.storageBytes + gaps.storageBytes
    }

    /// Takes the pages mapped since (`mapped`: hits) and those that are neither mapped nor out of the VMM any more
    /// (a hole now) out of the generations; every cold_age the older generation expires (its pages are misses, but
    /// for those still in a gap: they wait a generation more, once; while a working-set move settles all
    /// wait; a page alone between two mapped pages waits on, once such gaps were found used) and the reaches are
    /// judged. A class of gap widths judged unused then (`PrefetchGaps.rotate`'s `closed`) takes what waits of it,
    /// of either generation, back at once: measured on a 1 GiB guest (25% in 4 KiB runs), 63 MiB of the gaps read
    /// while the region learned still waited after their class closed, until the next cold age, and at 90 s the
    /// guest's never-touched memory was 92% in swap or 98%, by where in the cold age the look fell. Returns the hits
    /// and the expired pages, to put back into swap, and the pages found dropped (for `plan`).
    ///
    /// A waiting page reads as swapped when the kernel's counts agree (the file keeps its swap entry) and as
    /// resident and unmapped when the snapshot looked it up: `out` holds both. `resident`, when a look was taken
    /// (`PolicyEngine.prefetchLook`), holds the waiting pages still in memory: the others, unmapped, were dropped
    /// by reclaim and leave the generations unjudged (neither used nor left unused by the guest), free to be read
    /// again. Left waiting, they would fill the allowance with pages no longer there, and the guest's first touch
    /// of each would be a major fault all the same.
    mutating func account(mapped: PageBitmap, out: PageBitmap, resident: PageBitmap? = nil, at now: Int64,
                          coldAge: Int64) -> (hits: PageBitmap, expired: PageBitmap, dropped: PageBitmap) {
        var hit = recent.intersection(mapped)
        hit.formUnion(earlier.intersection(mapped))
        for pages in [\Self.recent, \Self.earlier] {
            self[keyPath: pages].subtract(mapped)
            self[keyPath: pages].formIntersection(out)
        }
        var dropped = PageBitmap(count: recent.count)
        if let resident {
            dropped = waiting.subtracting(resident)
            droppedPages += dropped.setCount
            for pages in [\Self.recent, \Self.earlier, \Self.renewed] { self[keyPath: pages].subtract(dropped) }
            gaps.forget(dropped)
        }
        hitPages += hit.setCount
        let rotating = now - generationStart >= max(coldAge, 1)
        // The rings judge their own pages by their first generation: not the gaps', nor those kept once more. Only
        // when there is something to judge (hits, or a generation's end): most scans of a quiet region have neither.
        if !hit.isEmpty || rotating {
            var notRings = gaps.read.union(renewed)
            notRings.formUnion(readAgainSinceMove)
            rings.record(hit.setCount - hit.intersectionCount(with: notRings, in: 0..<hit.count), hit: true)
            if rotating {
                rings.record(earlier.setCount - earlier.intersectionCount(with: notRings, in: 0..<earlier.count),
                             hit: false)
            }
        }
        var expired = PageBitmap(count: recent.count)
        if rotating {
            var kept: PageBitmap
            var closed: PageBitmap
            (kept, expired, closed) = gaps.rotate(earlier: earlier, renewed: renewed, mapped: mapped)
            if settlingAfterMove {
                // A moved working set's Zipf tail touches the pages read beside its runs cold ages later, gaps or
                // not: back in swap, each would cost a major fault.
                (kept, expired) = (earlier, PageBitmap(count: earlier.count))
            } else if !closed.isEmpty {
                // A class of widths found unused: what waits of it goes back now, not a generation or two later.
                closed.formIntersection(recent.union(kept))
                expired.formUnion(closed)
                kept.subtract(closed)
                recent.subtract(closed)
            }
            if gaps.narrowestFoundUsed {
                let alone = Self.alone(among: expired, between: mapped)
                kept.formUnion(alone)
                expired.subtract(alone)
            }
            // The last cold age of a move's settling lasts until its least time is up.
            if movingGenerations > 1 || now - movedAt >= Self.settlingTime {
                movingGenerations = max(0, movingGenerations - 1)
            }
            learningLeft = max(0, learningLeft - 1)
            rings.judge()
            earlier = recent.union(kept)
            recent = PageBitmap(count: recent.count)
            renewed = kept
            generationStart = now
        }
        return (hit, expired, dropped)
    }

    /// The pages of `pages` alone between two pages of `mapped`: a page out in a run the VMM maps on both sides.
    ///
    /// A guest's runs of pages in use are ranked apart page by page: a run that came back around one page left
    /// unused for cold ages is the mark of a Zipf tail's page, touched a minute or more apart. Measured on a 1 GiB
    /// guest (50% in 16 KiB runs), 438 of the 530 major faults 90-120 s after a move were pages the prefetch had
    /// read and let expire when the move settled, a median 7 s before the guest touched them. Memory never used
    /// lies between runs, in stretches as long as the runs: a single page out between two mapped pages is rarely
    /// that, unless the runs are single pages, where the gaps of one or two pages are judged unused
    /// (`PrefetchGaps.narrowestFoundUsed`): measured on a 1 GiB guest (25% in 4 KiB runs), such pages kept 2% of
    /// its never-touched memory resident to the end.
    static func alone(among pages: PageBitmap, between mapped: PageBitmap) -> PageBitmap {
        var alone = PageBitmap(count: pages.count)
        pages.forEachRun { run in
            guard run.count == 1, run.lowerBound > 0, run.upperBound < mapped.count,
                  mapped[run.lowerBound - 1], mapped[run.upperBound] else { return }
            alone.set(run)
        }
        return alone
    }

    /// The pages to prefetch now, recorded as the current generation's, at most `pagesThisScan` of them: first the
    /// gaps (pages of `candidates`, out and ours, between a page of `back`, the pages that came back since the last
    /// scan, and the next page of `mapped` on the same side: `PrefetchGaps`), while the pages waiting number under
    /// `gapAllowance`; then, while they number under `allowance`, the rest of the candidates within the rings'
    /// reach of a page of `back`, nearest first (one page on each side of every run of `back`, then two, ...).
    ///
    /// While a working-set move settles, the pages that came back at earlier scans that read their most count as
    /// this scan's returns (`notReadAround`), until a scan reads less. A moved working set comes back at 10,000
    /// to 17,000 pages a scan in its first seconds (a 1 GiB guest, 50% in 16 KiB runs): the gaps took those
    /// scans' whole `pagesThisScan`, the rings read nothing around them, and the scans after had reads left over.
    /// The pages beside them are the runs' Zipf tails, first touched 30 s or more later, each a major fault:
    /// measured, 293 of 457 faults 30-90 s after a move were within three pages of a page that came back in the
    /// move's first 10 s and never read. What the rings' allowance holds back is carried over too, until the rings
    /// have room left: they read nearest first, what a return's reach holds is read once, and the allowance frees
    /// as the guest uses what waits. Measured on a 1 GiB guest (35% in 16 KiB runs, cold_age 10 s), 379 of the 434
    /// major faults 30-90 s after a move were pages within three of a page that came back in the move's first
    /// 20 s, never read: the scans' reads after the first few were the allowances'. While the region learns, what
    /// any allowance holds back is carried over (`learning`): the first probes bring back what the guest uses once,
    /// a scan's returns the allowances have no room for are the working set's, and no move follows to read around
    /// them.
    ///
    /// Before all, while a working-set move settles, the pages of `dropped` (found dropped by reclaim at this
    /// scan's `account`) still among the candidates are read again, once each: they were read for the moved
    /// working set's runs, whose Zipf tails come back last. Measured on a 1 GiB guest, a kernel reclaimer dropped
    /// such pages 30-40 s after they were read, and three quarters of the major faults 30 s to 2 min after a move
    /// were first touches of them, most within 30 s of the drop. Away from a move, the dropped pages alone between
    /// two mapped pages are read again so, once each (`droppedToReadAgain`). They take the gaps' room first.
    mutating func plan(around back: PageBitmap, among candidates: PageBitmap, mapped: PageBitmap? = nil,
                       allowance: Int = .max, gapAllowance: Int = 0, dropped: PageBitmap? = nil) -> [Range<Int>] {
        var eligible = candidates.subtracting(recent)
        eligible.subtract(earlier)
        var chosen = PageBitmap(count: recent.count)
        var taken = 0
        if let again = droppedToReadAgain(dropped, mapped: mapped) {
            taken = readDroppedAgain(again, eligible: &eligible, into: &chosen)
        }
        let readAgainNow = taken
        var around = back
        if readingInBulk { around.formUnion(notReadAround) }
        guard !around.isEmpty else {
            notReadAround = around
            return record(chosen, taken: taken)
        }
        var runs: [Range<Int>] = []
        around.forEachRun { runs.append($0) }
        let gapsWaiting = readingInBulk ? waiting.intersectionCount(with: gaps.read, in: 0..<recent.count) : 0
        var roomSpent = false
        if let mapped {
            // While the region learns, the gaps' allowance is for their own pages, as the rings' is after a move.
            let gapsWaitingCounted = learning ? gapsWaiting : waitingCount
            let room = min(pagesThisScan - taken, gapAllowance - gapsWaitingCounted - readAgainNow)
            let read = gaps.fill(next: runs, mapped: mapped, eligible: &eligible, into: &chosen, room: room)
            taken += read
            roomSpent = room <= 0 || read == room
        }
        // After a move (and while the region learns) the rings' allowance is for their own pages: the gaps of the runs
        // coming back may take the gaps' larger share and still leave the rings room for the runs' edges, which no gap
        // reaches. Otherwise it is for all that waits, the gaps' pages just taken too: what comes back is single pages,
        // and the rings' reads beside them go mostly unused.
        let ringsWaiting = readingInBulk ? waitingCount - gapsWaiting : waitingCount + taken
        let room = min(pagesThisScan - taken, allowance - ringsWaiting)
        var ringsRoomSpent = true
        if room > 0 {
            let read = fillRings(around: runs, eligible: &eligible, into: &chosen, room: room)
            taken += read
            ringsRoomSpent = read == room
        }
        roomSpent = roomSpent || ringsRoomSpent
        // While the region learns, what comes back is its whole working set, once: the returns a scan had no room
        // to read around are read around later, when the guest's use of what waits frees room. While a move
        // settles, so are those the rings had no room for: the gaps' room is spent by what waits of any kind, and
        // the rings read nearest first, a return read around to their reach adding nothing more.
        let carried = taken >= pagesThisScan || (learning && roomSpent) || (settlingAfterMove && ringsRoomSpent)
        notReadAround = carried ? around : PageBitmap(count: around.count)
        return record(chosen, taken: taken)
    }

    /// Records `chosen` (`taken` pages) as the current generation's; returns its runs.
    private mutating func record(_ chosen: PageBitmap, taken: Int) -> [Range<Int>] {
        recent.formUnion(chosen)
        prefetchedPages += taken
        var left = taken
        return chosen.runs(takingAtMost: &left)
    }

    /// The pages of `dropped` to read again at once, nil if none: all of them while a working-set move settles;
    /// otherwise those alone between two pages of `mapped`, once gaps that narrow were found used: the pages the
    /// generations keep waiting for as long as they are alone (`account`), a run's own pages touched a minute or
    /// more apart. Measured on a 1 GiB guest (50% in 16 KiB runs, no move), 119 of the 491 major faults of its
    /// third minute were waiting pages reclaim had dropped (a DAMON pageout scheme of the host, which takes pages
    /// idle for a minute), 112 of them alone when dropped. Memory pressure allows no prefetch at all.
    private func droppedToReadAgain(_ dropped: PageBitmap?, mapped: PageBitmap?) -> PageBitmap? {
        guard let dropped, !dropped.isEmpty else { return nil }
        if settlingAfterMove { return dropped }
        guard let mapped, gaps.narrowestFoundUsed else { return nil }
        let alone = Self.alone(among: dropped, between: mapped)
        return alone.isEmpty ? nil : alone
    }

    /// Takes the pages of `dropped` that are `eligible` and not read again since the last working-set move (or,
    /// without a move, since the region was first seen), at most `pagesThisScan`.
    private mutating func readDroppedAgain(_ dropped: PageBitmap, eligible: inout PageBitmap,
                                           into chosen: inout PageBitmap) -> Int {
        var again = dropped.intersection(eligible)
        again.subtract(readAgainSinceMove)
        var room = pagesThisScan
        var taking = PageBitmap(count: again.count)
        for run in again.runs(takingAtMost: &room) { taking.set(run) }
        eligible.subtract(taking)
        chosen.formUnion(taking)
        readAgainSinceMove.formUnion(taking)
        return pagesThisScan - room
    }

    /// Takes `eligible` pages within the rings' reach of a run of `runs`, nearest first, at most `room`.
    private func fillRings(around runs: [Range<Int>], eligible: inout PageBitmap, into chosen: inout PageBitmap,
                           room: Int) -> Int {
        var taken = 0
        for distance in 1...rings.pages {
            for run in runs {
                for page in [run.lowerBound - distance, run.upperBound - 1 + distance]
                where page >= 0 && page < eligible.count && eligible[page] {
                    Self.move(page, from: &eligible, to: &chosen)
                    taken += 1
                    if taken == room { return taken }
                }
            }
        }
        return taken
    }
}

extension PrefetchState {
    /// Takes `page` out of `eligible` into `chosen`: one page planned, by the gaps or the rings.
    static func move(_ page: Int, from eligible: inout PageBitmap, to chosen: inout PageBitmap) {
        eligible[page] = false
        chosen[page] = true
    }
}
