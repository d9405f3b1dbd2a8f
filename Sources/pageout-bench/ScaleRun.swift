import Foundation
import PageoutMeasure

/// COUNT guests of SIZE each, written `COUNTxSIZE` (e.g. `1x8GiB`, `16x256MiB`).
struct ScaleLayout: CustomStringConvertible, Sendable {
    let count: Int
    let size: String
    /// Bytes of each guest's RAM.
    let bytes: Int

    init(_ text: Substring) throws {
        let parts = text.split(separator: "x", maxSplits: 1)
        guard parts.count == 2, let count = Int(parts[0]), count >= 1 else {
            throw BenchError("layout '\(text)' is not COUNTxSIZE (e.g. 1x8GiB or 16x256MiB)")
        }
        guard let bytes = parseSize(String(parts[1])), bytes > 0 else {
            throw BenchError("layout '\(text)': '\(parts[1])' is not a size (e.g. 256MiB or 8GiB)")
        }
        (self.count, size, self.bytes) = (count, String(parts[1]), bytes)
    }

    var description: String { "\(count)x\(size)" }
    /// Bytes of guest RAM watched in all.
    var watchedBytes: Int { count * bytes }
}

/// What one layout of the scale benchmark measured.
struct ScaleFigures: Sendable {
    let layout: ScaleLayout
    /// Seconds from the daemon's start until 95% of the guests' cold pages were in swap; nil: not within the
    /// timeout.
    let convergedAfter: Double?
    /// The share of the cold pages in swap at the end of the steady window.
    let coldInSwapAtEnd: Double
    /// The daemon's CPU time over the steady window, as a share of one core.
    let cpuShare: Double
    /// The rounds' CPU over the steady window by part (pageoutd's `*_cpu_microseconds_total` metrics), as
    /// shares of one core: snapshots, the rest of the scans (policy, status), pageout.
    let snapshotShare, policyShare, pageoutShare: Double
    /// The daemon's VmRSS at the end, KiB.
    let residentKiB: Int
    /// The guests' worst hot pass while converging (from the daemon's start to the 95% mark), ms.
    let worstConvergingPassMs: Double
    /// The guests' worst hot pass during the steady window, ms.
    let worstPassMs: Double
}

/// One layout: its guests started (every page written, the first HOT% hot), one pageoutd watching them all;
/// the true state of the guests' memory read every second until 95% of their cold pages are in swap, then the
/// daemon's CPU and memory over a steady window.
struct ScaleRun {
    let layout: ScaleLayout
    let hotPercent: Int
    let scanInterval: String
    let coldAge: Int
    let probePerColdAge: String
    let steadySeconds: Int
    let timeoutSeconds: Int
    let directory: String

    func run() throws -> ScaleFigures {
        var guests: [GuestProcess] = []
        defer { guests.forEach { $0.stop() } }
        for index in 0..<layout.count {
            guests.append(try GuestProcess(
                arguments: ["--size", layout.size, "--hot-percent", "\(hotPercent)", "--name", "scale\(index)"],
                stderrPath: "\(directory)/guest\(index).err"))
        }
        let readers = try guests.map { try GuestMemoryReader(pid: $0.pid, memfd: $0.memfd) }
        let config = "\(directory)/pageoutd.toml"
        try configText(guests).write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try ChildProcess("pageoutd", arguments: ["--config", config],
                                      outputPath: "\(directory)/pageoutd.log")
        defer { daemon.stop() }
        let started = Date()
        var convergedAfter: Double?
        var worstConverging = 0.0
        while convergedAfter == nil, Date().timeIntervalSince(started) < Double(timeoutSeconds) {
            worstConverging = max(worstConverging, try drainLines(guests, for: 1))
            try daemon.checkRunning()
            if try coldInSwap(guests, readers) >= 0.95 { convergedAfter = Date().timeIntervalSince(started) }
        }
        let cpuBefore = try ProcessCPU.seconds(pid: daemon.pid)
        let partsBefore = try roundCPU()
        let steadyStart = Date()
        let worstPass = try drainLines(guests, for: Double(steadySeconds))
        let seconds = Date().timeIntervalSince(steadyStart)
        let cpuShare = (try ProcessCPU.seconds(pid: daemon.pid) - cpuBefore) / seconds
        let parts = zip(try roundCPU(), partsBefore).map { ($0 - $1) / 1e6 / seconds }
        try daemon.checkRunning()
        return ScaleFigures(layout: layout, convergedAfter: convergedAfter,
                            coldInSwapAtEnd: try coldInSwap(guests, readers), cpuShare: cpuShare,
                            snapshotShare: parts[0], policyShare: parts[1], pageoutShare: parts[2],
                            residentKiB: ScanLoop.residentKiB(pid: daemon.pid),
                            worstConvergingPassMs: worstConverging, worstPassMs: worstPass)
    }

    /// The rounds' CPU so far by part, microseconds: snapshot, policy, pageout (from the metrics textfile the
    /// daemon writes after every round).
    private func roundCPU() throws -> [Double] {
        let text = try String(contentsOfFile: "\(directory)/pageoutd.prom", encoding: .utf8)
        return try ["snapshot", "policy", "pageout"].map { part in
            let name = "pageoutd_\(part)_cpu_microseconds_total "
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
                  let value = Double(line.dropFirst(name.count)) else {
                throw BenchError("the daemon's metrics have no \(name)")
            }
            return value
        }
    }

    /// The daemon's configuration: its own socket and state directory, the benchmark's interval, cold age and a
    /// pageout rate (1 GiB/s) that does not bound convergence, and one region per guest.
    private func configText(_ guests: [GuestProcess]) -> String {
        var text = """
            [daemon]
            socket = "\(directory)/pageoutd.sock"
            state_directory = "\(directory)/state"
            metrics_textfile = "\(directory)/pageoutd.prom"
            scan_interval = "\(scanInterval)"

            [policy]
            cold_age = "\(coldAge)s"
            max_pageout_rate = "1GiB"
            probe_per_cold_age = "\(probePerColdAge)"

            """
        for (index, guest) in guests.enumerated() {
            text += "\n[[region]]\nname = \"guest\(index)\"\npid = \(guest.pid)\nmemfd = \"\(guest.memfd)\"\n"
        }
        return text
    }

    /// The share of all guests' cold pages (every page after each one's hot set; they have no holes) in swap.
    private func coldInSwap(_ guests: [GuestProcess], _ readers: [GuestMemoryReader]) throws -> Double {
        var swapped = 0
        var cold = 0
        for (guest, reader) in zip(guests, readers) {
            let coldRange = guest.ready.hotPages..<guest.pages
            swapped += try reader.read().swapped.setCount(in: coldRange)
            cold += coldRange.count
        }
        return cold == 0 ? 1 : Double(swapped) / Double(cold)
    }

    /// Reads the guests' lines for `seconds` (their pipes must not fill) and returns the worst hot pass (ms)
    /// their STAT lines reported meanwhile.
    private func drainLines(_ guests: [GuestProcess], for seconds: Double) throws -> Double {
        let end = Date().addingTimeInterval(seconds)
        var worst = 0.0
        repeat {
            for guest in guests {
                while let line = try guest.nextLine(timeout: 0.001) {
                    guard line.hasPrefix("STAT ") else { continue }
                    if let pass = GuestOutput.fields(of: line)["max_pass_ms"].flatMap(Double.init) {
                        worst = max(worst, pass)
                    }
                }
            }
            Thread.sleep(forTimeInterval: min(0.1, max(0, end.timeIntervalSinceNow)))
        } while Date() < end
        return worst
    }
}
