import PageoutCore

/// How each page class is drawn: a character for plain text, a colour for terminals and SVG.
extension PageClass {
    /// The character of the class in a plain picture: ` ` hole, `.` swapped, `c` cold, `w` warm, `H` hot,
    /// `s` skewed.
    public var plainCharacter: Character {
        switch self {
        case .hole: " "
        case .swapped: "."
        case .cold: "c"
        case .warm: "w"
        case .hot: "H"
        case .skewed: "s"
        }
    }

    /// The class's colour in the xterm 256-colour palette: grey, blue, teal, amber, red, purple.
    public var ansi256Colour: Int {
        switch self {
        case .hole: 239
        case .swapped: 26
        case .cold: 37
        case .warm: 214
        case .hot: 160
        case .skewed: 128
        }
    }

    /// The same colour as `ansi256Colour`, as `#rrggbb` (the palette's exact value).
    public var rgbColour: String {
        switch self {
        case .hole: "#4e4e4e"
        case .swapped: "#005fd7"
        case .cold: "#00afaf"
        case .warm: "#ffaf00"
        case .hot: "#d70000"
        case .skewed: "#af00d7"
        }
    }
}

/// Pictures of a region (`pageoutctl heatmap`): the cells in rows of `cellsPerRow`, each in the class most of its
/// pages are in, with a title and a legend of the classes' sizes. Pure, so tests compare them byte for byte.
public enum HeatmapRendering {
    /// Cells a row, in every picture.
    public static let cellsPerRow = 64

    /// How the terminal picture shows a cell.
    public enum TerminalStyle: Sendable {
        /// A character per cell (`PageClass.plainCharacter`), rows between `|` bars, no control codes.
        case plain
        /// A cell of background colour per cell (`PageClass.ansi256Colour`), with ANSI SGR codes.
        case colour
    }

    /// The title: the region's name and size, the cells, and the scan, e.g.
    /// `vm1: 1.0 GiB, 1024 cells of 1.0 MiB (64 a row), scan 42`.
    public static func title(_ heatmap: RegionHeatmap, name: String, scans: UInt64) -> String {
        let noun = heatmap.cells.count == 1 ? "cell" : "cells"
        return Rendering.oneLine("\(name): \(Rendering.bytes(heatmap.byteCount)), \(heatmap.cells.count) \(noun) of "
            + "\(Rendering.bytes(cellBytes(heatmap))) (\(cellsPerRow) a row), scan \(scans)")
    }

    /// The picture for a terminal: the title, a row of cells per line after the offset of its first byte, and a
    /// legend of two lines naming each class with its size. Ends with a newline.
    public static func terminal(_ heatmap: RegionHeatmap, name: String, scans: UInt64,
                                style: TerminalStyle) -> String {
        let rows = rowRanges(heatmap)
        let labels = rows.map { Rendering.bytes(UInt64($0.lowerBound) * cellBytes(heatmap)) }
        let width = labels.map(\.count).max() ?? 0
        let classes = heatmap.dominantClasses
        var text = title(heatmap, name: name, scans: scans) + "\n"
        for (row, label) in zip(rows, labels) {
            let padded = String(repeating: " ", count: width - label.count) + label
            text += padded + " " + cells(classes[row], style: style) + "\n"
        }
        let items = legend(heatmap).map { pageClass, bytes in
            swatch(pageClass, style: style) + " \(pageClass) \(Rendering.bytes(bytes))"
        }
        text += items[..<3].joined(separator: "   ") + "\n"
        text += items[3...].joined(separator: "   ") + "\n"
        return text
    }

    /// Every class in legend order with its bytes over the whole region.
    public static func legend(_ heatmap: RegionHeatmap) -> [(PageClass, UInt64)] {
        let totals = heatmap.totals
        return PageClass.allCases.map { ($0, UInt64(totals[$0]) * UInt64(heatmap.pageSize)) }
    }

    /// The cell indexes of each row, in order.
    static func rowRanges(_ heatmap: RegionHeatmap) -> [Range<Int>] {
        stride(from: 0, to: heatmap.cells.count, by: cellsPerRow).map {
            $0..<min($0 + cellsPerRow, heatmap.cells.count)
        }
    }

    /// The bytes of a full cell.
    private static func cellBytes(_ heatmap: RegionHeatmap) -> UInt64 {
        UInt64(heatmap.pagesPerCell) * UInt64(heatmap.pageSize)
    }

    /// One row's cells: characters between bars, or colours (a code where the colour changes, a reset at the end).
    private static func cells(_ classes: ArraySlice<PageClass>, style: TerminalStyle) -> String {
        switch style {
        case .plain:
            return "|" + String(classes.map(\.plainCharacter)) + "|"
        case .colour:
            var text = ""
            var current: PageClass?
            for pageClass in classes {
                if pageClass != current { text += background(pageClass) }
                text += " "
                current = pageClass
            }
            return text + reset
        }
    }

    /// How the legend shows a class: its character in quotes, or two cells of its colour.
    private static func swatch(_ pageClass: PageClass, style: TerminalStyle) -> String {
        switch style {
        case .plain: "'\(pageClass.plainCharacter)'"
        case .colour: background(pageClass) + "  " + reset
        }
    }

    /// The SGR code that sets the background to `pageClass`'s colour.
    private static func background(_ pageClass: PageClass) -> String {
        "\u{1B}[48;5;\(pageClass.ansi256Colour)m"
    }

    /// The SGR code that resets colours.
    private static let reset = "\u{1B}[0m"
}
