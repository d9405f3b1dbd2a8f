import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// Windows the daemon opens by itself: the guest simulator reads its whole memory on a thread named like QEMU's
/// migration thread (`live_migration`), throttled so that the read spans several scan rounds, with no BeginScan
/// or scan-wrap anywhere.
@Suite(.serialized) struct AutoWindowTests {
    /// Region vm1's status.
    static func region(_ client: VarlinkTestClient) throws -> [String: Any] {
        let reply = try client.call("io.pageoutd.GetRegion", ["name": "vm1"])
        return try #require(reply.parameters["region"] as? [String: Any], "\(reply)")
    }

    @Test func aMigrationThreadOpensAWindowAndWhatItReadGoesBackWhenItEnds() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 29)
        let converged = try ConvergedGuest(["--hot-percent", "20", "--holes-percent", "10", "--scan-rate", "32MiB"],
                                           rate: "2GiB")
        defer { converged.probe.close() }
        let (guest, daemon, probe, client) = (converged.guest, converged.daemon, converged.probe, converged.client)
        let all = 0..<guest.pages
        let coldData = converged.coldData
        let residentBefore = try probe.cacheStat(pages: all).cached
        let refaultsBefore = try #require(try Self.region(client)["refaults"] as? Int)

        // The "migration": 256 MiB at 32 MiB/s, about eight scan rounds, on a thread that ends with it. What it
        // brings in goes back while it runs: resident memory, sampled every 0.1 s, stays near its level before.
        let (scanned, peak) = try converged.migrate(from: residentBefore)
        let during = try Self.region(client)
        #expect(during["auto_windows_opened"] as? Int == 1, "\(during)")
        #expect(during["windows_opened"] as? Int == 0, "BeginScan's count is its own")
        let allowed = residentBefore + guest.pages / 10 + (64 << 20) / RawKernel.pageSize
        print("\(scanned ?? ""): resident \(residentBefore) pages before, at most \(peak) during the read "
              + "(allowed \(allowed): before + 10% of the guest + 64 MiB)")
        #expect(scanned?.hasPrefix("SCANNED thread=live_migration") == true)
        #expect(peak <= allowed, "what the migration read went back while it ran")

        // The thread is gone: the next round ends the window, and its repair puts back what the read brought in.
        let roundsAtEnd = try client.scans()
        let ended = try client.waitForRegion("vm1", "the window ended") {
            $0["migrating"] as? Bool == false && $0["auto_windows_closed"] as? Int == 1
        }
        var rounds = 0
        let residentAfter = try Eventually.value("resident memory back within 5% of before", describe: {
            daemon.stderrText.split(separator: "\n").filter { $0.contains("window") || $0.contains("migration") }
                .suffix(12).joined(separator: "\n")
        }) {
            rounds = try client.scans() - roundsAtEnd
            let resident = try probe.cacheStat(pages: all).cached
            return abs(resident - residentBefore) <= residentBefore / 20 ? resident : nil
        }
        print("window ended (\(ended["auto_windows_closed"] ?? 0) closed); resident \(residentAfter) pages "
              + "\(rounds) scan rounds after the thread ended")
        // The end is seen at the next round; the repair goes out in paced steps between rounds; the count lags one.
        #expect(rounds <= 4, "back within a few scan rounds of the migration's end")
        // The status's peak is what the daemon saw at its looks: between the level before and the bound.
        let reportedPeak = try #require(ended["window_peak_resident"] as? Int) / RawKernel.pageSize
        print("window_peak_resident: \(reportedPeak) pages (cachestat's peak \(peak))")
        #expect(reportedPeak >= residentBefore * 95 / 100 && reportedPeak <= allowed, "\(reportedPeak) pages")
        #expect(ended["windows_open"] as? Int == 0)
        // The hot data pages are spread among holes: count what the whole region has mapped.
        let mapped = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.pages)
            .filter { $0 & (1 << 63) != 0 }.count
        #expect(Double(mapped) >= 0.99 * Double(guest.hotPages), "no hot page paged out: \(mapped) mapped")

        // The migration's reads were not learned as the guest's use.
        try client.waitForRounds(2, after: try client.scans())
        let refaultsAfter = try #require(try Self.region(client)["refaults"] as? Int)
        print("refaults: \(refaultsBefore) before the migration, \(refaultsAfter) after it")
        #expect(refaultsAfter - refaultsBefore < coldData / 100)
        #expect(daemon.stderrText.contains("migration seen: scan window opened"))
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    /// A migration reads the holes of guest RAM (never-written memory) far faster than the rate limit lets pages
    /// go to swap. A filled hole goes back for nothing (MADV_PAGEOUT drops a zero-filled page), so its repair does
    /// not wait for the limit: here the read fills 205 MiB of holes in 2 s, of which 16 MiB could go back at the
    /// limit of 8 MiB/s.
    @Test func holesAMigrationFillsGoBackWithoutWaitingForTheRateLimit() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 28)
        let converged = try ConvergedGuest(["--hot-percent", "10", "--holes-percent", "80", "--scan-rate", "128MiB"],
                                           rate: "8MiB")
        defer { converged.probe.close() }
        let (guest, daemon, probe, client) = (converged.guest, converged.daemon, converged.probe, converged.client)
        let all = 0..<guest.pages
        let before = try probe.cacheStat(pages: all)

        let (scanned, peak) = try converged.migrate(from: before.cached)
        let allowed = before.cached + guest.pages / 10 + (64 << 20) / RawKernel.pageSize
        print("\(scanned ?? ""): resident \(before.cached) pages before, at most \(peak) during the read of "
              + "\(guest.holePages) pages of holes (allowed \(allowed))")
        #expect(peak <= allowed, "the holes the read filled went back while it ran, whatever the rate limit")

        _ = try client.waitForRegion("vm1", "the window ended") { $0["auto_windows_closed"] as? Int == 1 }
        var last = before
        let after = try Eventually.value("resident memory back within 5% of before", interval: 0.2,
                                         describe: { "last: \(last)\n" + daemon.stderrText.suffix(3000) }) {
            let now = try probe.cacheStat(pages: all)
            last = now
            return abs(now.cached - before.cached) <= before.cached / 20 ? now : nil
        }
        // cachestat counts a hole neither cached nor evicted: the holes are holes again, not pages in swap.
        print("in swap: \(before.evicted) pages before the read, \(after.evicted) after the repair")
        #expect(after.evicted <= before.evicted + guest.pages / 100, "the filled holes did not go to swap")
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test func withAutoWindowsOffAMigrationThreadOpensNoWindow() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 28)
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "20",
                                  "--scan-thread", "live_migration", "--scan-rate", "32MiB"])
        let daemon = try DaemonProcess(config: ConvergingConfig.text(pid: guest.pid, memfd: guest.memfd,
                                                                     extra: "auto_windows = false"))
        let cold = guest.hotPages..<guest.pages
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        try Eventually.wait(for: "95% of the cold pages in swap", interval: 0.5) {
            try probe.cacheStat(pages: cold).evicted >= cold.count * 95 / 100
        }
        let client = try VarlinkTestClient(path: daemon.socketPath)
        #expect(Glibc.kill(guest.pid, SIGUSR1) == 0)
        _ = try guest.output.line(startingWith: "SCANNED thread=live_migration", timeout: 120)
        try client.waitForRounds(2, after: try client.scans())
        let region = try Self.region(client)
        #expect(region["auto_windows_opened"] as? Int == 0, "\(region)")
        #expect(region["migrating"] as? Bool == false)
        let mapped = try RawKernel.pagemap(pid: guest.pid, start: guest.start + UInt64(cold.lowerBound
            * RawKernel.pageSize), pages: cold.count).filter { $0 & (1 << 63) != 0 }.count
        print("auto_windows off: \(mapped) of \(cold.count) cold pages mapped after the read")
        #expect(mapped > cold.count / 2, "the read is taken for the guest's use, as before this feature")
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}

