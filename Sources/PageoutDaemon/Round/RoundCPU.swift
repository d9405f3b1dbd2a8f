/// The CPU time the scan rounds spent since the daemon started, in seconds, by part: what
/// `pageout-bench scale` splits a round into, and the metrics export.
struct RoundCPU {
    /// Snapshots: the pagemap and the kernel's counts.
    var snapshot = 0.0
    /// Whole region scans: the snapshot, the policy and the status (what `max_cpu` limits).
    var scan = 0.0
    /// Pageout: MADV_PAGEOUT and repair.
    var pageout = 0.0
}
