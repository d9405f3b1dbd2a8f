/// How often one region is scanned: every scan interval while it changes, up to `maxStretch` intervals apart
/// while it is quiet, and at once when a cheap look between scans sees its memory move.
///
/// Why the policy stays correct when a quiet region is scanned less often: what it learns from comes from the
/// page table and the shmem file, which keep their state until the next scan reads it. A page that came back
/// after pageout is still mapped (a refault is seen late, never missed); a page the guest started using is still
/// mapped and its block's activity is recorded at the scan that sees it, later than it happened, which only
/// delays the block's cold_age; a hold that ended is acted on a few intervals late, which keeps memory resident
/// a little longer. A block's cold_age passing is not stretched past (`scanned(at:interval:quiet:dueAt:)`): no
/// look sees it, and it is when a region converges. Nothing is paged out on an old look: every plan comes from
/// the snapshot taken just before.
/// What needs promptness is not stretched: a region that converges, repairs, refaults or changes by more than
/// `quietShare` of its pages is scanned every interval, and so is one with an open scan window.
public struct ScanPacing: Sendable, Hashable {
    /// What the cheap look between scans reads of a region: counts the kernel keeps for the region's shmem files,
    /// read without walking a page table. Any swap-in (the guest's refault, a backup's read), swap-out (reclaim)
    /// or newly written page moves one of them.
    public struct Look: Sendable, Hashable {
        /// Bytes of the files in swap (the `Swap:` of the daemon's own views in its smaps).
        public var swappedBytes: UInt64
        /// Bytes allocated to the files, in memory or in swap (fstat's st_blocks).
        public var allocatedBytes: UInt64

        /// The two counts.
        public init(swappedBytes: UInt64, allocatedBytes: UInt64) {
            self.swappedBytes = swappedBytes
            self.allocatedBytes = allocatedBytes
        }

        /// How far this look is from `other`: the two counts' differences added up, in bytes.
        public func distance(to other: Look) -> UInt64 {
            let swapped = max(swappedBytes, other.swappedBytes) - min(swappedBytes, other.swappedBytes)
            let allocated = max(allocatedBytes, other.allocatedBytes) - min(allocatedBytes, other.allocatedBytes)
            return swapped &+ allocated
        }
    }

    /// The most scan intervals between two scans of a quiet region.
    public static let maxStretch = 8
    /// A region whose pages changed by at most this share between scans (mapped, refaulted, pageout candidates
    /// left) is quiet; a look that moved by more than this share of the region makes it due.
    public static let quietShare = 0.01

    /// The most pages of a region of `pageCount` pages that may change between scans of a quiet region
    /// (`quietShare` of it, at least one).
    public static func quietPages(of pageCount: Int) -> Int {
        max(1, Int(quietShare * Double(pageCount)))
    }

    /// Scan intervals between this region's scans now (1 while it changes).
    public private(set) var stretch = 1
    /// When the region is due next (the daemon's milliseconds); 0: at the next round.
    public private(set) var nextScanAt: Int64 = 0
    /// The look right after the last scan and its pageout, which later looks are compared with.
    public private(set) var reference: Look?

    /// A region scanned at every round.
    public init() {}

    /// True when the region is left alone in the round starting at `now` (ms), `interval` ms after the last,
    /// unless a look says otherwise: it is stretched and its time has not come (a quarter interval early counts,
    /// so round jitter never costs a whole interval).
    public func mayWait(at now: Int64, interval: Int64) -> Bool {
        stretch > 1 && now + interval / 4 < nextScanAt
    }

    /// Takes `look`, read right after a quiet scan and its pageout, as what later looks are compared with.
    public mutating func setReference(_ look: Look) {
        reference = look
    }

    /// True when `look` (of a region of `regionBytes`) says the region moved since the reference, by more than
    /// `quietShare` of it; without a reference (it could not be read after the scan) the look becomes it.
    public mutating func moved(_ look: Look, regionBytes: UInt64) -> Bool {
        guard let reference else {
            reference = look
            return false
        }
        return Double(look.distance(to: reference)) > Self.quietShare * Double(regionBytes)
    }

    /// Records a scan at `now`: a quiet one doubles the stretch (up to `maxStretch`), any other resets it. The
    /// next scan is due no later than `dueAt` (ms; the policy's `PolicyDecision.coldDueAt`): hot pages turning
    /// cold change nothing a look reads, and a stretch past their cold_age would delay their pageout by up to
    /// `maxStretch` intervals (a region's first cold_age, memory the guest newly wrote).
    public mutating func scanned(at now: Int64, interval: Int64, quiet: Bool, dueAt: Int64? = nil) {
        stretch = quiet ? min(Self.maxStretch, stretch * 2) : 1
        nextScanAt = min(now + Int64(stretch) * interval, dueAt ?? .max)
        reference = nil
    }

    /// Scans the region at the next round and every round after until it is quiet again (an operator's call,
    /// a window, a new configuration).
    public mutating func wake() {
        stretch = 1
        nextScanAt = 0
        reference = nil
    }

    /// True when a scan's `decision` of a region of `pageCount` pages leaves nothing that needs the next
    /// interval: no repair and nothing of its own pageouts left in memory; refaults, the plan and the change of
    /// mapped pages since the previous scan (`mapped`, `mappedBefore`) each within `quietShare` of the region;
    /// and pageout candidates within it too, unless pageout may not run now (`mayPageOut` false: a guard or the
    /// swap cap), when looking again sooner would change nothing.
    public static func isQuiet(_ decision: PolicyDecision, pageCount: Int, mapped: Int, mappedBefore: Int?,
                               mayPageOut: Bool) -> Bool {
        guard let mappedBefore, decision.repair.isEmpty, decision.finish.isEmpty else { return false }
        let limit = quietPages(of: pageCount)
        let candidatesLeft = mayPageOut && !decision.swapCapReached ? decision.counts.cold : 0
        return decision.refaults <= limit && decision.plan.pageCount <= limit && candidatesLeft <= limit
            && abs(mapped - mappedBefore) <= limit
    }
}
