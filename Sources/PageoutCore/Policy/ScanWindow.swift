/// A scan window: what was cold in a region when a scanner (live-migration precopy, a backup, a dedup scan) was
/// announced, so that what the scanner brings back can be put into swap again when it is done.
///
/// A scanner reads every page. Each read swaps a cold page in (or, for a hole, allocates a zero-filled page), and
/// the kernel then takes the page for freshly used. The window remembers the cold set at BeginScan; at EndScan the
/// repair set is the part of it that is resident again: mapped in the VMM (a scanner inside the VMM, such as QEMU's
/// migration thread) or resident and unmapped (a scanner in another process). While the window is open, a page of
/// its cold set that shows up mapped is the scanner's doing, not the guest's: the policy must not learn from it
/// (see `PolicyEngine.evaluate(_:snapshot:now:limits:pageBudget:ignoringRefaults:)`).
public struct ScanWindow: Sendable {
    /// The window's token, as handed to the client.
    public let token: String
    /// The name of the region the window was opened on.
    public let region: String
    /// When it was opened (the policy clock, ms).
    public let openedAt: Int64
    /// The region's pages when it was opened: a window outlives no change of layout.
    public let layout: RegionLayout
    /// The cold set at BeginScan: swapped pages, pages we paged out that have not refaulted, and holes; less the
    /// pages the guest took while the window was open (see `repairWhileOpen(after:)`).
    public private(set) var coldSet: PageBitmap
    /// Pages of the cold set that were holes when the window was opened (or at the scan before): a scanner's read
    /// fills such a page with zeroes, and putting it back drops it (a hole again) with nothing written to swap.
    public let holes: PageBitmap
    /// Pages of the cold set put back while the window was open, not yet seen out of memory since.
    public private(set) var repairedWhileOpen: PageBitmap
    /// Pages put back while the window was open and seen out of memory since.
    public private(set) var wentOutWhileOpen: PageBitmap
    /// Opened by the daemon itself for a migration it saw (not by BeginScan): it ends when the migration does,
    /// and never expires.
    public let automatic: Bool

    /// Opens a window on `snapshot`, taken at `now`; `pagedOut` is `RegionPolicyState.pagedOut` (nil before the
    /// policy's first scan of the region). `earlier`, the snapshot of the scan before, adds what was cold then:
    /// a window opened on seeing a scanner that has been running since (a migration thread seen at a scan) must
    /// also cover what the scanner read before it was seen.
    public init(token: String, region: String, openedAt now: Int64, snapshot: PageSnapshot, pagedOut: PageBitmap?,
                earlier: PageSnapshot? = nil, automatic: Bool = false) {
        self.token = token
        self.region = region
        self.openedAt = now
        self.automatic = automatic
        self.layout = snapshot.layout
        var cold = Self.coldSet(of: snapshot, pagedOut: pagedOut)
        var holes = snapshot.pages(in: .hole)
        if let earlier, earlier.layout == snapshot.layout {
            cold.formUnion(Self.coldSet(of: earlier, pagedOut: pagedOut))
            holes.formUnion(earlier.pages(in: .hole))
        }
        self.coldSet = cold
        self.holes = holes
        self.repairedWhileOpen = PageBitmap(count: snapshot.layout.pageCount)
        self.wentOutWhileOpen = PageBitmap(count: snapshot.layout.pageCount)
    }

    /// The pages a scanner would make resident although nobody uses them: swapped ones, ones paged out by us and
    /// not mapped since (they may still sit resident and unmapped, waiting for reclaim or repair), and holes (a
    /// scanner reading a hole allocates a zero-filled page).
    public static func coldSet(of snapshot: PageSnapshot, pagedOut: PageBitmap?) -> PageBitmap {
        var cold = snapshot.pages(in: .hole)
        cold.formUnion(snapshot.swapped)
        if let pagedOut {
            precondition(pagedOut.count == cold.count, "paged-out bitmap of another layout")
            cold.formUnion(pagedOut.subtracting(snapshot.mapped))
        }
        return cold
    }

    /// The bytes the window's bitmaps hold.
    public var storageBytes: Int {
        coldSet.storageBytes + holes.storageBytes + repairedWhileOpen.storageBytes + wentOutWhileOpen.storageBytes
    }

    /// The number of pages of the cold set.
    public var coldPages: Int { coldSet.setCount }

