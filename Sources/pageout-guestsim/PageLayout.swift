/// Which pages of the simulated guest RAM are holes, which hold data, and which of those are hot.
///
/// The region is split into groups of `groupSize` pages (64 unless told). Holes are spread over the groups so
/// that they appear as short runs interleaved with data, the way never-touched guest memory is scattered through a
/// real VM, rather than as one block at the end; large groups give long runs of holes (a guest that never touched
/// most of its RAM). With `H(n) = n * holesPercent / 100` (rounded down), group `g`, which
/// covers pages `s..<e`, leaves its last `H(e) - H(s)` pages unwritten. The per-group counts differ by at
/// most one and the total is exactly `H(pageCount)`.
///
/// The hot set is the first `hotPageCount` data pages in address order, where
/// `hotPageCount = dataPageCount * hotPercent / 100` (rounded down).
///
/// Pure value code: no memory is touched here.
struct PageLayout: Sendable {
    /// Pages per hole-spreading group unless told.
    static let defaultGroupSize = 64

    /// Pages per hole-spreading group.
    let groupSize: Int
    /// Pages in the region.
    let pageCount: Int
    /// Percentage (0...100) of all pages that are never written.
    let holesPercent: Int
    /// Percentage (0...100) of the data pages that are touched continuously.
    let hotPercent: Int

    init(pageCount: Int, holesPercent: Int, hotPercent: Int, groupSize: Int = defaultGroupSize) {
        precondition(pageCount >= 0 && (0...100).contains(holesPercent) && (0...100).contains(hotPercent))
        precondition(groupSize > 0, "a group has pages")
        self.groupSize = groupSize
        self.pageCount = pageCount
        self.holesPercent = holesPercent
        self.hotPercent = hotPercent
    }

    /// Holes among the first `pages` pages of the region, if holes were spread perfectly evenly.
    private func holesBefore(_ pages: Int) -> Int {
        pages * holesPercent / 100
    }

    /// Pages that are never written.
    var holePageCount: Int { holesBefore(pageCount) }

    /// Pages that hold a pattern.
    var dataPageCount: Int { pageCount - holePageCount }

    /// Data pages that the hot loop touches.
    var hotPageCount: Int { dataPageCount * hotPercent / 100 }

    /// Number of groups, the last one possibly shorter than `groupSize`.
    var groupCount: Int { (pageCount + groupSize - 1) / groupSize }

    /// The pages of group `group`, split into its data pages (first) and its holes (the rest).
    func pages(ofGroup group: Int) -> (data: Range<Int>, holes: Range<Int>) {
        let start = group * groupSize
        let end = min(start + groupSize, pageCount)
        let holeStart = end - (holesBefore(end) - holesBefore(start))
        return (start..<holeStart, holeStart..<end)
    }

    /// Whether page `page` is a hole.
    func isHole(_ page: Int) -> Bool {
        pages(ofGroup: page / groupSize).holes.contains(page)
    }

    /// Calls `body` with every run of consecutive data pages, in address order, until it returns false.
    func forEachDataRun(_ body: (Range<Int>) -> Bool) {
        for group in 0..<groupCount {
            let data = pages(ofGroup: group).data
            if !data.isEmpty && !body(data) { return }
        }
    }

    /// The runs of consecutive hot pages, in address order; together they hold exactly `hotPageCount` pages.
    func hotRuns() -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var remaining = hotPageCount
        forEachDataRun { run in
            guard remaining > 0 else { return false }
            let taken = min(run.count, remaining)
            runs.append(run.lowerBound..<(run.lowerBound + taken))
            remaining -= taken
            return remaining > 0
        }
        return runs
    }
}
