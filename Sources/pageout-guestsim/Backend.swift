import ArgumentParser
import Glibc

/// `pageout-guestsim backend`: a second mapper of a running guest's memory, the way a vhost-user backend
/// (virtiofsd, DPDK, SPDK) maps the VMM's memfd and keeps its I/O buffers mapped.
struct Backend: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Map a running guest's memfd like a vhost-user backend and read a share of its pages.",
        discussion: GuestSimHelp.backendDiscussion
    )

    @Option(help: "The pid of the guest (the VMM) whose memory to map.")
    var pid: Int32

    @Option(help: "Percentage (1-100) of the pages read: every (100 / SHARE)th page, e.g. 25% for every 4th.",
            transform: { text in try Backend.percent(text, option: "--share", lowest: 1) })
    var share: Int

    @Option(help: "Percentage (0-100) of the mapping's pages skipped at its start, e.g. the guest's hot set.",
            transform: { text in try Backend.percent(text, option: "--from", lowest: 0) })
    var from: Int = 0

    @Option(help: "Map the memfd of this name; by default the largest shared memfd or /dev/shm mapping.")
    var memfd: String?

    @Option(help: "Keep reading the first N of the pages read, every --touch-interval (default 0: read once).")
    var keepTouching: Int = 0

    @Option(help: "The time between re-reads of --keep-touching: a whole number of ms or s (default 100ms).",
            transform: { text in try Backend.nanoseconds(text) })
    var touchInterval: UInt64 = 100_000_000

    func validate() throws {
        guard pid > 0 else { throw ValidationError("--pid \(pid) is not a process id.") }
        guard keepTouching >= 0 else { throw ValidationError("--keep-touching \(keepTouching) is negative.") }
    }

    func run() throws {
        // First: block the control signals, so that a SIGTERM sent as soon as READY appears is never fatal.
        var signals = try SignalWaiter()
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        let maps = try Self.readText("/proc/\(pid)/maps")
        guard let line = SharedMappingLine.choose(in: maps, memfd: memfd) else {
            let what = memfd.map { "a shared mapping of memfd \($0)" } ?? "a shared memfd or /dev/shm mapping"
            throw GuestSimError(description: "process \(pid) has no \(what) in /proc/\(pid)/maps")
        }
        let mapping = try BackendMapping(pid: pid, mapping: line, pageSize: pageSize)
        let step = 100 / share
        let first = mapping.pageCount * from / 100
        let touched = stride(from: first, to: mapping.pageCount, by: step)
        let touchedCount = first < mapping.pageCount ? (mapping.pageCount - first + step - 1) / step : 0
        mapping.read(touched)
        try mapping.unmapOthers(keeping: touched)
        Output.line("BACKEND READY pid=\(getpid()) guest_pid=\(pid) start=\(Output.hex(line.start)) "
            + "end=\(Output.hex(line.end)) touched_pages=\(touchedCount) first_page=\(first) "
            + "step=\(step)")
        let kept = stride(from: first, to: min(mapping.pageCount, first + keepTouching * step), by: step)
        while true {
            let wait: UInt64 = keepTouching > 0 ? touchInterval : 3_600_000_000_000
            switch signals.wait(nanoseconds: wait) {
            case .exit?: return  // `mapping` unmaps on the way out
            case nil where keepTouching > 0: mapping.read(kept)
            default: continue  // SIGUSR1/SIGUSR2 mean nothing here
            }
        }
    }

    /// `text` as a percentage from `lowest` to 100, written `25%` or `25`.
    static func percent(_ text: String, option: String, lowest: Int) throws -> Int {
        guard let value = Int(text.hasSuffix("%") ? String(text.dropLast()) : text), (lowest...100).contains(value)
        else { throw ValidationError("\(option) \(text) is not a percentage from \(lowest) to 100.") }
        return value
    }

    /// `text`, a whole number of milliseconds (`100ms`) or seconds (`2s`), in nanoseconds.
    static func nanoseconds(_ text: String) throws -> UInt64 {
        let units: [(suffix: String, nanoseconds: UInt64)] = [("ms", 1_000_000), ("s", 1_000_000_000)]
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }),
              let count = UInt64(text.dropLast(unit.suffix.count)), count > 0, count < 3_600_000
        else { throw ValidationError("--touch-interval \(text) is not a whole number of ms or s, e.g. 100ms.") }
        return count * unit.nanoseconds
    }

    /// The whole text of the file at `path` (a /proc file: its size says 0, so read to the end).
    static func readText(_ path: String) throws(GuestSimError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .syscall("open(\(path))", errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .syscall("read(\(path))", errno) }
            if count == 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes += buffer[..<count]
        }
    }
}
