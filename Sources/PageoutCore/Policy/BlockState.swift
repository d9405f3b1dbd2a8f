/// What the policy has learned about one block of a region (2 MiB of pages).
///
/// Why 2 MiB: it is the unit the guest and the host already think in (a transparent huge page, an EPT large
/// page, a guest kernel's huge page), hot data clusters at that scale, and small counters per 2 MiB cost
/// 20 bytes per 512 pages: 10 MiB for 1 TiB of guest RAM. Backoff is per block, but pageout stays per page:
/// after a probe, the block's pages that did not come back stay in swap; only the refaulted ones are held back.
public struct BlockState: Sendable, Hashable {
    /// Where the block is in its probe cycle.
    public enum Phase: UInt8, Sendable, Hashable {
        /// Never paged out, or back from a backoff: the next pageout is a sample.
        case unprobed
        /// A sample of its pages was paged out; if none comes back by the next scan, the block is cold.
        case sampling
        /// Its pages stayed out: its mapped pages are paged out in full once they are cold_age old.
        case established
    }

    /// The probe cycle phase.
    public var phase: Phase = .unprobed
    /// The backoff level: 0 none, n a backoff of min_backoff * 2^(n-1), capped at max_backoff.
    public var backoffLevel: UInt8 = 0
    /// Until when (ms on the policy clock) the block is not paged out; 0 when not in backoff.
    public var backoffUntil: Int64 = 0
    /// The last time (ms) a page of the block became mapped in the VMM: a refault or a first use.
    public var lastActivity: Int64 = 0
    /// The last time (ms) pages of the block were paged out.
    public var lastPageout: Int64 = -1

    /// A block first seen at `now`.
    public init(firstSeen now: Int64) {
        lastActivity = now
    }

    /// True while the block is backed off at `now`.
    public func isBackedOff(at now: Int64) -> Bool { now < backoffUntil }
}

/// The backoff schedule: exponential between min and max, and how refaults and quiet time move a block on it.
public struct BackoffSchedule: Sendable, Hashable {
    /// The first backoff, in ms.
    public var minimum: Int64
    /// The longest backoff, in ms.
    public var maximum: Int64
    /// Levels added by a refault seen at a regular scan.
    public var refaultStep: UInt8 = 1
    /// Levels added by a refault seen moments after the pageout (the post-pageout recheck): a very hot block.
    public var fastRefaultStep: UInt8 = 3

    /// Backoffs from `minimum` to `maximum` ms, doubling per level; `0 < minimum <= maximum` (else it traps).
    public init(minimum: Int64, maximum: Int64) {
        precondition(minimum > 0 && minimum <= maximum, "backoff needs 0 < minimum <= maximum")
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The highest level that still doubles: beyond it every level means `maximum`.
    public var topLevel: UInt8 {
        var level: UInt8 = 1
        while duration(ofLevel: level) < maximum && level < 62 { level += 1 }
        return level
    }

    /// The backoff of `level` in ms (0 for level 0).
    public func duration(ofLevel level: UInt8) -> Int64 {
        guard level > 0 else { return 0 }
        let shift = Int64(level - 1)
        guard shift < 62, minimum <= maximum >> shift else { return maximum }
        return min(minimum << shift, maximum)
    }

    /// `block` after pages of it came back mapped at `now`; `fast` when seen by the recheck right after pageout.
    public func refaulted(_ block: BlockState, at now: Int64, fast: Bool) -> BlockState {
        var block = block
        let step = fast ? fastRefaultStep : refaultStep
        block.backoffLevel = min(block.backoffLevel &+ step, topLevel)
        block.backoffUntil = now + duration(ofLevel: block.backoffLevel)
        block.lastActivity = now
        block.phase = .unprobed
        return block
    }

    /// `block` after quiet time: a block that stayed out as long again as its backoff steps down one level.
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