    /// What EndScan puts back, from a snapshot taken when the scanner is done.
    public func repairSet(after snapshot: PageSnapshot) -> ScanWindowRepair {
        precondition(snapshot.layout == layout, "snapshot of another layout")
        return ScanWindowRepair(mapped: coldSet.intersection(snapshot.mapped),
                                residentUnmapped: coldSet.intersection(snapshot.residentUnmapped), formerHoles: holes)
    }

    /// While the window is open: the part of the cold set the scanner brought in since it was last looked at,
    /// to put back now, and the number of pages the guest took.
    ///
    /// A migration reads each cold page once (its later passes re-send only dirtied pages, and nobody dirtied a
    /// cold page), so what it brought in can go back to swap as soon as it is seen: the VMM's resident memory
    /// then stays near its level before the migration instead of growing to the whole guest. A page put back,
    /// seen out of memory, and mapped in the VMM again later was not the scanner's but the guest's: it leaves the
    /// cold set (and the policy, no longer told to ignore it, learns it as in use) rather than going back and
    /// forth. A page put back and not yet seen out is not judged: MADV_PAGEOUT leaves a page it could not take
    /// off the LRU (one still in another CPU's batch, just faulted in) mapped, and one it wrote out may sit in
    /// the swap cache for a while; a mapped one is put back again, an unmapped one is left to finish. Of the
    /// unmapped pages, `snapshot` need only tell resident from not those of `repairedWhileOpen` (the daemon's
    /// looks while a migration runs tell no more).
    public mutating func repairWhileOpen(after snapshot: PageSnapshot) -> (repair: ScanWindowRepair, guestTook: Int) {
        precondition(snapshot.layout == layout, "snapshot of another layout")
        var resident = snapshot.mapped
        resident.formUnion(snapshot.residentUnmapped)
        let out = repairedWhileOpen.subtracting(resident)
        wentOutWhileOpen.formUnion(out)
        repairedWhileOpen.subtract(out)
        let taken = wentOutWhileOpen.intersection(snapshot.mapped)
        coldSet.subtract(taken)
        wentOutWhileOpen.subtract(taken)
        return (ScanWindowRepair(mapped: coldSet.intersection(snapshot.mapped),
                                 residentUnmapped: coldSet.intersection(snapshot.residentUnmapped)
                                    .subtracting(repairedWhileOpen), formerHoles: holes), taken.setCount)
    }

    /// Records `runs` as put back while the window is open.
    public mutating func noteRepairedWhileOpen(_ runs: [Range<Int>]) {
        runs.forEach { repairedWhileOpen.set($0) }
    }

    /// The window's figures from the snapshot taken after its repair was carried out.
    public func result(of repair: ScanWindowRepair, after snapshot: PageSnapshot) -> ScanWindowResult {
        precondition(snapshot.layout == layout, "snapshot of another layout")
        // A repaired page is out of the page cache now: in swap, or a hole again (a zero-filled page is dropped).
        var out = snapshot.pages(in: .hole)
        out.formUnion(snapshot.swapped)
        return ScanWindowResult(mappedPagedOut: repair.mapped.intersection(out).setCount,
                                residentRepaired: repair.residentUnmapped.intersection(out).setCount,
                                coldPages: coldPages,
                                stillSwapped: coldSet.intersection(snapshot.swapped).setCount)
    }

    /// True once a window opened by BeginScan has been open for `maximum` ms or longer at `now` (a window the
    /// daemon opened itself ends with the migration: each scan sees whether it still runs).
    public func isExpired(at now: Int64, maximum: Int64) -> Bool {
        !automatic && now - openedAt >= maximum
    }
}

/// The part of a window's cold set that is resident when the window ends.
public struct ScanWindowRepair: Sendable, Equatable {
    /// Cold pages mapped in the VMM now: an in-VMM scanner read them; paged out with process_madvise.
    public var mapped: PageBitmap
    /// Cold pages resident and not mapped: another process read them; repaired through the daemon's own mapping.
    public var residentUnmapped: PageBitmap
    /// The window's `holes`: of the pages to repair, those were zero-filled by the scanner's read.
    public let formerHoles: PageBitmap

