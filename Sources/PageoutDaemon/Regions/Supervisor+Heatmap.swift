import PageoutCore

extension Supervisor {
    /// Region `name`'s pages per class in at most `cells` cells, as the policy saw them at its last scan, and the
    /// number of scans of the region; the picture is nil before the first scan, or while the region cannot be
    /// scanned.
    ///
    /// Counted here from the policy state itself, not from a copy handed to the status board: a copy shares the
    /// bitmaps only until the next scan changes them (copy on write), so every region's policy bitmaps would be
    /// held twice. The count costs a pass over the region's blocks, with no memory per page.
    func heatmap(of name: String, cells: Int) throws(DaemonError) -> (heatmap: RegionHeatmap?, status: RegionStatus) {
        guard let entry = regions[name] else { throw .regionNotFound(name) }
        guard let state = entry.policy, let snapshot = state.previous else { return (nil, entry.status) }
        let heatmap = PolicyEngine.classMap(state, snapshot: snapshot, now: state.previousScanAt,
                                            limits: entry.limits(pageSize: state.layout.pageSize), cells: cells)
        return (heatmap, entry.status)
    }
}
