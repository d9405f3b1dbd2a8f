/// The figures of one LOAD line: the accesses of one second, their latencies, and the worst lag.
///
/// Latencies go into a log-linear histogram (8 buckets per power of two), so the p99.9 comes out without keeping
/// the samples, as the upper bound of its bucket: at most 12.5% above the true value.
struct LoadWindow {
    /// An access slower than this (nanoseconds) counts as slow: a minor fault or a cache miss stays well below,
    /// a swap-in from zram does not.
    static let slowAccess: UInt64 = 20_000

    /// When the second began (CLOCK_MONOTONIC nanoseconds).
    let start: UInt64
    /// The process's major faults when it began.
    let startFaults: Int
    private(set) var accesses = 0
    private var slow = 0
    /// Major faults of pages that had faulted before (`LoadLoop.attributeFaults`).
    private var repeatFaults = 0
    private var worstLag: UInt64 = 0
    private var buckets = [Int](repeating: 0, count: 62 * 8)

    init(start: UInt64) {
        self.start = start
        startFaults = Clock.majorFaults()
    }

    /// Records one access that took `nanoseconds`.
    @inline(__always)
    mutating func add(latency nanoseconds: UInt64) {
        accesses += 1
        if nanoseconds > Self.slowAccess { slow += 1 }
        buckets[Self.bucket(of: nanoseconds)] += 1
    }

    /// Records `count` major faults of a page that had faulted before.
    mutating func add(repeatFaults count: Int) {
        repeatFaults += count
    }

    /// Records that the loop was `nanoseconds` behind schedule.
    mutating func add(lag nanoseconds: UInt64) {
        worstLag = max(worstLag, nanoseconds)
    }

    /// The bucket of `value`: values below 8 have one each, then each power of two has 8.
    @inline(__always)
    static func bucket(of value: UInt64) -> Int {
        guard value >= 8 else { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount
        return (exponent - 2) * 8 + Int((value >> UInt64(exponent - 3)) & 7)
    }

    /// The largest value of bucket `bucket` plus one.
    static func upperBound(of bucket: Int) -> UInt64 {
        guard bucket >= 8 else { return UInt64(bucket) + 1 }
        let exponent = bucket / 8 + 2
        return UInt64(8 + bucket % 8 + 1) << UInt64(exponent - 3)
    }

    /// The 99.9th percentile of the latencies (nanoseconds), 0 without accesses.
    var p999: UInt64 {
        let wanted = (accesses * 999 + 999) / 1000
        var seen = 0
        for (bucket, count) in buckets.enumerated() where count > 0 {
            seen += count
            if seen >= wanted { return Self.upperBound(of: bucket) }
        }
        return 0
    }

    /// `LOAD accesses=N slow=N p999_us=X majflt=N majflt_repeat=N lag_ms=X ws_pages=N moves=N recent_pages=N`.
    func line(workingSet: WorkingSet, recentPages: Int) -> String {
        "LOAD accesses=\(accesses) slow=\(slow) p999_us=\(Output.microseconds(p999)) "
            + "majflt=\(Clock.majorFaults() - startFaults) majflt_repeat=\(repeatFaults) "
            + "lag_ms=\(Output.milliseconds(worstLag)) "
            + "ws_pages=\(workingSet.pageCount) moves=\(workingSet.moves) recent_pages=\(recentPages)"
    }
}

/// When each access of an open-loop workload is due: `rate` a second, released in batches at every
/// millisecond since `start`. Access i is due at the first millisecond tick t with t * rate / 1000 > i.
struct AccessSchedule {
    static let tick: UInt64 = 1_000_000

    let start: UInt64
    let rate: Int

    /// Accesses due by `now`.
    func due(at now: UInt64) -> Int {
        Int((now - start) / Self.tick) * rate / 1000
    }

    /// When access `index` became due.
    func dueTime(of index: Int) -> UInt64 {
        start + UInt64(((index + 1) * 1000 + rate - 1) / rate) * Self.tick
    }

    /// The first tick after `now`.
    func nextTick(after now: UInt64) -> UInt64 {
        start + ((now - start) / Self.tick + 1) * Self.tick
    }
}
