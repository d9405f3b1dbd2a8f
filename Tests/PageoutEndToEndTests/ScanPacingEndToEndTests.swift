import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// What a round costs grows with what changes: a converged, quiet region is scanned every few rounds, not every
/// round; a backup's read of it is still repaired at once; `max_cpu` holds scans back. Counted in the daemon's
/// rounds and in the kernel's page states, so a loaded machine, which stretches rounds, changes no verdict.
@Suite struct ScanPacingEndToEndTests {
    static func config(_ guest: GuestSim, daemonExtra: String = "") -> String {
        """
        [daemon]
        scan_interval = "250ms"
        \(daemonExtra)

        [policy]
        cold_age = "2s"

        [[region]]
        name = "vm1"
        pid = \(guest.pid)
        memfd = "\(guest.memfd)"
        """
    }

    static func converge(_ probe: MemfdProbe, _ cold: Range<Int>, what: String = "95% of the cold pages in swap")
        throws {
        try Eventually.wait(for: what, timeout: 120, interval: 0.25) {
            Double(try probe.cacheStat(pages: cold).evicted) >= 0.95 * Double(cold.count)
        }
    }

    @Test func aQuietRegionIsScannedEveryFewRoundsAndABackupsReadStillWakesItAtOnce() throws {
        let quiet = try QuietRegion()
        let (guest, daemon, client, cold, probe) = (quiet.guest, quiet.daemon, quiet.client, quiet.cold, quiet.probe)
        defer { probe.close() }
        // Converged and quiet: the region's scans stretch to 8 rounds apart.
        let (scans, rounds) = try quiet.scansOver24Rounds()
        let region = try client.region("vm1")
        print("quiet: \(scans) scans of the region in \(rounds) rounds; skipped \(region["scans_skipped"] ?? "-")")
        #expect(scans <= rounds / 4, "a scan every few rounds, not every round")
        #expect(Double(try probe.cacheStat(pages: cold).evicted) >= 0.95 * Double(cold.count),
                "nothing was lost meanwhile")
        // Converged, its classes in long runs: the page state costs a fraction of the 13 bits a page of plain
        // bitmaps (104 KiB for 256 MiB, plus 5 KiB of blocks).
        let stateBytes = try #require(region["state_bytes"] as? Int)
        let size = try #require(region["size"] as? Int)
        print("page state of a converged \(size >> 20) MiB region: \(stateBytes) bytes")
        #expect(stateBytes > 0 && stateBytes <= size / 5_000, "at most 0.02% of the region")

