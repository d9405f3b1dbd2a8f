import Foundation
import PageoutControl
import PageoutCore
import Testing

/// The built `pageoutctl heatmap` against a fake server: the call, the picture on stdout and in the SVG file.
@Suite("Pageoutctl heatmap")
struct HeatmapCommandTests {
    @Test("into a pipe: GetHeatmap with name and cells, the plain picture, the SVG written")
    func plainIntoAPipeAndSVG() throws {
        let server = try FakeVarlinkServer(answer: .replies([VarlinkReply(parameters: try HeatmapFixture.reply)]))
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("heatmap-\(UUID().uuidString).svg")
        defer { try? FileManager.default.removeItem(at: svg) }
        let run = try PageoutctlRun(["--socket", server.path, "heatmap", "vm1", "--cells", "200", "--svg", svg.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr == "")
        #expect(run.stdout == (try String(contentsOf: Golden.url("heatmap-plain.txt"), encoding: .utf8)))
        #expect(try Data(contentsOf: svg) == Data(contentsOf: Golden.url("heatmap.svg")))
        let call = try #require(server.call())
        #expect(call.method == "io.pageoutd.GetHeatmap")
        #expect(call.parameters == .object(["name": .string("vm1"), "cells": .number(200)]))
    }

    @Test("--json: the reply as it came; the default cell count")
    func json() throws {
        let reply = try HeatmapFixture.reply
        let server = try FakeVarlinkServer(answer: .replies([VarlinkReply(parameters: reply)]))
        let run = try PageoutctlRun(["--socket", server.path, "--json", "heatmap", "vm1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == Rendering.json(reply, pretty: true) + "\n")
        #expect(server.parameters()?["cells"] == .number(Double(WireHeatmap.defaultCells)))
    }

    @Test("a reply that cannot be drawn: exit 1 and why")
    func undrawable() throws {
        var wire = WireHeatmap(name: "vm1", heatmap: HeatmapFixture.heatmap, scans: 42)
        wire.cold[0] = -5
        let server = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["heatmap": try Fixtures.json(wire)])),
        ]))
        let run = try PageoutctlRun(["--socket", server.path, "heatmap", "vm1"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot be drawn: cell 0 has a cold count of -5"), "\(run.stderr)")
        #expect(run.stdout == "")
    }

    @Test("usage errors exit 2 before any call", arguments: [
        ["--cells", "0"], ["--cells", "16385"], ["--watch", "--interval", "0s"], ["--interval", "2d"],
    ])
    func usage(arguments: [String]) throws {
        let run = try PageoutctlRun(["--socket", "/nonexistent/socket", "heatmap", "vm1"] + arguments)
        #expect(run.status == 2, "\(run.stderr)")
    }
}
