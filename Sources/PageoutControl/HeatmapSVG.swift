import PageoutCore

/// The picture of `HeatmapRendering.terminal` as an SVG document: the title, a square per cell (neighbours of one
/// class in a row drawn as one rectangle), and the legend with each class's colour and size.
extension HeatmapRendering {
    /// The side of a cell, in SVG pixels.
    static let svgCell = 8
    /// The space around the picture, in SVG pixels.
    static let svgMargin = 8
    /// The height of a line of text, in SVG pixels.
    static let svgLine = 18
    /// The width of one legend column (three a line), in SVG pixels.
    static let svgLegendColumn = 172

    /// The SVG document (UTF-8 text, ending with a newline).
    public static func svg(_ heatmap: RegionHeatmap, name: String, scans: UInt64) -> String {
        let rows = rowRanges(heatmap)
        let gridTop = svgMargin + svgLine + 4
        let legendTop = gridTop + rows.count * svgCell + 12
        let width = 2 * svgMargin + cellsPerRow * svgCell
        let height = legendTop + 2 * svgLine + svgMargin
        let caption = xmlEscaped(title(heatmap, name: name, scans: scans))
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" "#
                + #"viewBox="0 0 \#(width) \#(height)" font-family="monospace" font-size="12">"#,
            "<title>\(caption)</title>",
            ##"<rect width="\##(width)" height="\##(height)" fill="#ffffff"/>"##,
            #"<text x="\#(svgMargin)" y="\#(svgMargin + 12)">\#(caption)</text>"#,
            #"<g shape-rendering="crispEdges">"#,
        ]
        let classes = heatmap.dominantClasses
        for (index, row) in rows.enumerated() {
            let y = gridTop + index * svgCell
            for (run, pageClass) in runs(of: classes[row]) {
                let x = svgMargin + (run.lowerBound - row.lowerBound) * svgCell
                lines.append(#"<rect x="\#(x)" y="\#(y)" width="\#(run.count * svgCell)" height="\#(svgCell)" "#
                    + #"fill="\#(pageClass.rgbColour)"/>"#)
            }
        }
        lines.append("</g>")
        for (index, (pageClass, bytes)) in legend(heatmap).enumerated() {
            let x = svgMargin + (index % 3) * svgLegendColumn
            let y = legendTop + (index / 3) * svgLine
            lines.append(#"<rect x="\#(x)" y="\#(y)" width="10" height="10" fill="\#(pageClass.rgbColour)" "#
                + ##"stroke="#000000" stroke-width="0.5"/>"##)
            lines.append(#"<text x="\#(x + 16)" y="\#(y + 10)">\#(pageClass) \#(Rendering.bytes(bytes))</text>"#)
        }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The runs of equal classes in `classes`, with the indexes `classes` has.
    static func runs(of classes: ArraySlice<PageClass>) -> [(Range<Int>, PageClass)] {
        var runs: [(Range<Int>, PageClass)] = []
        var start = classes.startIndex
        while start < classes.endIndex {
            let pageClass = classes[start]
            let end = classes[start...].firstIndex { $0 != pageClass } ?? classes.endIndex
            runs.append((start..<end, pageClass))
            start = end
        }
        return runs
    }

    /// The five characters XML reserves, and their entities.
    static let xmlEntities: [Character: String] = [
        "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;",
    ]

    /// `text` with the characters XML reserves written as entities.
    static func xmlEscaped(_ text: String) -> String {
        text.reduce(into: "") { escaped, character in escaped += xmlEntities[character] ?? String(character) }
    }
}
