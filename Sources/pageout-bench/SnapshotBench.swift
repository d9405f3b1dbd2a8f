import ArgumentParser
import Glibc
import PageoutCore
import PageoutLinux

/// `pageout-bench snapshot`: the cost of a correct PageSnapshot against a raw pread of the same pagemap range.
struct SnapshotBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Median time of a PageSnapshot vs. a raw pread of the same pagemap range, and their ratio.")

    @Option(help: "Size of the simulated guest RAM (e.g. 1GiB, 4GiB).")
    var size: String = "1GiB"

    @Option(help: "Percentage of the pages to page out before measuring (spread over the region).")
    var swappedPercent: Int = 50

    @Option(help: "Measured runs of each method (the median is reported).")
    var runs: Int = 21

    mutating func run() throws {
        guard let bytes = parseSize(size), bytes > 0 else { throw ValidationError("bad --size \(size)") }
        guard (0...100).contains(swappedPercent) else { throw ValidationError("--swapped-percent is 0...100") }
        let guest = try GuestProcess(arguments: ["--size", "\(bytes)", "--hot-percent", "0"])
        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        let layout = region.layout
        // Page out the first swappedPercent of every 64-page group: swapped and mapped runs alternate.
        var chosen: [Range<Int>] = []
        let perGroup = 64 * swappedPercent / 100
        for group in stride(from: 0, to: layout.pageCount, by: 64) where perGroup > 0 {
            chosen.append(group..<min(group + perGroup, layout.pageCount))
        }
        try region.pageOutMapped(chosen)
        let expected = chosen.reduce(0) { $0 + $1.count }

        let entries = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: layout.pageCount)
        defer { entries.deallocate() }
        let start = layout.segments[0].addresses.start
        let pagemapFD = open("/proc/\(guest.pid)/pagemap", O_RDONLY | O_CLOEXEC)
        guard pagemapFD >= 0 else { throw BenchError("cannot open /proc/\(guest.pid)/pagemap") }
        defer { close(pagemapFD) }
        let rawBytes = layout.pageCount * 8
        let baseline = try medianMilliseconds(runs: runs) {
            let got = pread(pagemapFD, entries.baseAddress, rawBytes, off_t(start / UInt64(layout.pageSize) * 8))
            guard got == rawBytes else { throw BenchError("short pagemap read \(got)") }
        }
        print("pagemap pread (baseline): \(formatted(baseline)) ms for \(layout.pageCount) pages")
        for method in PagemapMethod.allCases {
            for pageByPage in [false, true] {
                let scanner = SnapshotScanner(region: region, method: method)
                scanner.alwaysPageByPage = pageByPage
                var last: PageSnapshot?
                let median = try medianMilliseconds(runs: runs) { last = try scanner.snapshot() }
                let name = "\(method.rawValue), \(scanner.lastPaths.first?.rawValue ?? "-")"
                guard let counts = last?.counts, counts.swapped == expected,
                      counts.mapped == layout.pageCount - expected
                else {
                    let got = String(describing: last?.counts)
                    throw BenchError("snapshot (\(name)) is wrong: \(got), expected swapped=\(expected)")
                }
                print("snapshot (\(name)): \(formatted(median)) ms, ratio to baseline \(formatted(median / baseline))")
            }
        }
    }
}
