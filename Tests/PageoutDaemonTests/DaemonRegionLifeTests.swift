import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// Regions that end or fill up: a VMM killed mid-pageout, a region at its max_swapped_percent.
@Suite struct DaemonRegionLifeTests {
    @Test func aVMMKilledWhileBeingPagedOutBecomesGoneAndTheDaemonCarriesOn() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        let guest = try GuestSim(["--size", "1GiB", "--hot-percent", "0"])
        let other = try GuestSim(["--size", "32MiB", "--hot-percent", "0", "--name", "other"])
        let notify = try NotifyListener()
        let config = """
            [daemon]
            scan_interval = "500ms"
            [policy]
            cold_age = "1s"
            probe_budget = "1GiB"
            max_pageout_rate = "4GiB"
            [[region]]
            name = "doomed"
            pid = \(guest.pid)
            memfd = "\(guest.memfd)"
            [[region]]
            name = "other"
            pid = \(other.pid)
            memfd = "\(other.memfd)"
            """
        let daemon = try DaemonProcess(config: config, environment: ["NOTIFY_SOCKET": notify.path])
        // Kill the VMM as soon as pageout has begun (the first full pageouts of its blocks are under way).
        try notify.wait(for: "pageout under way", timeout: 30) { text in
            guard let range = text.range(of: "MiB swapped, ") else { return false }
            return !text[range.upperBound...].hasPrefix("0 MiB paged out")
        }
        guest.stop(signal: SIGKILL)
        let killedAt = notify.messages.count
        try notify.wait(for: "a STATUS with the region gone", after: killedAt, timeout: 10) {
            $0.contains("2 regions (1 active)")
        }
        Thread.sleep(forTimeInterval: 3)  // six more rounds: nothing about the gone region may repeat
        let log = daemon.stderrText
        #expect(log.components(separatedBy: "region gone").count - 1 == 1, "logged once:\n\(log)")
        #expect(!log.contains("retrying every scan"), "no error repeats:\n\(log)")
        #expect(daemon.process.isRunning)
        // The other region goes on being paged out.
        let probe = try MemfdProbe(path: other.mapFilesPath)
        defer { probe.close() }
        #expect(try probe.cacheStat(pages: 0..<other.pages).evicted > other.pages / 2)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test func aRegionStopsAtItsMaxSwappedPercent() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "256MiB", "--hot-percent", "0"])
        let config = """
            [daemon]
            scan_interval = "500ms"
            [policy]
            cold_age = "1s"
            probe_budget = "256MiB"
            [[region]]
            name = "capped"
            pid = \(guest.pid)
            memfd = "\(guest.memfd)"
            [region.policy]
            max_swapped_percent = "50%"
            """
        let daemon = try DaemonProcess(config: config)
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        var shares: [Double] = []
        for _ in 0..<20 {
            Thread.sleep(forTimeInterval: 0.5)
            shares.append(Double(try probe.cacheStat(pages: 0..<guest.pages).evicted) / Double(guest.pages))
        }
        print("swapped share over 10 s: \(shares.map { String(format: "%.3f", $0) })")
        #expect(abs(shares.last! - 0.5) <= 0.02, "settles at 50% ± 2%")
        #expect(shares.allSatisfy { $0 <= 0.52 }, "never beyond the cap")
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}
