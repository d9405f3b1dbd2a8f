import ArgumentParser
import Foundation
import Glibc
import PageoutControl
import PageoutCore

/// `pageoutctl heatmap REGION [--cells N] [--plain] [--watch [--interval D]] [--svg FILE]`: a picture of a region.
struct HeatmapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heatmap",
        abstract: "Draw a region's pages as a grid of cells by class, from its last scan.",
        discussion: """
            Each cell is an equal slice of the region, \(HeatmapRendering.cellsPerRow) cells a row, each line \
            starting at the offset of its first byte; a cell shows the class most of its pages are in (ties: hot, \
            warm, skewed, cold, swapped, hole). On a terminal cells are colours, with a legend of each class's \
            size. With --plain, with NO_COLOR set, or when stdout is not a terminal, they are characters between \
            bars: ' ' hole (never written), '.' swapped, 'c' cold (mapped in the VMM, a pageout candidate), \
            'w' warm (mapped, held back after refaults), 'H' hot (used within cold_age), 's' skewed (resident, not \
            mapped: read by another process). With --json, the GetHeatmap reply. Exit status 1 also when the SVG \
            file cannot be written.
            """)

    @ParentCommand var global: Pageoutctl

    @Argument(help: "The region's name.")
    var region: String

    @Option(help: "How many cells to cut the region into (1-\(WireHeatmap.maximumCells)).")
    var cells = WireHeatmap.defaultCells

    @Flag(help: "Characters instead of colours, also on a terminal.")
    var plain = false

    @Flag(help: "Redraw after every scan round until interrupted (SIGINT or SIGTERM).")
    var watch = false

    @Option(help: ArgumentHelp("With --watch, how often to ask for a new picture: \"500ms\", \"2s\", or a number "
                               + "of seconds. Default: 1s.", valueName: "DURATION"),
            transform: { text in try Duration(commandLineText: text) })
    var interval: Duration = .seconds(1)

    @Option(help: ArgumentHelp("Also write the picture as SVG to FILE (replaced whole; with --watch, at every "
                               + "redraw).", valueName: "FILE"))
    var svg: String?

    func validate() throws {
        guard (1...WireHeatmap.maximumCells).contains(cells) else {
            throw ValidationError("--cells must be from 1 to \(WireHeatmap.maximumCells)")
        }
        guard interval > .zero else { throw ValidationError("--interval must be longer than 0") }
    }

    func run() throws {
        let session = try global.session()
        let output = HeatmapOutput(session: session, svgPath: svg, watching: watch,
                                   style: Self.style(plain: plain, environment: ProcessInfo.processInfo.environment))
        guard watch else {
            return try output.show(try fetch(session), inPlace: false)
        }
        try HeatmapWatch(output: output, interval: interval) { () throws(CommandFailure) in try fetch(session) }.run()
    }

    /// The region's picture: the reply as sent, and as drawn.
    func fetch(_ session: Session) throws(CommandFailure) -> HeatmapFrame {
        let reply = try session.call("GetHeatmap", ["name": .string(region), "cells": .number(Double(cells))])
        let wire = try session.field("heatmap", of: reply, as: WireHeatmap.self)
        do {
            return HeatmapFrame(reply: reply, wire: wire, heatmap: try wire.regionHeatmap())
        } catch {
            throw CommandFailure(exitCode: .daemonError,
                                 message: "the reply from \(session.path) has a heatmap that cannot be drawn: \(error)")
        }
    }

    /// Colours only on a terminal, unless --plain, NO_COLOR (set and not empty) or TERM=dumb says otherwise.
    static func style(plain: Bool, environment: [String: String]) -> HeatmapRendering.TerminalStyle {
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty || environment["TERM"] == "dumb"
        return plain || noColour || isatty(STDOUT_FILENO) != 1 ? .plain : .colour
    }
}

/// One GetHeatmap reply: as the daemon sent it (for --json), decoded, and checked for drawing.
struct HeatmapFrame {
    /// The reply's parameters.
    var reply: JSONValue
    /// The reply's `heatmap`.
    var wire: WireHeatmap
    /// The picture.
    var heatmap: RegionHeatmap
}

/// Where a picture goes: stdout (text, colours or JSON) and the SVG file.
struct HeatmapOutput {
    /// The connection, for --json and for messages naming the socket.
    let session: Session
    /// --svg.
    let svgPath: String?
    /// --watch: JSON goes out an object a line.
    let watching: Bool
    /// Colours or characters.
    let style: HeatmapRendering.TerminalStyle

    /// Prints `frame` (with `inPlace`, over the previous one: cursor home, each line and the rest cleared) and
    /// writes its SVG.
    func show(_ frame: HeatmapFrame, inPlace: Bool) throws(CommandFailure) {
        if session.json {
            print(Rendering.json(frame.reply, pretty: !watching))
            fflush(nil)
        } else {
            write(HeatmapRendering.terminal(frame.heatmap, name: frame.wire.name, scans: frame.wire.scans,
                                            style: style), inPlace: inPlace)
        }
        if let svgPath {
            let text = HeatmapRendering.svg(frame.heatmap, name: frame.wire.name, scans: frame.wire.scans)
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: svgPath), options: .atomic)
            } catch {
                throw CommandFailure(exitCode: .daemonError, message: "cannot write \(svgPath): \(error)")
            }
        }
    }

    /// Prints `text`, which ends with a newline: over the previous picture with `inPlace`, else after it.
    func write(_ text: String, inPlace: Bool) {
        if inPlace {
            let cleared = text.replacingOccurrences(of: "\n", with: "\u{1B}[K\n")
            print("\u{1B}[H" + cleared + "\u{1B}[J", terminator: "")
        } else {
            print(text, terminator: "")
        }
        fflush(nil)
    }
}
