import Foundation
import Glibc
import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// Scanning never faults a page in: 100 snapshots of a half-swapped region leave it half swapped, and the
/// scanning process (its own process, so other tests' memory does not count) does not grow.
@Suite struct ScanStabilityTests {
    @Test func hundredSnapshotsFaultNothingIn() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "256MiB", "--hot-percent", "0", "--holes-percent", "10"])
        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        let initial = try SnapshotScanner(region: region).snapshot()
        RawKernel.drainLRUBatches()
        try region.pageOutMapped(initial.mapped.runs(in: 0..<(guest.pages / 2)))
        let evicted = try region.cacheStat().evicted
        #expect(evicted > UInt64(guest.pages / 3))

        let loop = Process()
        loop.executableURL = BuildProducts.url(of: "pageout-bench")
        loop.arguments = ["scan-loop", "--pid", "\(guest.pid)", "--memfd", guest.memfd, "--snapshots", "100"]
        let pipe = Pipe()
        loop.standardOutput = pipe
        try loop.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        loop.waitUntilExit()
        #expect(loop.terminationStatus == 0, "scan-loop failed: \(output)")
        let line = output.trimmingCharacters(in: .whitespacesAndNewlines)
        let number = { (key: String) in try GuestSim.number(key, of: line) }
        #expect(try number("swapped_first") == Int(evicted))
        #expect(try number("swapped_min") == Int(evicted) && number("swapped_max") == Int(evicted), "\(output)")
        // scan-loop prints -1 for an RSS it could not read: a difference of two such would pass.
        #expect(try number("rss_before_kib") > 0 && number("rss_after_kib") > 0, "\(output)")
        #expect(try number("rss_after_kib") - number("rss_before_kib") < 1024, "\(output)")
        #expect(try region.cacheStat().evicted == evicted, "the kernel's own count did not move either")
    }
}
