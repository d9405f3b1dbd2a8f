import Foundation
import PageoutControl
import PageoutCore
import PageoutTestSupport
import Testing

/// `pageoutctl heatmap`'s pictures, byte for byte against golden files, and the wire form they are drawn from.
@Suite("Heatmap rendering")
struct HeatmapRenderingTests {
    static let heatmap = HeatmapFixture.heatmap

    @Test("plain: a character per cell between bars, offsets, a legend of sizes")
    func plain() throws {
        let text = HeatmapRendering.terminal(Self.heatmap, name: HeatmapFixture.name, scans: HeatmapFixture.scans,
                                             style: .plain)
        try Golden.expect(text, equals: "heatmap-plain.txt")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "vm1: 199 MiB, 200 cells of 1.0 MiB (64 a row), scan 42")
        #expect(lines.count == 1 + 4 + 2 + 1, "title, 4 rows, 2 legend lines, the final newline")
        #expect(lines[1] == "    0 B |HHHHHHHHHHHHHHHHHHHHwwwwwwwwww" + String(repeating: ".", count: 34) + "|")
        #expect(!text.contains("\u{1B}"), "no control codes")
    }

    @Test("colour: 256-colour backgrounds where the class changes, a reset at each row's end")
    func colour() throws {
        let text = HeatmapRendering.terminal(Self.heatmap, name: HeatmapFixture.name, scans: HeatmapFixture.scans,
                                             style: .colour)
        try Golden.expect(text, equals: "heatmap-colour.txt")
        let firstRow = text.split(separator: "\n")[1]
        #expect(firstRow == "    0 B \u{1B}[48;5;160m" + String(repeating: " ", count: 20) + "\u{1B}[48;5;214m"
                + String(repeating: " ", count: 10) + "\u{1B}[48;5;26m" + String(repeating: " ", count: 34)
                + "\u{1B}[0m")
    }

    @Test("SVG: the same picture, a rectangle per run of a row, well-formed XML")
    func svg() throws {
        let text = HeatmapRendering.svg(Self.heatmap, name: HeatmapFixture.name, scans: HeatmapFixture.scans)
        try Golden.expect(text, equals: "heatmap.svg")
        let document = try SVGDocument(text)
        #expect(document.elements["svg"] == 1 && document.elements["title"] == 1)
        // Runs: row 0 hot, warm, swapped; row 1 swapped, cold, skewed; row 2 skewed, hole, swapped; row 3 swapped.
        // Then the legend's 6 swatches and the background.
        #expect(document.elements["rect"] == 3 + 3 + 3 + 1 + 6 + 1)
        #expect(document.texts.contains("hot 20 MiB") && document.texts.contains("swapped 84 MiB"))
    }

    @Test("the legend adds up each class over the region")
    func legend() {
        let legend = HeatmapRendering.legend(Self.heatmap)
        #expect(legend.map(\.0) == PageClass.allCases)
        let pages = legend.map { Int($0.1 / 4096) }
        let swapped = 60 * 256 + 10 * 128 + 19 * 250 + 100
        let cold = 10 * 56 + 30 * 256
        let hot = 20 * 256 + 19 * 6
        #expect(pages == [50 * 256, swapped, cold, 10 * 200, hot, 10 * 128])
        #expect(legend.reduce(0) { $0 + $1.1 } == Self.heatmap.byteCount)
    }

    @Test("a name with XML's reserved characters is escaped in the SVG")
    func escapedName() throws {
        let text = HeatmapRendering.svg(Self.heatmap, name: #"a<b>&"c'"#, scans: 1)
        #expect(text.contains("<title>a&lt;b&gt;&amp;&quot;c&apos;: 199 MiB"))
        _ = try SVGDocument(text)
    }

    @Test("the wire form carries the picture unchanged")
    func wireRoundTrip() throws {
        let wire = WireHeatmap(name: "vm1", heatmap: Self.heatmap, scans: 42)
        #expect(wire.size == 200 << 20 - 156 * 4096 && wire.pages_per_cell == 256 && wire.page_size == 4096)
        let decoded = try JSONDecoder().decode(WireHeatmap.self, from: JSONEncoder().encode(wire))
        #expect(try decoded.regionHeatmap() == Self.heatmap)
    }

    @Test("a reply that cannot be drawn is refused, not trapped on", arguments: [
        "page_size", "pages_per_cell", "lengths", "negative", "too many pages", "empty cell", "overflow",
    ])
    func invalidWire(flaw: String) {
        var wire = WireHeatmap(name: "vm1", heatmap: Self.heatmap, scans: 42)
        switch flaw {
        case "page_size": wire.page_size = 0
        case "pages_per_cell": wire.pages_per_cell = Int.max
        case "lengths": wire.hot.removeLast()
        case "negative": wire.cold[3] = -1
        case "too many pages": wire.cold[0] = 256
        case "empty cell": wire.swapped[199] = 0
        default:
            wire.page_size = 1 << 30
            wire.pages_per_cell = 1 << 40
            wire.hole = Array(repeating: 1 << 40, count: 1 << 15)
            for other in PageClass.allCases where other != .hole {
                wire[keyPath: WireHeatmap.counts(of: other)] = Array(repeating: 0, count: 1 << 15)
            }
        }
        #expect(throws: InvalidHeatmap.self) { try wire.regionHeatmap() }
    }
}
