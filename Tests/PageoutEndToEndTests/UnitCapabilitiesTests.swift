import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// pageoutd with exactly the unit's capabilities (and nothing else of root's) pages out a VMM of another user.
/// KERNEL-FACTS: a pageout that lacks a permission can be a silent no-op, so the test checks the kernel's count.
@Suite struct UnitCapabilitiesTests {
    @Test func theUnitsCapabilitySetIsEnoughForAnotherUsersVMM() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "0"],
                                 launcher: ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"])
        let owner = try String(contentsOfFile: "/proc/\(guest.pid)/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("Uid:") } ?? ""
        #expect(owner.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first == "65534")
        let config = """
            [daemon]
            scan_interval = "500ms"
            [policy]
            cold_age = "1s"
            probe_budget = "64MiB"
            [[region]]
            name = "other-user"
            pid = \(guest.pid)
            memfd = "\(guest.memfd)"
            """
        let capabilities = "sys_ptrace,+sys_nice,+dac_read_search,+checkpoint_restore,+fowner"
        let daemon = try DaemonProcess(config: config, launcher: [
            "setpriv", "--bounding-set", "-all,+\(capabilities)", "--inh-caps", "-all,+\(capabilities)",
            "--ambient-caps", "-all,+\(capabilities)",
        ])
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        let evicted = try Eventually.value("90% of the guest in swap", interval: 0.5) {
            let evicted = try probe.cacheStat(pages: 0..<guest.pages).evicted
            return evicted >= guest.pages * 9 / 10 ? evicted : nil
        }
        let effective = try String(contentsOfFile: "/proc/\(daemon.pid)/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("CapEff:") } ?? ""
        print("daemon \(effective); \(evicted) of \(guest.pages) pages of uid 65534's guest in swap")
        #expect(evicted >= guest.pages * 9 / 10, "the pageout really happened")
        #expect(!daemon.stderrText.contains("is missing"), "\(daemon.stderrText)")
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}
