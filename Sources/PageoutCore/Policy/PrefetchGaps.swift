/// The gaps a region's prefetch fills (pages out between a page that came back and the next page the VMM maps on
/// the same side), and how wide a gap may be, learned from how much of each width the guest used.
///
/// A guest's run of pages in use that came back in part has gaps between its mapped pages: short ones, and used.
/// Memory between runs, never used, is a gap too, as wide as the space between the runs: on a guest whose runs are
/// as short as that space, the widths overlap. So the widths are judged apart, in three classes that the reach's
/// steps open one by one (1-2 pages at a reach of 3, 3-6 at 7, 7-14 at 15), each by what became of the pages read
/// for it in its first generation: the widest open class, used under half the time, closes for `holdOff` cold ages
/// (twice as long each time it closes again), and what waits of it expires then; used at least half the time, it
/// opens the next.
struct PrefetchGaps: Sendable {
    /// The reaches, each opening one more class of widths: a gap of up to `reach - 1` pages is filled.
    static let reaches = [1, 3, 7, 15]
    /// The fewest judged pages of a class that judge it.
    static let judgedToAdapt = 32
    /// Cold ages a closed class stays closed.
    static let holdOff = 2

    /// One more than the widest gap filled (one of `reaches`).
    private(set) var reach = 3
    /// True while the widest class judged last was used: the gaps may then take a larger share of the memory
    /// prefetch may hold (`PrefetchState.gapShareOfWarm`), else only the rings' share.
    private(set) var proven = false
    /// The widest reach whose widest class was found used (0 before any): what `restore` goes back to.
    private var provenReach = 0
    /// Gap pages read in the current and the previous generation, used or not.
    private var readRecent: PageBitmap
    private var readEarlier: PageBitmap
    /// Of those, the pages of the two wider classes (the rest are of the narrowest).
    private var middle: PageBitmap
    private var wide: PageBitmap
    /// Cold ages until a class may open again; how many times in a row the class last closed (`lastClosed`)
    /// closed, reset when it, or a wider one, is found used.
    private var closedFor = 0
    private var closes = 0
    private var lastClosed = 0

    init(pageCount: Int) {
        readRecent = PageBitmap(count: pageCount)
        readEarlier = PageBitmap(count: pageCount)
        middle = PageBitmap(count: pageCount)
        wide = PageBitmap(count: pageCount)
    }

    var storageBytes: Int {
        readRecent.storageBytes + readEarlier.storageBytes + middle.storageBytes + wide.storageBytes
    }

    /// Back to the widest reach found used unless the reach now is wider, open at once and proven: the classes
    /// closed since are judged afresh, from no closes.
    mutating func restore() {
        guard provenReach >= reach else { return }
        reach = provenReach
        proven = true
        closedFor = 0
        closes = 0
    }

    /// True once gaps of one or two pages, the narrowest class, were found used: a page out alone between two
    /// mapped pages is then a run's own. Where the guest's runs are single pages, it is as often the space between
    /// two of them, and the class is judged unused.
    var narrowestFoundUsed: Bool { provenReach >= Self.reaches[1] }

    /// The pages read for a gap in the last two generations, used or not.
    var read: PageBitmap { readRecent.union(readEarlier) }

    /// Takes the `eligible` pages of every gap beside a run of `runs` no wider than the reach allows, at most
    /// `room`, into `chosen`; returns how many.
    mutating func fill(next runs: [Range<Int>], mapped: PageBitmap, eligible: inout PageBitmap,
                       into chosen: inout PageBitmap, room: Int) -> Int {
        guard room > 0 else { return 0 }
        var taken = 0
        for run in runs {
            for direction in [-1, 1] {
                let start = direction < 0 ? run.lowerBound - 1 : run.upperBound
                guard let width = gapWidth(from: start, by: direction, in: mapped), width > 0 else { continue }
                for page in Swift.stride(from: start, to: start + width * direction, by: direction)
                where eligible[page] {
                    PrefetchState.move(page, from: &eligible, to: &chosen)
                    read(page, width: width)
                    taken += 1
                    if taken == room { return taken }
                }
            }
        }
        return taken
    }

    /// Forgets that `pages` were read: reclaim dropped them before the guest could use them, which judges no
    /// width.
    mutating func forget(_ pages: PageBitmap) {
        readRecent.subtract(pages)
        readEarlier.subtract(pages)
    }

