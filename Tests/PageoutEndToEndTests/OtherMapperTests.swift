import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// A second mapper of the guest's memfd (a vhost-user backend): the kernel will not page out the pages it maps,
/// the daemon holds them instead of reading them as refaults, pages out the rest, and says who holds what.
@Suite struct OtherMapperTests {
    /// The cold pages (`cold`) the backend does not map, as runs.
    static func runs(of cold: Range<Int>, without backend: Set<Int>) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        for page in cold {
            if backend.contains(page) {
                if let open = start { runs.append(open..<page) }
                start = nil
            } else if start == nil {
                start = page
            }
        }
        if let open = start { runs.append(open..<cold.upperBound) }
        return runs
    }

    /// The pages of `runs` in swap, by cachestat.
    static func evicted(_ runs: [Range<Int>], probe: MemfdProbe) throws -> Int {
        try runs.reduce(0) { $0 + (try probe.cacheStat(pages: $1).evicted) }
    }

    @Test func aBackendsPagesAreHeldAndTheRestOfTheColdMemoryGoesOut() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        let guest = try GuestSim(["--size", "256MiB", "--hot-percent", "10"])
        // Like a vhost-user backend with its I/O buffers: every 4th page of the cold part read once, then idle.
        let backend = try GuestBackend(of: guest, ["--share", "25%", "--from", "10%"])
        let backendPages = Set(backend.pages)
        let daemon = try DaemonProcess(config: ConvergingConfig.text(pid: guest.pid, memfd: guest.memfd))
        let started = Date()
        let client = try VarlinkTestClient(path: daemon.socketPath)
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        let cold = guest.hotPages..<guest.pages
        let untouched = Self.runs(of: cold, without: backendPages)
        let untouchedCount = untouched.reduce(0) { $0 + $1.count }

        try Eventually.wait(for: "95% of the cold pages no backend maps in swap", timeout: 180, interval: 0.5) {
            Double(try Self.evicted(untouched, probe: probe)) >= 0.95 * Double(untouchedCount)
        }
        print("95% of \(untouchedCount) cold pages no backend maps in swap after "
              + String(format: "%.1f s", Date().timeIntervalSince(started)) + " (cold_age 3 s)")
        let backendBytes = backend.touchedPages * RawKernel.pageSize
        let region = try client.waitForRegion("vm1", "the backend's pages held and its pid named") { region in
            let held = region["held_by_other_mappers"] as? Int ?? 0
            let pids = (region["other_mappers"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int }
            return held >= backendBytes * 95 / 100 && pids == [Int(backend.pid)]
        }
        print("status: held_by_other_mappers \(region["held_by_other_mappers"] ?? "-") bytes for \(backendBytes) "
              + "the backend maps; refaults \(region["refaults"] ?? "-"); other_mappers \(region["other_mappers"] ?? "-")")
        #expect(region["held_by_other_mappers"] as? Int ?? 0 <= backendBytes * 105 / 100)
        // The refaults counted are the probes of the contiguous hot set (one page in 16 of it, about), none of
        // the backend's pages, which stay mapped after every pageout that covers them.
        let refaults = region["refaults"] as? Int ?? .max
        #expect(refaults <= guest.hotPages / 8, "no refault counted for the \(backend.touchedPages) backend pages")
        let backendResident = try backend.pages.filter { try probe.cacheStat(pages: $0..<($0 + 1)).evicted == 0 }
        #expect(backendResident.count == backend.touchedPages, "the kernel kept every page the backend maps")
        let log = try String(contentsOfFile: daemon.stderrPath, encoding: .utf8)
        let lines = log.split(separator: "\n").filter { $0.contains("other processes map the region's memory") }
        #expect(lines.count == 1 && lines.first?.contains("pid \(backend.pid)") == true, "logged once: \(lines)")

        // The backend exits: its pages are the VMM's alone, and cold: out within two scan rounds.
        let roundsAtExit = try client.scans()
        #expect(backend.stop() == 0)
        var rounds = 0
        try Eventually.wait(for: "the backend's former pages in swap", timeout: 60, interval: 0.2) {
            rounds = try client.scans() - roundsAtExit
            let out = try backend.pages.reduce(0) { $0 + (try probe.cacheStat(pages: $1..<($1 + 1)).evicted) }
            return Double(out) >= 0.95 * Double(backend.touchedPages)
        }
        print("the backend's pages in swap \(rounds) scan rounds after it exited")
        #expect(rounds <= 3, "within two scan rounds of the exit (one more: the count is read before the pages)")
        try client.waitForRegion("vm1", "nothing held and no other mapper named once the backend is gone") {
            $0["held_by_other_mappers"] as? Int == 0 && ($0["other_mappers"] as? [Any])?.isEmpty == true
        }
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}

/// A backend that starts after the guest converged reads pages back from swap and keeps them mapped: the daemon
/// must not try to repair them every scan.
@Suite struct LateOtherMapperTests {
    @Test func pagesABackendReadsBackFromSwapAreHeldNotRepairedEveryScan() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        let guest = try GuestSim(["--size", "128MiB", "--hot-percent", "10"])
        let daemon = try DaemonProcess(config: ConvergingConfig.text(pid: guest.pid, memfd: guest.memfd))
        let client = try VarlinkTestClient(path: daemon.socketPath)
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        let cold = guest.hotPages..<guest.pages
        try Eventually.wait(for: "95% of the cold set in swap", timeout: 180, interval: 0.5) {
            Double(try probe.cacheStat(pages: cold).evicted) >= 0.95 * Double(cold.count)
        }

        // The backend reads every 4th cold page back from swap and keeps re-reading 16 of them.
        let backend = try GuestBackend(of: guest, ["--share", "25%", "--from", "10%", "--keep-touching", "16"])
        let backendBytes = backend.touchedPages * RawKernel.pageSize
        let held = try client.waitForRegion("vm1", "the backend's pages held") { region in
            (region["held_by_other_mappers"] as? Int ?? 0) >= backendBytes * 95 / 100
        }
        print("held_by_other_mappers \(held["held_by_other_mappers"] ?? "-") bytes for the backend's \(backendBytes); "
              + "repaired \(held["repaired"] ?? "-") bytes")
        let repairedAtHold = held["repaired"] as? Int ?? 0
        let rounds = try client.scans()
        try client.waitForRounds(5, after: rounds)
        let later = try client.region("vm1")
        #expect(later["repaired"] as? Int == repairedAtHold, "no repair of the backend's pages scan after scan")
        #expect((later["held_by_other_mappers"] as? Int ?? 0) >= backendBytes * 95 / 100)
        let resident = try backend.pages.filter { try probe.cacheStat(pages: $0..<($0 + 1)).evicted == 0 }.count
        #expect(resident == backend.touchedPages, "the backend's pages stay resident: the kernel keeps them")
        let others = OtherMapperTests.runs(of: cold, without: Set(backend.pages))
        let othersOut = try OtherMapperTests.evicted(others, probe: probe)
        #expect(Double(othersOut) >= 0.95 * Double(others.reduce(0) { $0 + $1.count }), "the rest stays in swap")
        #expect(try ProcText.statusKiB(pid: daemon.pid, field: "RssShmem") <= 8192, "the daemon maps none of them")
        #expect(backend.stop() == 0)
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}
