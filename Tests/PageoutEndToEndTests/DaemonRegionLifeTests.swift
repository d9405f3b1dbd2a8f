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
        try notify.wait(for: "pageout under way", timeout: 60) { text in
            guard let range = text.range(of: "MiB swapped, ") else { return false }
            return !text[range.upperBound...].hasPrefix("0 MiB paged out")
        }
        guest.stop(signal: SIGKILL)
        let killedAt = notify.messages.count
        try notify.wait(for: "a STATUS with the region gone", after: killedAt, timeout: 60) {
            $0.contains("2 regions (1 active)")
        }
        let client = try VarlinkTestClient(path: daemon.socketPath)
        try client.waitForRounds(6, after: try client.scans())  // nothing about the gone region may repeat
        let log = daemon.stderrText
        #expect(log.components(separatedBy: "region gone").count - 1 == 1, "logged once:\n\(log)")
        #expect(!log.contains("retrying every scan"), "no error repeats:\n\(log)")
        #expect(daemon.process.isRunning)
        // The other region goes on being paged out.
        let probe = try MemfdProbe(path: other.mapFilesPath)
        defer { probe.close() }
        try Eventually.wait(for: "half the other region in swap", interval: 0.2) {
            try probe.cacheStat(pages: 0..<other.pages).evicted > other.pages / 2
        }
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
        // Sampled until it reaches the cap, then over six more rounds: it settles there and never goes beyond.
        var shares: [Double] = []
        let sample = {
            let share = Double(try probe.cacheStat(pages: 0..<guest.pages).evicted) / Double(guest.pages)
            shares.append(share)
            return share
        }
        try Eventually.wait(for: "48% of the region in swap", interval: 0.1) { try sample() >= 0.48 }
        let client = try VarlinkTestClient(path: daemon.socketPath)
        let from = try client.scans()
        try Eventually.wait(for: "six more rounds", interval: 0.1) {
            _ = try sample()
            return try client.scans() >= from + 6
        }
        print("swapped share: \(shares.count) samples, last \(shares.suffix(5).map { String(format: "%.3f", $0) })")
        #expect(abs(shares.last! - 0.5) <= 0.02, "settles at 50% ± 2%")
        #expect(shares.allSatisfy { $0 <= 0.52 }, "never beyond the cap")
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}
