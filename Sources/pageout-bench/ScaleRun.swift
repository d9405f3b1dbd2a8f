import Foundation
import PageoutCore
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
    /// Seconds from the 95% mark until pageout settled (the cold pages in swap grew by less than 0.5% of them
    /// over two scan intervals); nil: not within two minutes, the steady window started anyway.
    let settledAfter: Double?
    /// The share of the cold pages in swap at the end of the steady window.
    let coldInSwapAtEnd: Double
    /// Over the steady window: MiB per second handed to MADV_PAGEOUT, and pages per second that came back
    /// (pageoutd's `pageoutd_region_paged_out_bytes_total` and `pageoutd_region_refaults_total`).
    let pagedOutMiBPerSecond, refaultsPerSecond: Double
    /// The daemon's CPU time over the steady window, as a share of one core.
    let cpuShare: Double
    /// The rounds' CPU over the steady window by part (pageoutd's `*_cpu_microseconds_total` metrics), as
    /// shares of one core: snapshots, the rest of the scans (policy, status), pageout.
    let snapshotShare, policyShare, pageoutShare: Double
    /// The daemon's VmRSS at the end, KiB, and of it RssAnon (its own memory: RSS less its code and libraries).
    let residentKiB, anonymousKiB: Int
    /// The bytes the regions' page state takes, by the daemon's `pageoutd_region_state_bytes`, at the end.
    let stateBytes: Double
    /// The guests' worst hot pass in 10 s before the daemon started, ms: what the machine gives them alone.
    let worstAlonePassMs: Double
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
    let holesPercent: Int
    let holeGroup: Int
    let scanInterval: String
    let coldAge: Int
    let probePerColdAge: String
    let scanWindows: Int
    let steadySeconds: Int
    let timeoutSeconds: Int
    let directory: String

    func run() throws -> ScaleFigures {
        var guests: [GuestProcess] = []
        defer { guests.forEach { $0.stop() } }
        for index in 0..<layout.count {
            guests.append(try GuestProcess(
                arguments: ["--size", layout.size, "--hot-percent", "\(hotPercent)", "--name", "scale\(index)",
                            "--holes-percent", "\(holesPercent)", "--hole-group", "\(holeGroup)"],
                stderrPath: "\(directory)/guest\(index).err"))
        }
        let readers = try guests.map { try GuestMemoryReader(pid: $0.pid, memfd: $0.memfd) }
        // The baseline of the guests' hot passes: the same guests with no daemon yet, for 10 s.
        let worstAlone = try drainLines(guests, for: 10)
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
        // 95% is reached while the last cold pages still go out: the steady state starts once pageout settled.
        let settledAfter = try settle(guests, readers, daemon)
        let windows = try openWindows(on: guests)
        // The window starts and ends as a round's metrics are written, so that the daemon's CPU and its split
        // cover the same rounds (a round under way when the window opened would count in the split alone).
        var worstPass = try drainUntilRoundEnds(guests, after: try roundCPU().writtenAt)
        let cpuBefore = try ProcessCPU.seconds(pid: daemon.pid)
        let partsBefore = try roundCPU()
        let steadyStart = Date()
        worstPass = max(worstPass, try drainLines(guests, for: Double(steadySeconds)))
        worstPass = max(worstPass, try drainUntilRoundEnds(guests, after: try roundCPU().writtenAt))
        let cpuShare = (try ProcessCPU.seconds(pid: daemon.pid) - cpuBefore) / Date().timeIntervalSince(steadyStart)
        let partsAfter = try roundCPU()
        let residentKiB = ScanLoop.residentKiB(pid: daemon.pid)
        let anonymousKiB = ScanLoop.residentKiB(pid: daemon.pid, field: "RssAnon:")
        for token in windows { try DaemonFigures.endScan(socket: socketPath, token: token) }
        let span = max(0.001, partsAfter.writtenAt - partsBefore.writtenAt)
        let parts = zip(partsAfter.microseconds, partsBefore.microseconds).map { ($0 - $1) / 1e6 / span }
        try daemon.checkRunning()
        return ScaleFigures(layout: layout, convergedAfter: convergedAfter, settledAfter: settledAfter,
                            coldInSwapAtEnd: try coldInSwap(guests, readers),
                            pagedOutMiBPerSecond: (partsAfter.pagedOutBytes - partsBefore.pagedOutBytes)
                                / Double(1 << 20) / span,
                            refaultsPerSecond: (partsAfter.refaults - partsBefore.refaults) / span,
                            cpuShare: cpuShare,
                            snapshotShare: parts[0], policyShare: parts[1], pageoutShare: parts[2],
                            residentKiB: residentKiB, anonymousKiB: anonymousKiB,
                            stateBytes: partsAfter.stateBytes,
                            worstAlonePassMs: worstAlone, worstConvergingPassMs: worstConverging,
                            worstPassMs: worstPass)
    }

    /// Opens `scanWindows` scan windows on every guest's region; returns their tokens.
    private func openWindows(on guests: [GuestProcess]) throws -> [String] {
        try guests.indices.flatMap { index in
            try (0..<scanWindows).map { _ in try DaemonFigures.beginScan(socket: socketPath, region: "guest\(index)") }
        }
    }

    private var socketPath: String { "\(directory)/pageoutd.sock" }

    /// Waits until the guests' cold pages in swap grow by less than 0.5% of them over two scan intervals (two
    /// minutes at most); returns the seconds it took, nil when pageout had not settled by then.
    private func settle(_ guests: [GuestProcess], _ readers: [GuestMemoryReader], _ daemon: ChildProcess) throws
        -> Double? {
        let started = Date()
        let interval = max(1, milliseconds((try? Duration(configText: scanInterval)) ?? .seconds(1)) / 1000)
        var previous = try coldInSwap(guests, readers)
        while Date().timeIntervalSince(started) < 120 {
            _ = try drainLines(guests, for: 2 * interval)
            try daemon.checkRunning()
            let now = try coldInSwap(guests, readers)
            if now - previous < 0.005 { return Date().timeIntervalSince(started) }
            previous = now
        }
        return nil
    }

    /// The daemon's counters so far, from the metrics textfile it writes after every round: the rounds' CPU by
    /// part, microseconds (snapshot, policy, pageout), the regions' page state, bytes paged out and refaults
    /// (all regions), and when the file was written (seconds).
    private func roundCPU() throws
        -> (microseconds: [Double], writtenAt: Double, stateBytes: Double, pagedOutBytes: Double, refaults: Double) {
        let path = "\(directory)/pageoutd.prom"
        let writtenAt = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let writtenAt,
              try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == writtenAt else {
            return try roundCPU()  // replaced while read: read the new one
        }
        let values = try ["snapshot", "policy", "pageout"].map { part in
            let name = "pageoutd_\(part)_cpu_microseconds_total "
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
                  let value = Double(line.dropFirst(name.count)) else {
                throw BenchError("the daemon's metrics have no \(name)")
            }
            return value
        }
        func regionSum(_ family: String) -> Double {
            text.split(separator: "\n").filter { $0.hasPrefix("\(family){") }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
        }
        return (values, writtenAt.timeIntervalSince1970, regionSum("pageoutd_region_state_bytes"),
                regionSum("pageoutd_region_paged_out_bytes_total"), regionSum("pageoutd_region_refaults_total"))
    }

    /// The daemon's configuration: its own socket and state directory, the benchmark's interval, cold age and a
    /// pageout rate (1 GiB/s) that does not bound convergence, and one region per guest.
    private func configText(_ guests: [GuestProcess]) -> String {
        var text = """
            [daemon]
            socket = "\(socketPath)"
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

    /// The share of all guests' cold pages (every data page after each one's hot set, the first data pages) in
    /// swap. Holes are never written, so the allocated pages are the data pages.
    private func coldInSwap(_ guests: [GuestProcess], _ readers: [GuestMemoryReader]) throws -> Double {
        var swapped = 0
        var cold = 0
        for (guest, reader) in zip(guests, readers) {
            let state = try reader.read()
            let inSwap = state.swapped
            var hotLeft = guest.ready.hotPages
            state.allocated.forEachRun { run in
                let hot = min(hotLeft, run.count)
                hotLeft -= hot
                let coldRun = (run.lowerBound + hot)..<run.upperBound
                swapped += inSwap.setCount(in: coldRun)
                cold += coldRun.count
            }
        }
        return cold == 0 ? 1 : Double(swapped) / Double(cold)
    }

    /// Reads the guests' lines until the daemon writes its metrics after `writtenAt` (the end of a round; at most
    /// a minute), returning the worst hot pass meanwhile.
    private func drainUntilRoundEnds(_ guests: [GuestProcess], after writtenAt: Double) throws -> Double {
        var worst = 0.0
        let deadline = Date().addingTimeInterval(60)
        while try roundCPU().writtenAt == writtenAt, Date() < deadline {
            worst = max(worst, try drainLines(guests, for: 0.01))
        }
        return worst
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
