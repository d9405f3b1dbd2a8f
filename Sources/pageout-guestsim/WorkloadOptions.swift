import ArgumentParser

/// What the simulator does with its memory after READY.
enum Workload: String, ExpressibleByArgument, CaseIterable {
    /// The first HOT% of the data pages touched in passes every 10 ms; the rest never again.
    case hotSet = "static"
    /// A scattered working set accessed with Zipf popularity at a fixed rate.
    case zipf
}

/// The zipf workload's settings, defaults applied and checked.
struct ZipfSettings {
    var workingSetPercent = 40
    var runSize = ByteSize(bytes: 64 << 10)
    var exponent = 0.99
    var accessRate = 50_000
    var moveSeconds = 0
    var driftPercent = 0.0
    var recentSeconds = 60
    var seed: UInt64 = 1
    var workingSetFile: String?
}

/// The options that choose and shape the workload. Each zipf option is optional so that giving one to the
/// static workload is an error rather than silently ignored.
struct WorkloadOptions: ParsableArguments {
    @Option(help: "static: the hot set is touched in passes every 10 ms (the default). zipf: see below.")
    var workload: Workload = .hotSet

    @Option(help: "zipf: percentage (1-100) of the data pages in the working set (default 40).")
    var workingSetPercent: Int?

    @Option(help: "zipf: the size of the working set's runs, a multiple of the page size (default 64KiB).",
            transform: { text in try ByteSize(parsing: text) })
    var runSize: ByteSize?

    @Option(help: "zipf: the exponent s of the popularity 1/rank^s, 0 for uniform (default 0.99).")
    var zipf: Double?

    @Option(help: "zipf: accesses per second (default 50000).")
    var accessRate: Int?

    @Option(help: "zipf: seconds between working-set moves, 0 for never (default 0).")
    var moveEvery: Int?

    @Option(help: "zipf: percentage (0-6000) of the working set's runs replaced per minute, one by one (default 0).")
    var driftPercent: Double?

    @Option(help: "zipf: how many seconds back LOAD's recent_pages looks (default 60).")
    var recentWindow: Int?

    @Option(help: "zipf: the seed of every random choice (default 1).")
    var seed: UInt64?

    @Option(help: "zipf: a file that lists every page's class, rewritten atomically on each change.")
    var workingSetFile: String?

    /// Whether any zipf option was given.
    private var anyZipfOption: Bool {
        let given: [Any?] = [workingSetPercent, runSize, zipf, accessRate, moveEvery, driftPercent, recentWindow,
                             seed, workingSetFile]
        return given.contains { $0 != nil }
    }

    /// The zipf settings for `layout`'s data pages, or a ValidationError that names the option at fault.
    func zipfSettings(layout: PageLayout, pageSize: Int) throws -> ZipfSettings {
        guard workload == .zipf else {
            if anyZipfOption { throw ValidationError("The zipf options need --workload zipf.") }
            return ZipfSettings()
        }
        var settings = ZipfSettings()
        settings.workingSetPercent = workingSetPercent ?? settings.workingSetPercent
        settings.runSize = runSize ?? settings.runSize
        settings.exponent = zipf ?? settings.exponent
        settings.accessRate = accessRate ?? settings.accessRate
        settings.moveSeconds = moveEvery ?? settings.moveSeconds
        settings.driftPercent = driftPercent ?? settings.driftPercent
        settings.recentSeconds = recentWindow ?? settings.recentSeconds
        settings.seed = seed ?? settings.seed
        settings.workingSetFile = workingSetFile
        try settings.check(layout: layout, pageSize: pageSize)
        return settings
    }
}

extension ZipfSettings {
    /// Pages per run.
    func runPages(pageSize: Int) -> Int { runSize.bytes / pageSize }

    /// Runs in the working set: WS% of the data pages, rounded down to whole runs.
    func runCount(layout: PageLayout, pageSize: Int) -> Int {
        layout.dataPageCount * workingSetPercent / 100 / runPages(pageSize: pageSize)
    }

    /// Throws a ValidationError for the first setting out of range.
    func check(layout: PageLayout, pageSize: Int) throws {
        let checks: [(Bool, String)] = [
            ((1...100).contains(workingSetPercent), "--working-set-percent \(workingSetPercent) is outside 1...100."),
            (runSize.bytes > 0 && runSize.bytes % pageSize == 0,
             "--run-size \(runSize) is not a positive multiple of the page size (\(pageSize) bytes)."),
            (exponent >= 0 && exponent <= 10, "--zipf \(exponent) is outside 0...10."),
            ((1...10_000_000).contains(accessRate), "--access-rate \(accessRate) is outside 1...10000000."),
            (moveSeconds >= 0, "--move-every \(moveSeconds) is negative."),
            (driftPercent >= 0 && driftPercent <= 6000, "--drift-percent \(driftPercent) is outside 0...6000."),
            (recentSeconds >= 1, "--recent-window \(recentSeconds) is below 1 second."),
            (workingSetFile.map { !$0.isEmpty } ?? true, "--working-set-file is empty."),
        ]
        if let failed = checks.first(where: { !$0.0 }) { throw ValidationError(failed.1) }
        guard runCount(layout: layout, pageSize: pageSize) >= 1 else {
            throw ValidationError("The working set (\(workingSetPercent)% of \(layout.dataPageCount) data pages) "
                + "is smaller than one run of \(runSize).")
        }
    }
}
