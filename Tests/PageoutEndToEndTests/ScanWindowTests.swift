import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// Scan windows against the real kernel: a scanner reads the whole guest inside BeginScan/EndScan, and the cold set
/// goes back into swap when it is done.
@Suite(.serialized) struct ScanWindowTests {
    /// A converging daemon on `guest`: 1 s scans, a rate limit that lets a whole repair go out at once.
    static func daemon(for guest: GuestSim) throws -> DaemonProcess {
        try DaemonProcess(config: ConvergingConfig.text(pid: guest.pid, memfd: guest.memfd,
                                                                extra: "max_pageout_rate = \"2GiB\""))
    }

    /// Waits until `pages` of the memfd hold at least `target` pages in swap; returns the count.
    @discardableResult
    static func converge(_ probe: MemfdProbe, pages: Range<Int>, target: Int) throws -> Int {
        try Eventually.value("\(target) pages of \(pages) in swap", interval: 0.5) {
            let swapped = try probe.cacheStat(pages: pages).evicted
            return swapped >= target ? swapped : nil
        }
    }

    /// Starts `pageoutctl --socket SOCKET arguments…`, its stdout and stderr kept in files of `directory`.
    static func pageoutctl(_ arguments: [String], socket: String) throws -> (Process, stderr: URL) {
        let process = Process()
        process.executableURL = BuildProducts.url(of: "pageoutctl")
        process.arguments = ["--socket", socket] + arguments
        let stderr = FileManager.default.temporaryDirectory.appendingPathComponent("pageoutctl-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderr)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, stderr)
    }

    /// A varlink call that must succeed; its parameters.
    static func call(_ client: VarlinkTestClient, _ method: String, _ parameters: [String: Any],
                     timeout: Double = 30) throws -> [String: Any] {
        let reply = try client.call("io.pageoutd.\(method)", parameters, timeout: timeout)
        guard reply.errorName == nil else { throw TestFailure("\(method): \(reply)") }
        return reply.parameters
    }

    /// Region vm1's refault count, from its status.
    static func refaults(_ client: VarlinkTestClient) throws -> Int {
        let region = try Self.call(client, "GetRegion", ["name": "vm1"])["region"] as? [String: Any]
        return try #require(region?["refaults"] as? Int)
    }

    @Test func anInVMMScanInsideScanWrapIsUndoneWithinOneScanRound() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        let guest = try GuestSim(["--size", "512MiB", "--hot-percent", "20"])
        let daemon = try Self.daemon(for: guest)
        let cold = guest.hotPages..<guest.pages
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        let swappedBefore = try Self.converge(probe, pages: cold, target: cold.count * 95 / 100)

        // The wrapped command starts the guest's own full read (as QEMU's migration thread would), then waits
        // until the test saw SCANNED, and exits 7 to show the status comes through.
        let flag = FileManager.default.temporaryDirectory.appendingPathComponent("scanned-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: flag) }
        let script = "kill -USR1 \(guest.pid); while [ ! -e '\(flag.path)' ]; do sleep 0.05; done; exit 7"
        let (wrap, stderr) = try Self.pageoutctl(["scan-wrap", "vm1", "--", "sh", "-c", script],
                                                 socket: daemon.socketPath)
        _ = try guest.output.line(startingWith: "SCANNED", timeout: 120)
        let scanned = try probe.cacheStat(pages: cold)
        print("in-VMM scan: \(scanned.evicted) of \(swappedBefore) cold pages still in swap after the read")
        #expect(scanned.evicted < swappedBefore / 2, "the read brought the cold set back")
        _ = FileManager.default.createFile(atPath: flag.path, contents: nil)
        wrap.waitUntilExit()
        let wrapLog = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        print("scan-wrap: \(wrapLog.trimmingCharacters(in: .whitespacesAndNewlines))")
        #expect(wrap.terminationStatus == 7, "scan-wrap exits with the command's status")
        #expect(wrapLog.contains("cold set"), "EndScan's counts on stderr")

        // EndScan paged out what the rate budget allowed; the next round the rest. Counted in rounds (one, and
        // one more because the count is read before the cachestat that shows the repair), not seconds.
        let client = try VarlinkTestClient(path: daemon.socketPath)
        let roundsAtEnd = try client.scans()
        var rounds = 0
        let repaired = try Eventually.value("95% of the cold set back in swap after EndScan") {
            rounds = try client.scans() - roundsAtEnd
            let evicted = try probe.cacheStat(pages: cold).evicted
            return Double(evicted) >= 0.95 * Double(swappedBefore) ? evicted : nil
        }
        print("\(rounds) scan rounds after EndScan: \(repaired) of \(swappedBefore) back in swap")
        #expect(rounds <= 2, "back in swap within one scan round after EndScan")
        let hot = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.hotPages)
        #expect(Double(hot.filter { $0 & (1 << 63) != 0 }.count) >= 0.99 * Double(guest.hotPages),
                "no hot page paged out")

