import ArgumentParser
import Glibc

/// `pageout-guestsim`: a stand-in VMM whose guest RAM is a memfd with a hot set, a cold set and holes.
@main
struct GuestSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pageout-guestsim",
        abstract: "Simulate a VMM: memfd guest RAM with a hot set that is touched all the time and a cold rest.",
        discussion: """
            Creates a memfd named NAME of SIZE bytes, maps it shared and writable, and writes a distinct \
            pattern to every page except the holes (HOLES% of the pages, spread in short runs: in every group \
            of 64 pages the last ones stay unwritten). Each data page is half pseudo-random and half zero, so \
            zram compresses it about 2:1. The hot set is the first HOT% of the data pages in address order. \
            Then it prints one line (end is exclusive, addresses in lowercase hex):

              READY pid=P start=0xS end=0xE memfd=NAME pages=N hot_pages=H hole_pages=Z

            and touches every hot page (one read and one write) in passes at most every 10 ms, never \
            touching the cold pages again. About once a second it prints the mean and worst pass time in that \
            second, the passes in that second, and the major page faults since start:

              STAT hot_pass_ms=MEAN max_pass_ms=WORST passes=N majflt=N

            Signals:
              SIGUSR1   read every page once, holes included, like a migration scan
                        (swaps cold pages in, fills holes), then print: SCANNED
              SIGUSR2   check every page's pattern (holes must read as zeros),
                        then print: VERIFY ok=N bad=N
              SIGTERM   exit 0 (SIGINT too)

            Every line is flushed when printed. If stdout is a pipe whose reader went away, it exits quietly.

            """
    )

    @Option(
        help: "Guest RAM size: whole number with optional unit B, KiB, MiB, GiB or TiB; a multiple of the page size.",
        transform: { text in try ByteSize(parsing: text) }
    )
    var size: ByteSize

    @Option(help: "Percentage (0-100) of the data pages that are hot.")
    var hotPercent: Int

    @Option(help: "Percentage (0-100) of all pages that are never written.")
    var holesPercent: Int = 0

    @Option(help: "The memfd name; the mapping shows as /memfd:NAME (deleted) in /proc/PID/maps.")
    var name: String = "ram0"

    @Flag(help: """
        Advise the memory MADV_HUGEPAGE, as QEMU does for guest RAM: with shmem_enabled 'advise' or 'always' \
        (/sys/kernel/mm/transparent_hugepage) it is then backed by 2 MiB transparent huge pages.
        """)
    var hugepages = false

    /// The system page size.
    private static var pageSize: Int { sysconf(Int32(_SC_PAGESIZE)) }

    func validate() throws {
        let pageSize = Self.pageSize
        guard size.bytes > 0, size.bytes % pageSize == 0 else {
            throw ValidationError("--size \(size) is not a positive multiple of the page size (\(pageSize) bytes).")
        }
        guard (0...100).contains(hotPercent) else {
            throw ValidationError("--hot-percent \(hotPercent) is outside 0...100.")
        }
        guard (0...100).contains(holesPercent) else {
            throw ValidationError("--holes-percent \(holesPercent) is outside 0...100.")
        }
        // memfd_create allows 249 bytes; a space or '=' would break the READY line's key=value fields.
        guard !name.isEmpty, name.utf8.count <= 249,
              !name.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "=" || $0 == "\0" })
        else {
            throw ValidationError("--name '\(name)' must be 1-249 bytes without whitespace, '/' or '='.")
        }
    }

    func run() throws {
        // First: block the control signals, so that a signal sent as soon as READY appears is never fatal.
        let signals = try SignalWaiter()
        let pageSize = Self.pageSize
        let memory = try GuestMemory(name: name, size: size.bytes, pageSize: pageSize, hugePages: hugepages)
        let layout = PageLayout(pageCount: memory.pageCount, holesPercent: holesPercent, hotPercent: hotPercent)
        let pattern = PagePattern(wordsPerPage: pageSize / MemoryLayout<UInt64>.size)
        memory.fill(layout: layout, pattern: pattern)
        Output.line(
            "READY pid=\(getpid()) start=\(Output.hex(memory.start)) end=\(Output.hex(memory.end)) memfd=\(name) "
                + "pages=\(layout.pageCount) hot_pages=\(layout.hotPageCount) hole_pages=\(layout.holePageCount)"
        )
        var loop = HotLoop(memory: memory, layout: layout, pattern: pattern, hotRuns: layout.hotRuns(),
                           signals: signals)
        loop.run()
    }
}