/// A 256 MiB guest simulator that reads its memory on a thread named `live_migration` on SIGUSR1, watched by a
/// daemon at `max_pageout_rate` `rate` until 95% of its cold data pages are in swap, and one round more.
private struct ConvergedGuest {
    let guest: GuestSim
    let daemon: DaemonProcess
    /// cachestat of the guest's memfd; closed by the test.
    let probe: MemfdProbe
    let client: VarlinkTestClient
    /// Pages neither holes nor hot.
    let coldData: Int

    init(_ options: [String], rate: String) throws {
        guest = try GuestSim(["--size", "256MiB", "--scan-thread", "live_migration"] + options)
        daemon = try DaemonProcess(config: ConvergingConfig.text(pid: guest.pid, memfd: guest.memfd,
                                                                 extra: "max_pageout_rate = \"\(rate)\""))
        probe = try MemfdProbe(path: guest.mapFilesPath)
        let (all, coldData) = (0..<guest.pages, guest.pages - guest.holePages - guest.hotPages)
        self.coldData = coldData
        try Eventually.wait(for: "95% of the cold data pages in swap", interval: 0.5) { [probe] in
            try probe.cacheStat(pages: all).evicted >= coldData * 95 / 100
        }
        client = try VarlinkTestClient(path: daemon.socketPath)
        try client.waitForRounds(1, after: try client.scans())
    }

    /// Starts the "migration" (SIGUSR1) and samples the resident pages every 0.1 s until the guest prints its
    /// SCANNED line: that line and the most pages seen resident (at least `resident`, the level before).
    func migrate(from resident: Int) throws -> (scanned: String?, peak: Int) {
        #expect(Glibc.kill(guest.pid, SIGUSR1) == 0)
        var peak = resident
        var scanned: String?
        while scanned == nil {
            if let line = try guest.output.nextLine(timeout: 0.1), line.hasPrefix("SCANNED") { scanned = line }
            peak = max(peak, try probe.cacheStat(pages: 0..<guest.pages).cached)
        }
        return (scanned, peak)
    }
}
