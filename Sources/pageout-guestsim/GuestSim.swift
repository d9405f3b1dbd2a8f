import ArgumentParser
import Glibc

/// `pageout-guestsim [guest]`: a stand-in VMM whose guest RAM is a memfd with a hot set, a cold set and holes.
struct GuestSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guest",
        abstract: """
            Simulate a VMM: memfd guest RAM with a hot set that is touched all the time and a cold rest, or with a \
            scattered working set accessed with Zipf popularity (the default subcommand).
            """,
        discussion: GuestSimHelp.discussion
    )

    @Option(
        help: "Guest RAM size: whole number with optional unit B, KiB, MiB, GiB or TiB; a multiple of the page size.",
        transform: { text in try ByteSize(parsing: text) }
    )
    var size: ByteSize

    @Option(help: "Percentage (0-100) of the data pages that are hot (static workload only, required there).")
    var hotPercent: Int?

    @Option(help: "Percentage (0-100) of all pages that are never written.")
    var holesPercent: Int = 0

    @Option(help: """
        Pages per group that holes are spread over: each group leaves its last pages unwritten. Large groups give \
        long runs of holes, like a guest that never touched most of its RAM.
        """)
    var holeGroup: Int = PageLayout.defaultGroupSize

    @Option(help: "The memfd name; the mapping shows as /memfd:NAME (deleted) in /proc/PID/maps.")
    var name: String = "ram0"

    @Flag(help: """
        Advise the memory MADV_HUGEPAGE, as QEMU does for guest RAM: with shmem_enabled 'advise' or 'always' \
        (/sys/kernel/mm/transparent_hugepage) it is then backed by 2 MiB transparent huge pages.
        """)
    var hugepages = false

    @Option(help: """
        Run SIGUSR1's scan on a thread of this name (at most 15 bytes), as QEMU runs a migration on its \
        'live_migration' thread; it ends with the scan.
        """)
    var scanThread: String?

    @Option(help: "With --scan-thread: bytes read per second (a throttled migration), e.g. 32MiB.",
            transform: { text in try ByteSize(parsing: text) })
    var scanRate: ByteSize?

    @OptionGroup
    var workload: WorkloadOptions

    /// The system page size.
    private static var pageSize: Int { sysconf(Int32(_SC_PAGESIZE)) }

    func validate() throws {
        let pageSize = Self.pageSize
        guard size.bytes > 0, size.bytes % pageSize == 0 else {
            throw ValidationError("--size \(size) is not a positive multiple of the page size (\(pageSize) bytes).")
        }
        guard (0...100).contains(holesPercent) else {
            throw ValidationError("--holes-percent \(holesPercent) is outside 0...100.")
        }
        guard holeGroup > 0 else { throw ValidationError("--hole-group \(holeGroup) is not a positive page count.") }
        switch (workload.workload, hotPercent) {
        case (.hotSet, nil):
            throw ValidationError("The static workload needs --hot-percent.")
        case (.hotSet, let hot?) where !(0...100).contains(hot):
            throw ValidationError("--hot-percent \(hot) is outside 0...100.")
        case (.zipf, _?):
            throw ValidationError("--hot-percent belongs to the static workload; zipf has --working-set-percent.")
        default:
            _ = try workload.zipfSettings(layout: layout(pageSize: pageSize), pageSize: pageSize)
        }
        if let scanThread, scanThread.isEmpty || scanThread.utf8.count > 15 {
            throw ValidationError("--scan-thread '\(scanThread)' must be 1-15 bytes (a thread name).")
        }
        if let scanRate, scanThread == nil || scanRate.bytes <= 0 {
            throw ValidationError("--scan-rate \(scanRate) needs --scan-thread and must be more than zero.")
        }
        // memfd_create allows 249 bytes; a space or '=' would break the READY line's key=value fields.
        guard !name.isEmpty, name.utf8.count <= 249,
              !name.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "=" || $0 == "\0" })
        else {
            throw ValidationError("--name '\(name)' must be 1-249 bytes without whitespace, '/' or '='.")
        }
    }

    /// The layout of holes, data and (static workload) hot pages.
    private func layout(pageSize: Int) -> PageLayout {
        PageLayout(pageCount: size.bytes / pageSize, holesPercent: holesPercent, hotPercent: hotPercent ?? 0,
                   groupSize: holeGroup)
    }

    func run() throws {
        // First: block the control signals, so that a signal sent as soon as READY appears is never fatal.
        let signals = try SignalWaiter()
        let pageSize = Self.pageSize
        var memory = try GuestMemory(name: name, size: size.bytes, pageSize: pageSize, hugePages: hugepages)
        memory.scanThread = scanThread.map { ScanThreadSettings(name: $0, bytesPerSecond: scanRate?.bytes) }
        let layout = layout(pageSize: pageSize)
        let pattern = PagePattern(wordsPerPage: pageSize / MemoryLayout<UInt64>.size)
        memory.fill(layout: layout, pattern: pattern)
        let ready = "READY pid=\(getpid()) start=\(Output.hex(memory.start)) end=\(Output.hex(memory.end)) "
            + "memfd=\(name) pages=\(layout.pageCount)"
        guard workload.workload == .zipf else {
            Output.line(ready + " hot_pages=\(layout.hotPageCount) hole_pages=\(layout.holePageCount)")
            var loop = HotLoop(memory: memory, layout: layout, pattern: pattern, hotRuns: layout.hotRuns(),
                               signals: signals)
            loop.run()
            return
        }
        let settings = try workload.zipfSettings(layout: layout, pageSize: pageSize)
        var random = SplitMix64(seed: settings.seed)
        let workingSet = WorkingSet(layout: layout, runPages: settings.runPages(pageSize: pageSize),
                                    runCount: settings.runCount(layout: layout, pageSize: pageSize), using: &random)
        if let path = settings.workingSetFile { try workingSet.write(to: path) }
        Output.line(ready + " hot_pages=\(workingSet.pageCount) hole_pages=\(layout.holePageCount) "
            + "workload=zipf run_pages=\(workingSet.runPages)")
        var loop = LoadLoop(memory: memory, layout: layout, pattern: pattern, settings: settings,
                            workingSet: workingSet, random: random, signals: signals)
        loop.run()
    }
}
