import ArgumentParser
import Foundation

/// `pageout-bench scale`: what pageoutd costs as the guest RAM it watches grows, one layout after another in the
/// same run, each against the first.
struct ScaleBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Runs pageoutd on growing guest RAM: convergence time, CPU and memory per layout, one table.",
        discussion: """
            For each layout COUNTxSIZE it starts COUNT pageout-guestsim guests of SIZE (every page written but \
            --holes-percent, the first --hot-percent of the written ones touched all the time), measures their \
            hot passes alone for 10 s (the baseline), starts one pageoutd watching them all (scan_interval \
            --scan-interval, cold_age --cold-age, max_pageout_rate 1GiB so that the rate does not bound \
            convergence), reads the true state of the guests' memory every second until 95% of their cold pages \
            are in swap, waits until pageout settled (the cold pages in swap grew by less than 0.5% of them over \
            two scan intervals, two minutes at most), then measures over --steady seconds (a window that starts \
            and ends with a round) the daemon's CPU and its split into snapshots, policy and pageout (from the \
            daemon's own CPU metrics), what it paged out and what came back, \
            its VmRSS and of it RssAnon (its own memory, less its code), the regions' page state (their \
            state_bytes), and the guests' worst hot pass. The last lines compare each layout with the first: how \
            CPU and memory grow against the RAM watched. Needs swap for the cold part of the largest layout (zram \
            compresses the guests' pages about 2:1).
            """)

    @Option(help: "Layouts COUNTxSIZE, comma-separated, run in this order; the first is the baseline.")
    var layouts = "1x1GiB,1x2GiB,1x4GiB,1x8GiB"

    @Option(help: "Percentage (0-100) of each guest's pages that are hot.")
    var hotPercent = 40

    @Option(help: "Percentage (0-100) of each guest's pages never written (a sparse guest).")
    var holesPercent = 0

    @Option(help: """
        Pages per group the holes are spread over (pageout-guestsim --hole-group): 64 scatters them, 262144 \
        (1 GiB) leaves them in long runs, like a guest that never touched most of its RAM.
        """)
    var holeGroup = 64

    @Option(help: "pageoutd's scan_interval (e.g. 1s, 10s).")
    var scanInterval = "1s"

    @Option(help: "Seconds: pageoutd's cold_age.")
    var coldAge = 5

    @Option(help: "pageoutd's probe_per_cold_age (\"0%\": probe_budget alone, as before the key existed).")
    var probePerColdAge = "50%"

    @Option(help: """
        Scan windows opened on each region (BeginScan) once pageout settled and held open through the steady \
        window, so that memory is measured with them (at most pageoutd's max_scan_windows, 4).
        """)
    var scanWindows = 0

    @Option(help: "Seconds of steady state measured once a layout has converged.")
    var steady = 30

    @Option(help: "Seconds a layout may take to converge before the steady window starts anyway.")
    var timeout = 900

    func validate() throws {
        guard (0...100).contains(hotPercent) else { throw ValidationError("--hot-percent is outside 0...100.") }
        guard (0...100).contains(holesPercent) else { throw ValidationError("--holes-percent is outside 0...100.") }
        guard holeGroup > 0 else { throw ValidationError("--hole-group must be a positive page count.") }
        guard (0...4).contains(scanWindows) else { throw ValidationError("--scan-windows is outside 0...4.") }
        guard coldAge >= 1, steady >= 1, timeout >= 1 else {
            throw ValidationError("--cold-age, --steady and --timeout must be at least 1 second.")
        }
        _ = try parsedLayouts()
    }

    private func parsedLayouts() throws -> [ScaleLayout] {
        let layouts = try self.layouts.split(separator: ",").map(ScaleLayout.init)
        guard !layouts.isEmpty else { throw ValidationError("--layouts names no layout.") }
        return layouts
    }

    func run() throws {
        let signalSources = ChildRegistry.shared.stopChildrenOnSignals()
        defer { withExtendedLifetime(signalSources) {} }
        var results: [ScaleFigures] = []
        for layout in try parsedLayouts() {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("pageout-bench-\(UUID())").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            FileHandle.standardError.write(Data("scale: \(layout)\n".utf8))
            do {
                results.append(try ScaleRun(layout: layout, hotPercent: hotPercent, holesPercent: holesPercent,
                                            holeGroup: holeGroup, scanInterval: scanInterval,
                                            coldAge: coldAge, probePerColdAge: probePerColdAge,
                                            scanWindows: scanWindows, steadySeconds: steady, timeoutSeconds: timeout,
                                            directory: directory).run())
            } catch {
                FileHandle.standardError.write(Data(("pageout-bench scale: \(layout) failed: \(error)\n"
                    + "the guests' and the daemon's output are in \(directory)\n").utf8))
                throw ExitCode.failure
            }
            try? FileManager.default.removeItem(atPath: directory)
        }
        print("pageout-bench scale --layouts \(layouts) --hot-percent \(hotPercent) --holes-percent \(holesPercent) "
              + "--hole-group \(holeGroup) --scan-interval \(scanInterval) "
              + "--cold-age \(coldAge) --probe-per-cold-age \(probePerColdAge) --scan-windows \(scanWindows) "
              + "--steady \(steady)\n")
        print(ScaleTable.text(results, coldAge: coldAge))
    }
}
