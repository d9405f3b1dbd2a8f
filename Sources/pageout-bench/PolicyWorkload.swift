/// What pages out the guest's memory in one run of the policy benchmark.
enum PolicyVariant: String, CaseIterable, Sendable {
    /// Nothing: the guest alone.
    case none
    /// `pageout-bench naive-pageout`: the whole region every cold age.
    case naive
    /// The real pageoutd, default settings but the cold age.
    case pageoutd
    /// The same with `prefetch = false`: the baseline of what prefetch does (only when asked for with --only).
    case pageoutdNoPrefetch = "pageoutd-no-prefetch"

    /// The runs without --only.
    static let byDefault: [PolicyVariant] = [.none, .naive, .pageoutd]

    /// Whether a pageoutd runs (its status has a working-set figure).
    var isDaemon: Bool { self == .pageoutd || self == .pageoutdNoPrefetch }
}

/// The workload and timing every run of the policy benchmark shares.
struct PolicyWorkload: Sendable {
    /// Guest RAM size, as pageout-guestsim takes it (e.g. `1GiB`).
    var size: String
    /// Percentage of the data pages in the working set.
    var workingSetPercent: Int
    /// The size of the working set's runs (e.g. `64KiB`).
    var runSize: String
    /// The Zipf exponent of the pages' popularity.
    var zipf: Double
    /// Accesses per second.
    var accessRate: Int
    /// Seconds between working-set moves, 0 for never.
    var moveEvery: Int
    /// Seconds each run lasts.
    var duration: Int
    /// pageoutd's `cold_age` and the naive loop's period, in seconds.
    var coldAge: Int

    /// The first minute: resident memory is averaged after it.
    static let warmUpSeconds = 60.0
    /// Faults are counted after the first two minutes.
    static let faultsFromSeconds = 120.0
    /// Faults within this many seconds after a working-set move are left out of the rate.
    static let settleAfterMoveSeconds = 30.0

    /// When the never-touched memory should be in swap: 3 × cold age + 30 s.
    var swapDeadlineSeconds: Double { Double(3 * coldAge + 30) }

    /// The recent window of the true working set: the pages accessed in the last three cold ages.
    var recentWindowSeconds: Int { 3 * coldAge }

    /// The simulator's arguments, with its working-set file at `workingSetFile`.
    func guestArguments(workingSetFile: String) -> [String] {
        [
            "--size", size, "--workload", "zipf", "--working-set-percent", "\(workingSetPercent)",
            "--run-size", runSize, "--zipf", "\(zipf)", "--access-rate", "\(accessRate)",
            "--move-every", "\(moveEvery)", "--recent-window", "\(recentWindowSeconds)",
            "--working-set-file", workingSetFile,
        ]
    }
}
