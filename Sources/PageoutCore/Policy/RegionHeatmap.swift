/// The class of one page in a picture of its region: the page states of a snapshot, with the mapped pages split by
/// the policy into cold, warm and hot. The cases are in legend order.
public enum PageClass: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Never written: no page and no swap entry behind it.
    case hole
    /// In swap.
    case swapped
    /// Mapped in the VMM and a pageout candidate.
    case cold
    /// Mapped in the VMM and held back: aging, or backed off after refaults.
    case warm
    /// Mapped in the VMM and used within cold_age.
    case hot
    /// Resident but not mapped in the VMM: something other than the guest read it.
    case skewed

    /// Which class a cell shows when two classes have as many pages: hot, warm, skewed, cold, swapped, hole. The
    /// classes an operator acts on win over those that need nothing.
    public static let tieOrder: [PageClass] = [.hot, .warm, .skewed, .cold, .swapped, .hole]

    public var description: String {
        switch self {
        case .hole: "hole"
        case .swapped: "swapped"
        case .cold: "cold"
        case .warm: "warm"
        case .hot: "hot"
        case .skewed: "skewed"
        }
    }
}

extension PageClassCounts {
    /// The pages of `pageClass`.
    public subscript(pageClass: PageClass) -> Int {
        get {
            switch pageClass {
            case .hole: hole
            case .swapped: swapped
            case .cold: cold
            case .warm: warm
            case .hot: hot
            case .skewed: skewed
            }
        }
        set {
            switch pageClass {
            case .hole: hole = newValue
            case .swapped: swapped = newValue
            case .cold: cold = newValue
            case .warm: warm = newValue
            case .hot: hot = newValue
            case .skewed: skewed = newValue
            }
        }
    }

    /// The class with the most pages; between classes with as many, the first in `PageClass.tieOrder`.
    public var dominantClass: PageClass {
        var best = PageClass.tieOrder[0]
        for candidate in PageClass.tieOrder.dropFirst() where self[candidate] > self[best] {
            best = candidate
        }
        return best
    }

    /// Adds `other`'s pages class by class.
    public mutating func add(_ other: PageClassCounts) {
        for pageClass in PageClass.allCases { self[pageClass] += other[pageClass] }
    }
}

/// A picture of a region: its pages cut into cells of `pagesPerCell` pages in page order (the last cell may be
/// shorter), each cell holding its pages per class.
public struct RegionHeatmap: Sendable, Hashable {
    /// The page size in bytes.
    public let pageSize: Int
    /// The pages of every cell but the last.
    public let pagesPerCell: Int
    /// The cells, in page order.
    public let cells: [PageClassCounts]

    /// A picture of `cells` of `pagesPerCell` pages of `pageSize` bytes; both sizes must be positive.
    public init(pageSize: Int, pagesPerCell: Int, cells: [PageClassCounts]) {
        precondition(pageSize > 0 && pagesPerCell > 0, "a heatmap's page and cell sizes are positive")
        self.pageSize = pageSize
        self.pagesPerCell = pagesPerCell
        self.cells = cells
    }

    /// The pages per cell that cut `pageCount` pages into at most `cells` cells of equal size (the last may be
    /// shorter): the fewest pages that need no more cells, at least one.
    public static func pagesPerCell(pageCount: Int, cells: Int) -> Int {
        precondition(pageCount >= 0 && cells > 0, "a heatmap has at least one cell")
        return max(1, (pageCount + cells - 1) / cells)
    }

    /// The region's pages: the cells' pages added up.
    public var pageCount: Int { totals.total }

    /// The region's size in bytes.
    public var byteCount: UInt64 { UInt64(pageCount) * UInt64(pageSize) }

    /// Every class's pages over the whole region.
    public var totals: PageClassCounts {
        cells.reduce(into: PageClassCounts()) { $0.add($1) }
    }

    /// Each cell's displayed class (`PageClassCounts.dominantClass`), in cell order.
    public var dominantClasses: [PageClass] { cells.map(\.dominantClass) }
}