        // The same scan without a window: the guest maps its whole cold set again and, having just touched it,
        // it is hot to the daemon for a cold_age; what the window spared the host is that resident cold set.
        try client.waitForRounds(2, after: try client.scans())
        let quiet = try probe.cacheStat(pages: cold)
        #expect(Glibc.kill(guest.pid, SIGUSR1) == 0)
        _ = try guest.output.line(startingWith: "SCANNED", timeout: 120)
        let skewed = try probe.cacheStat(pages: cold)
        let coldStart = guest.start + UInt64(cold.lowerBound * RawKernel.pageSize)
        let mapped = try RawKernel.pagemap(pid: guest.pid, start: coldStart, pages: cold.count)
            .filter { $0 & (1 << 63) != 0 }.count
        print("without a window: \(skewed.cached) of \(cold.count) cold pages resident and \(mapped) mapped right "
              + "after the scan (\(quiet.cached) resident before it; with the window: \(cold.count - repaired))")
        #expect(skewed.evicted < quiet.evicted / 2, "the windowless scan brought the cold set back")
        #expect(Double(mapped) >= 0.9 * Double(quiet.evicted), "and the guest maps it: the daemon must wait cold_age")
        #expect(cold.count - repaired <= skewed.cached / 4, "the window left a quarter of that resident at most")
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test func theWindowsCountsOverVarlinkMatchCachestat() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        let guest = try GuestSim(["--size", "512MiB", "--hot-percent", "20"])
        let daemon = try Self.daemon(for: guest)
        let all = 0..<guest.pages
        let cold = guest.hotPages..<guest.pages
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        try Self.converge(probe, pages: cold, target: cold.count * 95 / 100)
        let client = try VarlinkTestClient(path: daemon.socketPath)
        let refaultsBefore = try Self.refaults(client)

        let begun = try Self.call(client, "BeginScan", ["name": "vm1"])
        let atBegin = try probe.cacheStat(pages: all).evicted
        let token = try #require(begun["token"] as? String)
        let coldPages = try #require(begun["cold_pages"] as? Int)
        #expect(token.count == 32 && token.allSatisfy(\.isHexDigit), "128 random bits in hex")
        print("BeginScan: cold_pages \(coldPages), cachestat evicted \(atBegin)")
        #expect(abs(coldPages - atBegin) <= max(coldPages, atBegin) / 100)

        #expect(Glibc.kill(guest.pid, SIGUSR1) == 0)
        _ = try guest.output.line(startingWith: "SCANNED", timeout: 120)
        let ended = try Self.call(client, "EndScan", ["token": token])
        let atEnd = try probe.cacheStat(pages: all).evicted
        let swappedAfter = try #require(ended["swapped_after"] as? Int)
        let pagedOut = try #require(ended["paged_out"] as? Int)
        print("EndScan: \(ended); cachestat evicted \(atEnd)")
        #expect(ended["cold_pages"] as? Int == coldPages)
        #expect(abs(swappedAfter - atEnd) <= max(swappedAfter, atEnd) / 100)
        #expect(pagedOut > coldPages / 2, "the in-VMM read left most of the cold set mapped for EndScan")

        // The token is spent; the region's status counts the window.
        let again = try client.call("io.pageoutd.EndScan", ["token": token])
        #expect(again.errorName == "io.pageoutd.WindowNotFound")
        // The scanner's reads were not taken for the guest's: no block backed off for them in the next round.
        try client.waitForRounds(2, after: try client.scans())
        let refaultsAfter = try Self.refaults(client)
        print("refaults: \(refaultsBefore) before the window, \(refaultsAfter) a scan after it")
        #expect(refaultsAfter - refaultsBefore < coldPages / 100)
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test func holesAScannerFilledBecomeHolesAgain() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        let guest = try GuestSim(["--size", "512MiB", "--hot-percent", "20", "--holes-percent", "30"])
        let daemon = try Self.daemon(for: guest)
        let all = 0..<guest.pages
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        let coldData = guest.pages - guest.holePages - guest.hotPages
        try Self.converge(probe, pages: all, target: coldData * 95 / 100)
        let client = try VarlinkTestClient(path: daemon.socketPath)

        for scanner in ["foreign", "in-VMM"] {
            try client.waitForRounds(1, after: try client.scans())
            let before = try probe.cacheStat(pages: all).cached
            let token = try #require(try Self.call(client, "BeginScan", ["name": "vm1"])["token"] as? String)
            if scanner == "foreign" {
                try RawKernel.readThroughMapping(guest.mapFilesPath, pages: all)
            } else {
                #expect(Glibc.kill(guest.pid, SIGUSR1) == 0)
                _ = try guest.output.line(startingWith: "SCANNED", timeout: 120)
            }
            let during = try probe.cacheStat(pages: all).cached
            let ended = try Self.call(client, "EndScan", ["token": token])
            let after = try probe.cacheStat(pages: all).cached
            print("\(scanner) scan with \(guest.holePages) hole pages: resident \(before) before, \(during) after "
                  + "the read, \(after) after EndScan \(ended)")
            #expect(during > before + guest.holePages / 2, "the read filled the holes")
            #expect(abs(after - before) <= before / 20, "resident memory back within 5%")
        }
        #expect(try guest.verify().bad == 0)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test func aWindowOnARegionThatGoesAwayEndsCleanly() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 28)
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "20"])
        let daemon = try Self.daemon(for: guest)
        let client = try VarlinkTestClient(path: daemon.socketPath)
        let begun = try Eventually.value("BeginScan once the first scan resolved the region", interval: 0.2) {
            let reply = try client.call("io.pageoutd.BeginScan", ["name": "vm1"])
            return reply.errorName == nil ? reply.parameters : nil
        }
        let token = try #require(begun["token"] as? String)
        let missing = try client.call("io.pageoutd.BeginScan", ["name": "nosuch"])
        #expect(missing.errorName == "io.pageoutd.RegionNotFound")
        let unknown = try client.call("io.pageoutd.EndScan", ["token": String(repeating: "0", count: 32)])
        #expect(unknown.errorName == "io.pageoutd.WindowNotFound")

        guest.stop(signal: SIGKILL)
        try client.waitForRegion("vm1", "gone") { $0["state"] as? String == "gone" }
        let ended = try Self.call(client, "EndScan", ["token": token])
        print("EndScan after the VMM exited: \(ended)")
        #expect(ended["paged_out"] as? Int == 0 && ended["repaired"] as? Int == 0)
        #expect(ended["cold_pages"] as? Int == begun["cold_pages"] as? Int)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}
