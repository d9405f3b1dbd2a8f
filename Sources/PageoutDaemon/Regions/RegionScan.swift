import PageoutCore

/// What the policy knew of a region after its last scan: enough to draw the region (GetHeatmap) from the status
/// board, without waiting for the supervisor.
///
/// The state's bitmaps are shared with the supervisor's copy until either changes (copy on write): publishing it
/// copies nothing. The next round's evaluation makes a new state either way; the published one stays alive until
/// that round is published, as the supervisor's own did while it evaluated: the peak is the same.
struct RegionScan: Sendable {
    /// The policy state after the scan; its `previous` is the scan's snapshot.
    var state: RegionPolicyState
    /// The limits the scan was judged by.
    var limits: PolicyLimits

    /// The region's pages per class in at most `cells` cells, as the policy saw them at the scan (`classMap`);
    /// nil before the region's first scan.
    func heatmap(cells: Int) -> RegionHeatmap? {
        guard let snapshot = state.previous else { return nil }
        return PolicyEngine.classMap(state, snapshot: snapshot, now: state.previousScanAt, limits: limits,
                                     cells: cells)
    }
}

extension RegionRegistry {
    /// The last scan of every region the policy has a state for, by name.
    var lastScans: [String: RegionScan] {
        var scans: [String: RegionScan] = [:]
        for entry in entries {
            guard let state = entry.policy else { continue }
            scans[entry.name] = RegionScan(state: state, limits: entry.limits(pageSize: state.layout.pageSize))
        }
        return scans
    }
}
