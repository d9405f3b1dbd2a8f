import ArgumentParser
import Foundation
import PageoutCore
import PageoutLinux

/// `pageout-bench scan-loop`: many snapshots of a live region; shows that scanning faults nothing in.
struct ScanLoop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan-loop",
        abstract: "Takes many snapshots of a region and prints the swapped count and this process's RSS around them.")

    @Option(help: "The VMM's pid.")
    var pid: Int32

    @Option(help: "The memfd name of the region.")
    var memfd: String

    @Option(help: "How many snapshots to take.")
    var snapshots: Int = 100

    mutating func run() throws {
        let region = try ShmemRegion(process: ProcessHandle(pid: pid), source: .memfd(memfd))
        let scanner = SnapshotScanner(region: region)
        let first = try scanner.snapshot()
        let rssBefore = Self.residentKiB()
        var swapped: [Int] = []
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<snapshots { swapped.append(try scanner.snapshot().counts.swapped) }
        }
        let rssAfter = Self.residentKiB()
        let total = milliseconds(elapsed)
        print("snapshots=\(snapshots) swapped_first=\(first.counts.swapped) swapped_min=\(swapped.min() ?? -1) "
              + "swapped_max=\(swapped.max() ?? -1) rss_before_kib=\(rssBefore) rss_after_kib=\(rssAfter) "
              + "mean_ms=\(formatted(total / Double(max(snapshots, 1))))")
    }

    /// VmRSS of process `pid` (this process by default), from /proc/PID/status; -1 when it cannot be read.
    /// `field` "RssAnon:" gives its private memory alone (RSS less the program's code and libraries).
    static func residentKiB(pid: Int32? = nil, field: String = "VmRSS:") -> Int {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? -1
        }
        return -1
    }
}
