import Foundation
import Glibc
import PageoutControl
import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// `pageoutctl heatmap` against a real daemon paging out a guest: the cold part swapped in the picture, the SVG
/// well-formed, and --watch redrawing until SIGINT.
@Suite struct HeatmapTests {
    /// `pageoutctl --socket SOCKET heatmap vm1 arguments…`: exit status and stdout.
    static func heatmap(socket: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try runToEnd([BuildProducts.url(of: "pageoutctl").path, "--socket", socket, "heatmap", "vm1"] + arguments)
    }

    /// The cells of a plain picture, row after row: the characters between the bars.
    static func cells(ofPlain picture: String) -> [Character] {
        picture.split(separator: "\n").filter { $0.hasSuffix("|") }.flatMap { line in
            line.drop { $0 != "|" }.dropFirst().dropLast()
        }
    }

    @Test func afterConvergenceTheColdPartIsSwappedInThePictureAndTheSVG() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        // 64 MiB, the first 20% hot: 64 cells of 1 MiB, cells 13-63 cold.
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "20"])
        let daemon = try DaemonProcess(config: ConvergingConfig.text(pid: guest.pid, memfd: guest.memfd))
        var picture = ""
        try Eventually.wait(for: "most cold cells swapped in the plain picture", interval: 0.5,
                            describe: { picture }) {
            let run = try Self.heatmap(socket: daemon.socketPath, ["--plain", "--cells", "64"])
            picture = run.output
            let cells = Self.cells(ofPlain: picture)
            guard run.status == 0, cells.count == 64 else { return false }
            return cells[13...].filter { $0 == "." }.count >= 45
        }
        print(picture)
        let cells = Self.cells(ofPlain: picture)
        #expect(cells.count == 64)
        #expect("Hwc".contains(cells[0]), "the hot set stays mapped: \(cells[0])")
        #expect(picture.hasPrefix("vm1: 64 MiB, 64 cells of 1.0 MiB (64 a row), scan "))
        #expect(picture.contains("'.' swapped "))

        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("heatmap-\(UUID().uuidString).svg")
        defer { try? FileManager.default.removeItem(at: svg) }
        let run = try Self.heatmap(socket: daemon.socketPath, ["--cells", "64", "--svg", svg.path])
        #expect(run.status == 0, "\(run.output)")
        #expect(!run.output.contains("\u{1B}["), "no colours into a pipe")
        let document = try SVGDocument(String(contentsOf: svg, encoding: .utf8))
        #expect(document.elements["svg"] == 1)
        #expect(document.fills.contains(PageClass.swapped.rgbColour))
        #expect(document.texts.contains { $0.hasPrefix("swapped ") })
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test func watchRedrawsEachRoundAndStopsCleanlyOnSIGINT() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "10"])
        let daemon = try DaemonProcess(config: ConvergingConfig.text(pid: guest.pid, memfd: guest.memfd))
        try Eventually.wait(for: "the control socket listening") { UnixSocket.isListening(at: daemon.socketPath) }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let watch = Process()
        watch.executableURL = BuildProducts.url(of: "pageoutctl")
        watch.arguments = ["--socket", daemon.socketPath, "heatmap", "vm1", "--watch", "--interval", "200ms"]
        watch.standardOutput = try FileHandle(forWritingTo: output)
        watch.standardError = watch.standardOutput
        try watch.run()
        defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
        var text = ""
        try Eventually.wait(for: "three pictures of different scans", interval: 0.2, describe: { text }) {
            text = try String(contentsOf: output, encoding: .utf8)
            return text.components(separatedBy: "vm1: 16 MiB").count - 1 >= 3
        }
        kill(watch.processIdentifier, SIGINT)
        try Eventually.wait(for: "pageoutctl to exit after SIGINT", timeout: 10) { !watch.isRunning }
        #expect(watch.terminationReason == .exit && watch.terminationStatus == 0)
        let scans = text.split(separator: "\n").filter { $0.hasPrefix("vm1: ") }.map { $0.split(separator: " ").last }
        #expect(Set(scans).count == scans.count, "a picture only for a new scan: \(scans)")
        #expect(!text.contains("\u{1B}["), "pictures follow each other into a file, without control codes")
    }
}
