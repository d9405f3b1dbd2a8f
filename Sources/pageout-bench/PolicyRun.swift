import Foundation
import PageoutMeasure

/// One run of the policy benchmark: a fresh guest, one way of paging its memory out (or none), the guest's LOAD
/// lines and the true state of its memory read every second.
struct PolicyRun {
    let variant: PolicyVariant
    let workload: PolicyWorkload
    /// Where the guest's and the pager's output, the working-set file and the daemon's files go.
    let directory: String

    /// What the run recorded while it lasted.
    struct Record: Sendable {
        var history = LoadHistory()
        /// Resident bytes of guest memory, sampled every second, with the seconds since the start.
        var residentSamples: [(seconds: Double, bytes: Int)] = []
        /// The never-touched pages in swap at the swap deadline (nil when the run ended before it).
        var neverTouchedAtDeadline: PageShare?
    }

    private func path(_ name: String) -> String { "\(directory)/\(variant.rawValue)-\(name)" }

    /// Runs the guest and its pager for the workload's duration and returns the figures.
    func run() throws -> PolicyFigures {
        let guest = try GuestProcess(arguments: workload.guestArguments(workingSetFile: path("working-set")),
                                     stderrPath: path("guest.err"), logPath: path("guest.log"))
        defer { guest.stop() }
        let memory = try GuestMemoryReader(pid: guest.pid, memfd: guest.memfd)
        let agent = try startPager(for: guest)
        defer { agent?.stop() }
        let started = Date()
        let record = try measure(guest: guest, memory: memory, agent: agent, started: started)
        let elapsed = Date().timeIntervalSince(started)
        let cpuSeconds = try agent.map { try ProcessCPU.seconds(pid: $0.pid) }
        var reported = ReportedWorkingSet.notApplicable
        var prefetch: (prefetched: UInt64, used: UInt64)?
        if variant.isDaemon {
            let socket = PolicyRunConfig.socketPath(in: path("daemon"))
            reported = .init(try DaemonFigures.workingSetBytes(socket: socket, region: PolicyRunConfig.regionName))
            prefetch = try DaemonFigures.prefetchBytes(socket: socket, region: PolicyRunConfig.regionName)
        }
        var figures = PolicyFigures(
            variant: variant, workload: workload, regionBytes: memory.pageCount * memory.pageSize,
            pageSize: memory.pageSize, record: record, neverTouchedAtEnd: try neverTouchedShare(try memory.read()),
            cpuShare: cpuSeconds.map { $0 / elapsed }, reportedWorkingSet: reported)
        figures.prefetch = prefetch
        return figures
    }

    /// Starts what pages the guest out in this variant: nothing, the naive loop, or pageoutd.
    private func startPager(for guest: GuestProcess) throws -> ChildProcess? {
        switch variant {
        case .none:
            return nil
        case .naive:
            return try ChildProcess("pageout-bench", arguments: [
                "naive-pageout", "--pid", "\(guest.pid)", "--memfd", guest.memfd, "--every", "\(workload.coldAge)",
            ], outputPath: path("naive.log"))
        case .pageoutd, .pageoutdNoPrefetch:
            let daemonDirectory = path("daemon")
            try FileManager.default.createDirectory(atPath: daemonDirectory, withIntermediateDirectories: true)
            let config = daemonDirectory + "/pageoutd.toml"
            try PolicyRunConfig.text(pid: guest.pid, memfd: guest.memfd, coldAgeSeconds: workload.coldAge,
                                     directory: daemonDirectory, prefetch: variant == .pageoutd)
                .write(toFile: config, atomically: true, encoding: .utf8)
            return try ChildProcess("pageoutd", arguments: ["--config", config], outputPath: path("pageoutd.log"))
        }
    }

    /// Reads the guest's lines and, every second, the state of its memory, until the run's duration is over.
    private func measure(guest: GuestProcess, memory: GuestMemoryReader, agent: ChildProcess?,
                         started: Date) throws -> Record {
        var record = Record()
        let duration = Double(workload.duration)
        var nextSample = 1.0
        while Date().timeIntervalSince(started) < duration {
            let wait = min(nextSample, duration) - Date().timeIntervalSince(started)
            if let line = try guest.nextLine(timeout: max(wait, 0.001)) {
                try record.history.record(line, at: Date().timeIntervalSince(started))
                continue
            }
            let seconds = Date().timeIntervalSince(started)
            guard seconds >= nextSample else { continue }
            nextSample = seconds.rounded(.down) + 1
            try agent?.checkRunning()
            let state = try memory.read()
            record.residentSamples.append((seconds, state.residentBytes))
            if record.neverTouchedAtDeadline == nil, seconds >= workload.swapDeadlineSeconds {
                record.neverTouchedAtDeadline = try neverTouchedShare(state)
            }
        }
        return record
    }

    /// How many of the pages the guest never touched (by its working-set file now) are in swap in `state`.
    private func neverTouchedShare(_ state: GuestMemoryState) throws -> PageShare {
        state.swappedShare(of: try GuestWorkingSet(contentsOf: path("working-set")).bitmap(of: .never))
    }
}
