/// The guards of one scan round, judged once from figures read once: the machine-wide guard, and each region's
/// under its own policy.
///
/// The daemon reads the swap and pressure figures at the start of a round (or of a request between rounds) and
/// passes this value down; nothing else decides whether pageout may run.
public struct RoundGuards: Sendable {
    /// Swap devices and their use; nil when they could not be read.
    public let swap: SwapStatus?
    /// Memory pressure (PSI); nil where the kernel has none or it could not be read.
    public let pressure: MemoryPressure?
    /// Why the swap figures could not be read, if they could not.
    public let swapProblem: String?
    /// The guard in force for every region under the global policy, for the daemon's status.
    public let machine: PageoutGuard?

    /// Judges `swap` and `pressure` (or `swapProblem`, when swap could not be read) under the global `policy`.
    public init(swap: SwapStatus?, pressure: MemoryPressure?, swapProblem: String?, policy: PolicySettings) {
        self.swap = swap
        self.pressure = pressure
        self.swapProblem = swapProblem
        self.machine = Self.judge(swap: swap, pressure: pressure, swapProblem: swapProblem, policy: policy)
    }

    /// The guard holding back a region with `policy` (its effective one), or nil when it may page out.
    ///
    /// dry_run is not a guard here: a dry-run region's plan is made as usual, then logged instead of carried out.
    public func forRegion(paused: Bool, policy: PolicySettings) -> PageoutGuard? {
        if paused { return .paused }
        return Self.judge(swap: swap, pressure: pressure, swapProblem: swapProblem, policy: policy)
    }

    /// Why swap cannot take pages at all (none active, full, unreadable), for a pageout asked for on demand;
    /// nil when it can. Pressure and min_free_swap still bound such a pageout through `forRegion`.
    public var swapRefusal: String? {
        if let swapProblem { return "cannot read \(swapProblem)" }
        guard let swap else { return "swap figures unreadable" }
        return swap.unusableReason
    }

    private static func judge(swap: SwapStatus?, pressure: MemoryPressure?, swapProblem: String?,
                              policy: PolicySettings) -> PageoutGuard? {
        if let swapProblem { return .unreadable(swapProblem) }
        guard let swap else { return .noSwap }
        return PageoutGuard.machine(swap: swap, pressure: pressure, policy: policy)
    }
}