        // A backup reads the whole guest: the look at the next round sees the file's swapped pages come back.
        try RawKernel.readThroughMapping(guest.mapFilesPath, pages: 0..<guest.pages)
        let roundsAtRead = try client.scans()
        #expect(try probe.cacheStat(pages: cold).evicted < cold.count / 2, "the read brought the cold set back")
        var repairRounds = 0
        try Eventually.wait(for: "95% of the cold set back in swap", interval: 0.02) {
            repairRounds = try client.scans() - roundsAtRead
            return Double(try probe.cacheStat(pages: cold).evicted) >= 0.95 * Double(cold.count)
        }
        print("a quiet region's backup read repaired after \(repairRounds) rounds (its stretch: 8)")
        #expect(repairRounds <= AutoRepairTests.roundsToRepair, "as soon as a region scanned every round")
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test func aWindowAloneDoesNotWakeAQuietRegionButItsScannersReadDoes() throws {
        let quiet = try QuietRegion()
        let (guest, daemon, client, cold, probe) = (quiet.guest, quiet.daemon, quiet.client, quiet.cold, quiet.probe)
        defer { probe.close() }
        // A scanner announces itself and reads nothing yet: nothing changes, so the region stays quiet.
        let began = try client.call("io.pageoutd.BeginScan", ["name": "vm1"])
        let token = try #require(began.parameters["token"] as? String, "BeginScan: \(began)")
        let (scans, rounds) = try quiet.scansOver24Rounds()
        print("window open, nothing read: \(scans) scans of the region in \(rounds) rounds")
        #expect(scans <= rounds / 4, "an open window alone does not wake the region")

        // It reads the whole guest inside the VMM (SIGUSR1: the guest maps every page, as a migration does). The
        // read moves the region's swapped bytes: the round after scans it, and the window's peak shows it.
        #expect(Glibc.kill(guest.pid, SIGUSR1) == 0)
        _ = try guest.output.line(startingWith: "SCANNED", timeout: 120)
        let roundsAtRead = try client.scans()
        let coldBytes = cold.count * RawKernel.pageSize
        let region = try client.waitForRegion("vm1", "the window's peak shows the read") {
            ($0["window_peak_resident"] as? Int ?? 0) >= coldBytes * 9 / 10
        }
        let roundsToPeak = try client.scans() - roundsAtRead
        print("the read seen after \(roundsToPeak) rounds: peak \(region["window_peak_resident"] ?? "-") bytes")
        #expect(roundsToPeak <= AutoRepairTests.roundsToRepair, "seen within two rounds, not at the stretched scan")
        #expect(try probe.cacheStat(pages: cold).evicted < cold.count / 10, "the rounds leave the window's cold set")
        #expect(try client.region("vm1")["windows_open"] as? Int == 1)

        let ended = try client.call("io.pageoutd.EndScan", ["token": token])
        #expect(ended.errorName == nil, "EndScan: \(ended)")
        try Self.converge(probe, cold, what: "EndScan put 95% of the cold pages back in swap")
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    /// Until a region's first cold_age passes nothing in it changes, so its scans stretch; cold_age passing is no
    /// change a look sees, so the stretch must end there: the pageout starts at the round cold_age passes, not up
    /// to 8 rounds later. Counted in rounds (a loaded machine makes fewer rounds, never more) against the kernel's
    /// page states.
    @Test func aQuietRegionsFirstColdAgeEndsItsStretch() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        let guest = try GuestSim(["--size", "128MiB", "--hot-percent", "20"])
        let daemon = try DaemonProcess(config: Self.config(guest).replacingOccurrences(of: #"cold_age = "2s""#,
                                                                                    with: #"cold_age = "6s""#))
        let client = try VarlinkTestClient(path: daemon.socketPath)
        let cold = guest.hotPages..<guest.pages
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        try client.waitForRegion("vm1", "stretched before cold_age") { ($0["scan_stretch"] as? Int ?? 0) >= 4 }
        let rounds = try Eventually.value("the first pages in swap", timeout: 120, interval: 0.02) { () -> Int? in
            let rounds = try client.scans()
            return try probe.cacheStat(pages: cold).evicted > 0 ? rounds : nil
        }
        // 6 s is 24 rounds of 250 ms; the rounds from the start to the first pageout: the 24, the first, one
        // more for the round that saw the swap (this poll read the count first), one for a late round.
        print("first pageout after \(rounds) rounds (cold_age: 24)")
        #expect(rounds <= 27, "the round cold_age passed, not the stretched scan (up to 8 rounds later)")
        try Self.converge(probe, cold)
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test func maxCPUHoldsScansBackAndTheRegionStillConverges() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        let guest = try GuestSim(["--size", "128MiB", "--hot-percent", "20"])
        let daemon = try DaemonProcess(config: Self.config(guest, daemonExtra: #"max_cpu = "0.2%""#))
        let client = try VarlinkTestClient(path: daemon.socketPath)
        let cold = guest.hotPages..<guest.pages
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        // 2 ms of scanning a second: this debug build's scans of 128 MiB take more, so rounds pass them by.
        let status = try Eventually.value("scans deferred", timeout: 120, interval: 0.25) { () -> [String: Any]? in
            let status = try client.call("io.pageoutd.GetStatus").parameters["status"] as? [String: Any]
            return (status?["scans_deferred"] as? Int ?? 0) >= 8 ? status : nil
        }
        let rounds = try #require(status["scans"] as? Int)
        let regionScans = try #require(try client.region("vm1")["scans"] as? Int)
        print("max_cpu 0.2%: \(regionScans) scans of the region in \(rounds) rounds, "
              + "\(status["scans_deferred"] ?? "-") deferred, scan_cpu \(status["scan_cpu"] ?? "-")% "
              + "(max_cpu \(status["max_cpu"] ?? "-")%)")
        #expect(regionScans < rounds, "rounds went by without scanning the region")
        #expect((status["max_cpu"] as? Double) == 0.2)
        try Self.converge(probe, cold, what: "95% of the cold pages in swap, scans held back")
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}

/// A guest whose region converged and went quiet under a daemon scanning every 250 ms: its scans stretched to 8
/// rounds apart. The test closes `probe`.
private final class QuietRegion {
    let guest: GuestSim
    let daemon: DaemonProcess
    let client: VarlinkTestClient
    let cold: Range<Int>
    let probe: MemfdProbe

    init() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        guest = try GuestSim(["--size", "256MiB", "--hot-percent", "20"])
        daemon = try DaemonProcess(config: ScanPacingEndToEndTests.config(guest))
        client = try VarlinkTestClient(path: daemon.socketPath)
        cold = guest.hotPages..<guest.pages
        probe = try MemfdProbe(path: guest.mapFilesPath)
        try ScanPacingEndToEndTests.converge(probe, cold)
        try client.waitForRegion("vm1", "scan_stretch 8") { ($0["scan_stretch"] as? Int) == 8 }
    }

    /// The region's scans over the next 24 rounds (or more), and the rounds counted.
    func scansOver24Rounds() throws -> (scans: Int, rounds: Int) {
        let rounds = try client.scans()
        let scans = try #require(try client.region("vm1")["scans"] as? Int)
        let roundsLater = try client.waitForRounds(24, after: rounds)
        let scansLater = try #require(try client.region("vm1")["scans"] as? Int)
        return (scansLater - scans, roundsLater - rounds)
    }
}