    /// A generation ends: the pages of `earlier` (waiting a generation already) still in a gap are kept a
    /// generation more, but not those `renewed` once already; the rest expire. The gap pages read a generation
    /// before are judged by that generation (used, or still waiting: kept or expired), then the classes. Returns
    /// the kept and the expired pages, and the pages read in the last two generations for the class of widths
    /// that closed now (`closed`, empty if none did).
    mutating func rotate(earlier: PageBitmap, renewed: PageBitmap,
                         mapped: PageBitmap) -> (kept: PageBitmap, expired: PageBitmap, closed: PageBitmap) {
        var kept = PageBitmap(count: earlier.count)
        earlier.subtracting(renewed).forEachRun { run in
            for page in run where distanceToMapped(from: page, by: -1, in: mapped) != nil
                && distanceToMapped(from: page, by: 1, in: mapped) != nil {
                kept[page] = true
            }
        }
        let unused = classCounts(of: readEarlier.intersection(earlier))
        let all = classCounts(of: readEarlier)
        let closedClass = judge(used: zip(all, unused).map { $0 - $1 }, unused: unused)
        let closed = closedClass.map(pages(ofClass:)) ?? PageBitmap(count: readRecent.count)
        readEarlier = readRecent
        readRecent = PageBitmap(count: readRecent.count)
        middle.formIntersection(readEarlier)
        wide.formIntersection(readEarlier)
        return (kept, earlier.subtracting(kept), closed)
    }

    /// The pages read in the last two generations for the class `index` (0 the narrowest).
    private func pages(ofClass index: Int) -> PageBitmap {
        switch index {
        case 0: return read.subtracting(middle).subtracting(wide)
        case 1: return read.intersection(middle)
        default: return read.intersection(wide)
        }
    }

    /// How many unmapped pages lie from `start` (included) in `direction` to the next mapped page, if that page is
    /// no further than the reach; nil past the region's ends or the reach.
    private func gapWidth(from start: Int, by direction: Int, in mapped: PageBitmap) -> Int? {
        distanceToMapped(from: start - direction, by: direction, in: mapped).map { $0 - 1 }
    }

    /// The distance from `page` to the next mapped page in `direction` (-1 or 1), if no further than the reach.
    private func distanceToMapped(from page: Int, by direction: Int, in mapped: PageBitmap) -> Int? {
        var other = page + direction
        for distance in 1...reach {
            guard other >= 0, other < mapped.count else { return nil }
            if mapped[other] { return distance }
            other += direction
        }
        return nil
    }

    /// Records `page` as read for a gap `width` pages wide, in the current generation.
    private mutating func read(_ page: Int, width: Int) {
        readRecent[page] = true
        if width > 6 { wide[page] = true } else if width > 2 { middle[page] = true }
    }

    /// The pages of `pages` in each class, narrowest first.
    private func classCounts(of pages: PageBitmap) -> [Int] {
        let ofMiddle = pages.intersectionCount(with: middle, in: 0..<pages.count)
        let ofWide = pages.intersectionCount(with: wide, in: 0..<pages.count)
        return [pages.setCount - ofMiddle - ofWide, ofMiddle, ofWide]
    }

    /// The widest open class, judged and used under half the time, closes for `holdOff` cold ages, twice as long
    /// each time it closes again before it was found used (at most 16 times); used at least half the time, with
    /// none closed lately, it opens the next. Returns the class that closed (0 the narrowest), if one did.
    private mutating func judge(used: [Int], unused: [Int]) -> Int? {
        let open = Self.reaches.firstIndex(of: reach) ?? 0
        if closedFor > 0 { closedFor -= 1 }
        guard open > 0 else {
            if closedFor == 0 { reach = Self.reaches[1] }
            return nil
        }
        let judged = used[open - 1] + unused[open - 1]
        guard judged >= Self.judgedToAdapt else { return nil }
        if used[open - 1] * 2 < judged {
            reach = Self.reaches[open - 1]
            closedFor = Self.holdOff << min(closes, 4)
            closes += 1
            lastClosed = open - 1
            proven = false
            return open - 1
        } else {
            proven = true
            provenReach = max(provenReach, reach)
            if open - 1 >= lastClosed { closes = 0 }
            if closedFor == 0, open < Self.reaches.count - 1 { reach = Self.reaches[open + 1] }
            return nil
        }
    }
}
