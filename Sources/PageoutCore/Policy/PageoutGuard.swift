/// A reason pageout is held back, machine-wide or for one region. Each carries a sentence for status lines.
public enum PageoutGuard: Sendable, Hashable, CustomStringConvertible {
    /// No swap device is active: MADV_PAGEOUT would only unmap pages, saving nothing.
    case noSwap
    /// Free swap is below `min_free_swap`.
    case swapLow(freeBytes: UInt64, minimumBytes: UInt64)
    /// Memory pressure (PSI some avg10) is above `psi_some_avg10_max`: paging out now would add to it.
    case memoryPressure(someAvg10: Double, maximum: Double)
    /// The swap or pressure figures could not be read.
    case unreadable(String)
    /// dry_run is set: plans are logged, never carried out.
    case dryRun
    /// The region has `max_swapped_percent` of its pages in swap.
    case regionSwapCap(percent: Double)
    /// The shared rate limit is used up for now.
    case rateLimited
    /// An operator paused the region or the daemon.
    case paused

    /// A short name for metrics and JSON.
    public var name: String {
        switch self {
        case .noSwap: "no-swap"
        case .swapLow: "swap-low"
        case .memoryPressure: "memory-pressure"
        case .unreadable: "unreadable"
        case .dryRun: "dry-run"
        case .regionSwapCap: "region-swap-cap"
        case .rateLimited: "rate-limited"
        case .paused: "paused"
        }
    }

    public var description: String {
        switch self {
        case .noSwap:
            "no swap is active, pageout would save nothing"
        case .swapLow(let free, let minimum):
            "free swap \(free >> 20) MiB is below min_free_swap \(minimum >> 20) MiB"
        case .memoryPressure(let avg10, let maximum):
            "memory pressure some avg10 \(avg10) is above psi_some_avg10_max \(maximum)"
        case .unreadable(let what):
            "cannot read \(what)"
        case .dryRun:
            "dry run, plans are logged only"
        case .regionSwapCap(let percent):
            "region has max_swapped_percent (\(percent)%) of its pages in swap"
        case .rateLimited:
            "max_pageout_rate reached"
        case .paused:
            "paused"
        }
    }

    /// The machine-wide guard in force, if any: swap first (nothing works without it), then pressure.
    public static func machine(swap: SwapStatus, pressure: MemoryPressure?, policy: PolicySettings) -> PageoutGuard? {
        if swap.deviceCount == 0 || swap.totalBytes == 0 { return .noSwap }
        let minimum = policy.minFreeSwap.bytes(ofSwapTotal: swap.totalBytes)
        if swap.freeBytes < max(minimum, 1) { return .swapLow(freeBytes: swap.freeBytes, minimumBytes: minimum) }
        if let pressure, pressure.some.avg10 > policy.psiSomeAvg10Max.value {
            return .memoryPressure(someAvg10: pressure.some.avg10, maximum: policy.psiSomeAvg10Max.value)
        }
        return nil
    }
}