    /// A repair set of two disjoint bitmaps of the window's layout; `formerHoles` says which of their pages were
    /// holes when the window opened (nil: none).
    public init(mapped: PageBitmap, residentUnmapped: PageBitmap, formerHoles: PageBitmap? = nil) {
        self.mapped = mapped
        self.residentUnmapped = residentUnmapped
        self.formerHoles = formerHoles ?? PageBitmap(count: mapped.count)
    }

    /// The pages of `step` (runs of this set) that go to swap: all but the former holes.
    ///
    /// MADV_PAGEOUT drops a zero-filled shmem page instead of writing it (docs/KERNEL-NOTES.md), so a former hole
    /// costs no share of the rate limit, which bounds writes to swap: a migration reads the holes of guest RAM
    /// as fast as it checks them for zeroes, and at the rate limit their repair fell hundreds of MiB behind.
    /// One the guest wrote meanwhile is written uncounted, once.
    public func swapPages(of step: (mapped: [Range<Int>], residentUnmapped: [Range<Int>])) -> Int {
        (step.mapped + step.residentUnmapped).reduce(0) { $0 + $1.count - formerHoles.setCount(in: $1) }
    }

    /// The pages of the next step (`takeStep(limit:)`) that go to swap (`swapPages(of:)`).
    public func swapPagesOfNextStep(limit: Int) -> Int {
        swapPages(of: runs(limit: limit))
    }

    /// True when some page left to repair was a hole when the window opened.
    public var holdsFormerHoles: Bool {
        let all = 0..<formerHoles.count
        return mapped.intersectionCount(with: formerHoles, in: all) > 0
            || residentUnmapped.intersectionCount(with: formerHoles, in: all) > 0
    }

    /// Both sets cut to at most `limit` pages in all, mapped pages first, as runs.
    public func runs(limit: Int) -> (mapped: [Range<Int>], residentUnmapped: [Range<Int>]) {
        var left = max(0, limit)
        let mapped = mapped.runs(takingAtMost: &left)
        return (mapped, residentUnmapped.runs(takingAtMost: &left))
    }

    /// The pages left to repair.
    public var pageCount: Int { mapped.setCount + residentUnmapped.setCount }

    /// True when nothing is left to repair.
    public var isEmpty: Bool { mapped.isEmpty && residentUnmapped.isEmpty }

    /// Takes one step of the repair off the set: at most `limit` pages, mapped pages first (`runs(limit:)`), which
    /// the set no longer holds afterwards. EndScan repairs a large set in such steps, paced like the rounds'
    /// pageouts, instead of all at once. `formerHolesOnly` takes former holes only (mapped ones first): what can
    /// go back while the rate limit holds back the pages that go to swap.
    public mutating func takeStep(limit: Int, formerHolesOnly: Bool = false)
        -> (mapped: [Range<Int>], residentUnmapped: [Range<Int>]) {
        let step = formerHolesOnly
            ? ScanWindowRepair(mapped: mapped.intersection(formerHoles),
                               residentUnmapped: residentUnmapped.intersection(formerHoles)).runs(limit: limit)
            : runs(limit: limit)
        step.mapped.forEach { mapped.clear($0) }
        step.residentUnmapped.forEach { residentUnmapped.clear($0) }
        return step
    }
}

/// What a window's EndScan did, in pages, measured from a snapshot after the repair.
public struct ScanWindowResult: Sendable, Hashable {
    /// Pages of the cold set that were mapped in the VMM and are out of memory again.
    public var mappedPagedOut: Int
    /// Pages of the cold set that were resident and unmapped and are out of memory again.
    public var residentRepaired: Int
    /// Pages of the cold set at BeginScan.
    public var coldPages: Int
    /// Pages of the cold set in swap after the repair.
    public var stillSwapped: Int

    /// The figures in pages, as `ScanWindow.result(of:after:)` measures them.
    public init(mappedPagedOut: Int, residentRepaired: Int, coldPages: Int, stillSwapped: Int) {
        self.mappedPagedOut = mappedPagedOut
        self.residentRepaired = residentRepaired
        self.coldPages = coldPages
        self.stillSwapped = stillSwapped
    }
}

extension RegionPolicyState {
    /// Records that a window's repair put `pages` out of memory: they are watched for refaults from now on, as
    /// after a pageout of the policy's own.
    public mutating func recordWindowRepair(_ pages: PageBitmap) {
        precondition(pages.count == layout.pageCount, "bitmap of another layout")
        pagedOut.formUnion(pages)
    }
}
