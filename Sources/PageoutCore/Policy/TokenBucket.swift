/// A token bucket of bytes: the pageout rate limit shared by all regions.
///
/// It refills at `rate` bytes per second up to `capacity`, so a burst is at most one second's worth.
public struct TokenBucket: Sendable, Hashable {
    /// Bytes per second.
    public var rate: UInt64
    /// The most bytes the bucket holds.
    public var capacity: UInt64
    /// Bytes available now.
    public private(set) var available: UInt64
    /// When (ms on the policy clock) the bucket was last refilled.
    public private(set) var refilledAt: Int64

    /// A full bucket of one second's worth of `rate`, at `now` (ms).
    public init(rate: UInt64, now: Int64) {
        self.rate = rate
        self.capacity = rate
        self.available = rate
        self.refilledAt = now
    }

    /// Adds the bytes earned since the last refill.
    public mutating func refill(at now: Int64) {
        guard now > refilledAt else { return }
        let earned = rate.multipliedReportingOverflow(by: UInt64(now - refilledAt))
        let bytes = earned.overflow ? capacity : earned.partialValue / 1000
        available = min(capacity, available + min(bytes, capacity))
        refilledAt = now
    }

    /// Takes up to `bytes`; returns how many were taken.
    @discardableResult
    public mutating func take(_ bytes: UInt64) -> UInt64 {
        let taken = min(bytes, available)
        available -= taken
        return taken
    }

    /// Changes the rate (on reload), keeping what is available within the new capacity.
    public mutating func setRate(_ newRate: UInt64) {
        rate = newRate
        capacity = newRate
        available = min(available, capacity)
    }
}
