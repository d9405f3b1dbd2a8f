import Foundation
import PageoutControl
import PageoutCore
import Testing

/// The picture the heatmap golden tests draw: region vm1 at its scan 42, 200 cells of 1 MiB (256 pages of 4 KiB;
/// the last cell 100 pages), in runs of every class and a tie.
enum HeatmapFixture {
    static let name = "vm1"
    static let scans: UInt64 = 42

    /// Cells 0-19 hot, 20-29 mostly warm, 30-89 swapped, 90-119 cold, 120-129 half skewed and half swapped (a
    /// tie: skewed), 130-179 holes, 180-198 swapped with a few hot pages, 199 a short swapped cell.
    static var heatmap: RegionHeatmap {
        var cells: [PageClassCounts] = []
        func add(_ count: Int, _ pages: [PageClass: Int]) {
            var cell = PageClassCounts()
            for (pageClass, number) in pages { cell[pageClass] = number }
            cells += Array(repeating: cell, count: count)
        }
        add(20, [.hot: 256])
        add(10, [.warm: 200, .cold: 56])
        add(60, [.swapped: 256])
        add(30, [.cold: 256])
        add(10, [.skewed: 128, .swapped: 128])
        add(50, [.hole: 256])
        add(19, [.swapped: 250, .hot: 6])
        add(1, [.swapped: 100])
        return RegionHeatmap(pageSize: 4096, pagesPerCell: 256, cells: cells)
    }

    /// The GetHeatmap reply of the picture, as a server sends it.
    static var reply: JSONValue {
        get throws {
            .object(["heatmap": try Fixtures.json(WireHeatmap(name: name, heatmap: heatmap, scans: scans))])
        }
    }
}

/// Files the tests compare output with byte for byte, in `Fixtures/` next to this file (the target excludes the
/// folder from its sources).
///
/// To write them anew after a deliberate change of the drawing, run the tests with `PAGEOUTD_REGENERATE_GOLDEN=1`
/// (e.g. `PAGEOUTD_REGENERATE_GOLDEN=1 swift test --filter Heatmap`), then review the files' diff.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The variable that turns comparing into writing.
    static let regenerateVariable = "PAGEOUTD_REGENERATE_GOLDEN"

    /// The golden file `name`.
    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Expects `text` to equal the golden file `name` byte for byte; with `PAGEOUTD_REGENERATE_GOLDEN=1`, writes
    /// it there instead.
    static func expect(_ text: String, equals name: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws {
        if ProcessInfo.processInfo.environment[regenerateVariable] == "1" {
            try Data(text.utf8).write(to: url(name), options: .atomic)
        }
        let golden = try Data(contentsOf: url(name))
        #expect(Data(text.utf8) == golden,
                "differs from Fixtures/\(name): \(regenerateVariable)=1 writes it anew; got:\n\(text)",
                sourceLocation: sourceLocation)
    }
}
