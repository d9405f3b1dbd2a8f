import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// Regions the kernel refuses to page out because their VMM locks guest RAM (mlockall, mlock): process_madvise
/// (MADV_PAGEOUT) fails with EINVAL on a VM_LOCKED mapping. The region is refused with the reason within one
/// scan, said once, never retried every scan, and paged out as usual once the VMM unlocks.
@Suite struct RefusedRegionTests {
    static func config(pid: Int32, coldAge: String = "1s") -> String {
        """
        [daemon]
        scan_interval = "500ms"
        log_level = "debug"
        [policy]
        cold_age = "\(coldAge)"
        probe_budget = "64MiB"
        max_pageout_rate = "1GiB"
        max_swapped_percent = "100%"
        [[region]]
        name = "locked"
        pid = \(pid)
        memfd = "\(LockingVMM.memfdName)"
        """
    }

    @Test(arguments: [LockingVMM.Mode.mlockall, .mlock])
    func aLockedRegionIsRefusedOnceAndPagedOutWhenUnlocked(mode: LockingVMM.Mode) throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let vmm = try LockingVMM(mode, mebibytes: 64)
        defer { vmm.stop() }
        let (daemon, client, refused) = try Self.startRefused(vmm, label: "\(mode)")
        #expect((refused["reason"] as? String ?? "").contains("the VMM locks guest RAM in memory (mlock)"))
        #expect(refused["size"] as? Int == 64 << 20 && refused["mapped"] as? Int == 64 << 20, "\(refused)")
        #expect(refused["hot"] as? Int == 0 && refused["cold"] as? Int == 0, "\(refused)")
        try Self.expectRefusedQuietly(daemon: daemon, client: client, name: "locked", reason: "(mlock)")
        try Self.expectPagedOutOnceUnlocked(vmm, daemon: daemon, client: client)
    }

    /// A VMM that locks its RAM after the region was resolved: the pageout's EINVAL is diagnosed once (smaps
    /// `lo`), and the region refused with the same words.
    @Test func aRegionLockedWhileActiveIsRefusedAtTheFirstEINVAL() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let vmm = try LockingVMM(.lockLater, mebibytes: 64)
        defer { vmm.stop() }
        let daemon = try DaemonProcess(config: Self.config(pid: vmm.pid, coldAge: "3s"))
        let client = try VarlinkTestClient(path: daemon.socketPath)
        try client.waitForRegion("locked", "active") { $0["state"] as? String == "active" }
        try vmm.lock()
        let refused = try client.waitForRegion("locked", "refused") { $0["state"] as? String == "refused" }
        #expect((refused["reason"] as? String ?? "").contains("the VMM locks guest RAM in memory (mlock)"))
        #expect((refused["scans"] as? Int ?? 0) > 0, "refused after scans, at a pageout: \(refused)")
        try Self.expectRefusedQuietly(daemon: daemon, client: client, name: "locked", reason: "(mlock)")
        try Self.expectPagedOutOnceUnlocked(vmm, daemon: daemon, client: client)
    }

    /// A locked VMM registered over the socket is accepted (it may unlock later) and refused at its first round.
    @Test func aRegisteredLockedRegionIsRefused() throws {
        try HostRequirements.requireRoot()
        let vmm = try LockingVMM(.mlockall, mebibytes: 16)
        defer { vmm.stop() }
        let daemon = try ControlDaemon()
        let client = try daemon.client()
        let registered = try client.call("io.pageoutd.Register",
                                         ["name": "vm1", "pid": Int(vmm.pid), "memfd": LockingVMM.memfdName])
        #expect(registered.errorName == nil, "\(registered)")
        let refused = try client.waitForRegion("vm1", "refused") { $0["state"] as? String == "refused" }
        #expect((refused["reason"] as? String ?? "").contains("(mlock)"), "\(refused)")
        let now = try client.call("io.pageoutd.PageoutNow", ["name": "vm1"])
        #expect(now.errorName == "io.pageoutd.InvalidParameter", "\(now)")
        #expect((now.parameters["reason"] as? String ?? "").contains("(mlock)"), "\(now)")
    }

    /// Starts a daemon with `vmm`'s RAM as region "locked" and waits until it is refused: at the daemon's first
    /// round, before any scan of the region.
    static func startRefused(_ vmm: LockingVMM, label: String) throws
        -> (DaemonProcess, VarlinkTestClient, [String: Any])
    {
        let started = Date()
        let daemon = try DaemonProcess(config: Self.config(pid: vmm.pid))
        let client = try VarlinkTestClient(path: daemon.socketPath)
        let refused = try client.waitForRegion("locked", "refused") { $0["state"] as? String == "refused" }
        let rounds = try client.scans()
        print("\(label): refused after \(String(format: "%.2f", Date().timeIntervalSince(started))) s, "
              + "at daemon round \(rounds): \(refused["reason"] ?? "")")
        #expect(refused["scans"] as? Int == 0, "refused before its first scan: \(refused)")
        #expect(rounds <= 2, "within one scan round")
        return (daemon, client, refused)
    }

    /// Over six more rounds: one log line, no retry, no resolution, the reason in `pageoutctl status` and in
    /// the metrics, and nothing of the region in swap.
    static func expectRefusedQuietly(daemon: DaemonProcess, client: VarlinkTestClient, name: String,
                                     reason: String) throws {
        try client.waitForRounds(6, after: try client.scans())
        let log = daemon.stderrText
        let refusals = log.components(separatedBy: "region refused").count - 1
        print("log lines saying the region is refused, over at least 6 rounds: \(refusals)")
        #expect(refusals == 1, "logged once:\n\(log)")
        #expect(!log.contains("retrying every scan") && !log.contains("EINVAL"), "no retry loop:\n\(log)")
        #expect(log.components(separatedBy: "region resolved").count - 1 <= 1, "not resolved every scan:\n\(log)")
        let status = try runToEnd([BuildProducts.url(of: "pageoutctl").path, "--socket", daemon.socketPath, "status"])
        #expect(status.output.contains("refused (") && status.output.contains(reason), "\(status.output)")
        let metrics = try client.call("io.pageoutd.GetMetrics").parameters["text"] as? String ?? ""
        #expect(metrics.contains("pageoutd_region_refused{region=\"\(name)\"} 1"), "\(metrics)")
    }

    /// Unlocks the VMM and waits for the kernel to hold 95% of its RAM in swap (all of it is cold).
    static func expectPagedOutOnceUnlocked(_ vmm: LockingVMM, daemon: DaemonProcess,
                                           client: VarlinkTestClient) throws {
        let probe = try MemfdProbe(path: vmm.mapFilesPath)
        defer { probe.close() }
        #expect(try probe.cacheStat(pages: 0..<vmm.pages).evicted == 0, "nothing in swap while locked")
        try vmm.unlock()
        let unlocked = Date()
        try Eventually.wait(for: "95% of the unlocked region in swap", interval: 0.1) {
            Double(try probe.cacheStat(pages: 0..<vmm.pages).evicted) >= 0.95 * Double(vmm.pages)
        }
        let evicted = try probe.cacheStat(pages: 0..<vmm.pages).evicted
        print("unlocked: \(evicted) of \(vmm.pages) pages in swap after "
              + "\(String(format: "%.2f", Date().timeIntervalSince(unlocked))) s")
        let region = try client.region("locked")
        #expect(region["state"] as? String == "active", "\(region)")
        #expect(daemon.stderrText.components(separatedBy: "region refused").count - 1 == 1)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}
