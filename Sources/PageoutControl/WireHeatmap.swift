import PageoutCore

/// The wire form of a `RegionHeatmap` (the IDL's `Heatmap`): one list of page counts per class, a count per cell.
public struct WireHeatmap: Codable, Sendable, Equatable {
    /// The cells a GetHeatmap call gets when it names none: 16 rows of 64.
    public static let defaultCells = 1024
    /// The most cells a call may ask for. With six counts a cell the reply stays within the 1 MiB message limit
    /// (`VarlinkFraming.maximumMessageBytes`) for any region up to 64 TiB of 4 KiB pages: 16384 cells of such a
    /// region hold at most 2^20 pages each, 8 characters a count with its comma.
    public static let maximumCells = 16384

    /// The region's name.
    public var name: String
    /// The region's size in bytes.
    public var size: UInt64
    /// The page size in bytes.
    public var page_size: Int
    /// The pages of every cell but the last (which may be shorter).
    public var pages_per_cell: Int
    /// The region's scans since registration: a new value is a new picture.
    public var scans: UInt64
    /// Per cell, its pages of each class.
    public var hole, swapped, cold, warm, hot, skewed: [Int]

    /// The wire form of `heatmap`, a picture of region `name` after its scan number `scans`.
    public init(name: String, heatmap: RegionHeatmap, scans: UInt64) {
        self.name = name
        size = heatmap.byteCount
        page_size = heatmap.pageSize
        pages_per_cell = heatmap.pagesPerCell
        self.scans = scans
        hole = []
        swapped = []
        cold = []
        warm = []
        hot = []
        skewed = []
        for pageClass in PageClass.allCases {
            self[keyPath: Self.counts(of: pageClass)] = heatmap.cells.map { $0[pageClass] }
        }
    }

    /// The list of counts of `pageClass`.
    public static func counts(of pageClass: PageClass) -> WritableKeyPath<WireHeatmap, [Int]> {
        switch pageClass {
        case .hole: \.hole
        case .swapped: \.swapped
        case .cold: \.cold
        case .warm: \.warm
        case .hot: \.hot
        case .skewed: \.skewed
        }
    }

    /// The picture the reply describes.
    ///
    /// - Throws: `InvalidHeatmap` when a size is out of range, the lists differ in length, a cell holds a count
    ///   out of range or more pages than a cell has, or the region's size overflows: a reply pageoutctl cannot
    ///   draw. Every figure is checked before it is added up, so a crafted reply cannot trap.
    public func regionHeatmap() throws(InvalidHeatmap) -> RegionHeatmap {
        guard (1...(1 << 30)).contains(page_size), (1...(1 << 40)).contains(pages_per_cell) else {
            throw InvalidHeatmap("page_size or pages_per_cell is out of range")
        }
        let cellCount = hole.count
        guard cellCount <= 1 << 22 else { throw InvalidHeatmap("\(cellCount) cells are too many") }
        guard PageClass.allCases.allSatisfy({ self[keyPath: Self.counts(of: $0)].count == cellCount }) else {
            throw InvalidHeatmap("the lists of counts differ in length")
        }
        var cells = [PageClassCounts](repeating: PageClassCounts(), count: cellCount)
        for pageClass in PageClass.allCases {
            for (cell, count) in self[keyPath: Self.counts(of: pageClass)].enumerated() {
                guard (0...pages_per_cell).contains(count) else {
                    throw InvalidHeatmap("cell \(cell) has a \(pageClass) count of \(count)")
                }
                cells[cell][pageClass] = count
            }
        }
        if let cell = cells.firstIndex(where: { $0.total < 1 || $0.total > pages_per_cell }) {
            throw InvalidHeatmap("cell \(cell) holds \(cells[cell].total) pages, not 1 to \(pages_per_cell)")
        }
        // At most 2^22 cells of at most 2^40 pages: the page count fits in an Int; its bytes may not fit in 64 bits.
        let pages = cells.reduce(0) { $0 + $1.total }
        guard !UInt64(pages).multipliedReportingOverflow(by: UInt64(page_size)).overflow else {
            throw InvalidHeatmap("the region's size overflows")
        }
        return RegionHeatmap(pageSize: page_size, pagesPerCell: pages_per_cell, cells: cells)
    }
}

/// A GetHeatmap reply that cannot be drawn, and why.
public struct InvalidHeatmap: Error, Sendable, CustomStringConvertible {
    /// What is wrong, in a sentence.
    public var description: String

    /// The reason `description`.
    public init(_ description: String) {
        self.description = description
    }
}
