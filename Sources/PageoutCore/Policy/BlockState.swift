/// What the policy has learned about one block of a region (2 MiB of pages), beside what it knows per page.
///
/// The block is the unit of scheduling: it is where probes are paced, where a hold (backoff) is kept and what a
/// transparent huge page spans. Learning is per page (`RegionPolicyState.warm`): a page that came back after a
/// pageout is warm and held on its own; the block's other pages go on being probed. Why 2 MiB: it is the unit
/// the guest and the host already think in (a transparent huge page, an EPT large page, a guest kernel's huge
/// page), and small counters per 2 MiB cost 40 bytes per 512 pages: 20 MiB for 1 TiB of guest RAM.
public struct BlockState: Sendable, Hashable {
    /// Where the block's pages of unknown behaviour (mapped, neither hot nor warm) are in their probe cycle.
    public enum Phase: UInt8, Sendable, Hashable {
        /// Never probed, or back from a hold: the next probe is a sample of one page in `sampleStride`.
        case unprobed
        /// Probed; some pages came back, so the rest is probed slice by slice (one page in `stride`).
        case sampling
        /// A probe stayed out entirely: its pages of unknown behaviour are paged out in full once cold.
        case established
    }

    /// The probe cycle of the block's pages of unknown behaviour.
    public var phase: Phase = .unprobed
    /// The next slice takes one page in this many of the block's pages of unknown behaviour: `sampleStride` after
    /// the first sample, halving while probes come back little, so a mostly cold block is finished in a few rounds.
    public var stride: UInt8 = 16
    /// True while the whole block is held: most of a probe came back at once, the block is hot throughout.
    public var holdsAll = false
    /// True while a sample of the block's warm pages is out: one of them back says they are still warm, none back
    /// within cold_age says they went cold.
    public var warmCheckOut = false
    /// True when the block's warm pages are checked again at once, held or not, while a working-set move settles
    /// (`PrefetchState.settlingAfterMove`): a check while the move settles found a few of them in use
    /// (pages the new working set shares with an older one, mapped all along, so never seen back), which says
    /// nothing of the rest (the old working set's).
    public var recheckWarm = false
    /// True when pages of the block came back moments after the last pageout (the post-pageout recheck).
    public var fastRefault = false
    /// True from the end of a whole-block hold until the block's next probe is judged: that probe checks pages
    /// known to be in use, like a check of warm pages, so it takes a check's few pages, and what comes back of
    /// it is the cost of the hold (a repeat, for the refault controller), not the price of learning.
    public var backFromHold = false
    /// The hold level: 0 none, n a hold of min_backoff * 2^(n-1) (times the region's controller scale).
    public var backoffLevel: UInt8 = 0
    /// Until when (ms on the policy clock) the block's warm pages, or all of it when `holdsAll`, are held.
    public var backoffUntil: Int64 = 0
    /// The last time (ms) the block was found in use as a whole: a page of it first mapped, or a hot probe.
    public var lastActivity: Int64 = 0
    /// The last time (ms) pages of the block were paged out.
    public var lastPageout: Int64 = -1
    /// When (ms) the block's warm check went out.
    public var warmCheckAt: Int64 = 0

    /// A block first seen at `now`.
    public init(firstSeen now: Int64) {
        lastActivity = now
    }

    /// True while the block is held at `now`.
    public func isBackedOff(at now: Int64) -> Bool { now < backoffUntil }
}

/// The hold schedule: exponential between min and max, and how refaults and quiet time move a block on it.
public struct BackoffSchedule: Sendable, Hashable {
    /// The first hold, in ms.
    public var minimum: Int64
    /// The longest hold, in ms.
    public var maximum: Int64
    /// Levels added by a hot probe or a warm check that came back at a regular scan.
    public var refaultStep: UInt8 = 1
    /// Levels added by a hot probe seen moments after the pageout (the post-pageout recheck): a very hot block.
    public var fastRefaultStep: UInt8 = 3

    /// Holds from `minimum` to `maximum` ms, doubling per level; `0 < minimum <= maximum` (else it traps).
    public init(minimum: Int64, maximum: Int64) {
        precondition(minimum > 0 && minimum <= maximum, "backoff needs 0 < minimum <= maximum")
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The schedule with every hold `factor` times as long (the refault controller's setting; `factor >= 1`).
    public func scaled(by factor: Double) -> BackoffSchedule {
        guard factor > 1 else { return self }
        let scale = { (value: Int64) in Int64(min(Double(Int64.max / 4), (Double(value) * factor).rounded())) }
        var scaled = BackoffSchedule(minimum: scale(minimum), maximum: scale(maximum))
        scaled.refaultStep = refaultStep
        scaled.fastRefaultStep = fastRefaultStep
        return scaled
    }

    /// The highest level that still doubles: beyond it every level means `maximum`.
    public var topLevel: UInt8 {
        var level: UInt8 = 1
        while duration(ofLevel: level) < maximum && level < 62 { level += 1 }
        return level
    }

    /// The hold of `level` in ms (0 for level 0).
    public func duration(ofLevel level: UInt8) -> Int64 {
        guard level > 0 else { return 0 }
        let shift = Int64(level - 1)
        guard shift < 62, minimum <= maximum >> shift else { return maximum }
        return min(minimum << shift, maximum)
    }

    /// `block` after most of a probe came back at `now`: the whole block is held one step (or `fast`: several)
    /// further up the schedule, and is probed afresh when the hold ends.
    public func refaulted(_ block: BlockState, at now: Int64, fast: Bool) -> BlockState {
        var block = stepped(block, at: now, by: fast ? fastRefaultStep : refaultStep)
        block.holdsAll = true
        block.lastActivity = now
        block.phase = .unprobed
        return block
    }

    /// `block` after a sample of its warm pages came back at `now`: they stay held, one step further up.
    public func stillWarm(_ block: BlockState, at now: Int64) -> BlockState {
        stepped(block, at: now, by: refaultStep)
    }

    /// `block` after pages of it that were out came back at `now` outside a check: they join the block's warm
    /// pages, held at least for the block's current level (the first level when it had none).
    public func warmed(_ block: BlockState, at now: Int64) -> BlockState {
        var block = block
        block.backoffLevel = max(block.backoffLevel, 1)
        block.backoffUntil = max(block.backoffUntil, now + duration(ofLevel: block.backoffLevel))
        return block
    }

    /// `block` moved `step` levels up, held from `now`.
    private func stepped(_ block: BlockState, at now: Int64, by step: UInt8) -> BlockState {
        var block = block
        block.backoffLevel = min(block.backoffLevel &+ step, topLevel)
        block.backoffUntil = now + duration(ofLevel: block.backoffLevel)
        return block
    }

    /// `block` after quiet time: a block whose hold ended as long again ago as the hold lasted steps down one level.
    public func decayed(_ block: BlockState, at now: Int64) -> BlockState {
        guard block.backoffLevel > 0, now >= block.backoffUntil + duration(ofLevel: block.backoffLevel) else {
            return block
        }
        var block = block
        block.backoffLevel -= 1
        block.backoffUntil = block.backoffLevel == 0 ? 0 : now
        return block
    }
}
