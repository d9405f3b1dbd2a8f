import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// pageoutd speaks sd_notify: READY, STATUS, RELOADING/READY around SIGHUP, STOPPING, exit 0 (WATCHDOG is timed:
/// ExclusiveTests.Watchdog).
@Suite struct DaemonNotifyTests {
    /// A 16 MiB guest and a daemon watching it that notifies `notify`, with a 2 s watchdog; once it said READY=1.
    static func watchdogDaemon(notify: NotifyListener) throws -> (GuestSim, DaemonProcess, ready: Int) {
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "10"])
        let config = ConvergingConfig.text(pid: guest.pid, memfd: guest.memfd)
        let daemon = try DaemonProcess(config: config,
                                       environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"])
        let ready = try notify.wait(for: "READY=1", timeout: 60) { $0.split(separator: "\n").contains("READY=1") }
        return (guest, daemon, ready.index)
    }

    @Test func readyStatusReloadAndStop() throws {
        try HostRequirements.requireRoot()
        let notify = try NotifyListener()
        let (guest, daemon, ready) = try Self.watchdogDaemon(notify: notify)
        let status = try notify.wait(for: "STATUS with figures", after: ready + 1, timeout: 60) {
            $0.hasPrefix("STATUS=") && $0.contains("MiB swapped")
        }
        #expect(status.text.contains("1 regions (1 active)"), "\(status.text)")

        // SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1.
        let before = notify.messages.count
        daemon.send(SIGHUP)
        let reloading = try notify.wait(for: "RELOADING=1", after: before, timeout: 60) { $0.contains("RELOADING=1") }
        let fields = reloading.text.split(separator: "\n")
        let usec = fields.first { $0.hasPrefix("MONOTONIC_USEC=") }.flatMap { UInt64($0.dropFirst(15)) }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nowUsec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        #expect(usec.map { nowUsec >= $0 && nowUsec - $0 < 10_000_000 } == true, "\(reloading.text)")
        try notify.wait(for: "READY=1 after reload", after: reloading.index + 1, timeout: 60) {
            $0.split(separator: "\n").contains("READY=1")
        }

        // SIGTERM: STOPPING=1 and exit 0.
        let stopFrom = notify.messages.count
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
        try notify.wait(for: "STOPPING=1", after: stopFrom, timeout: 2) { $0.contains("STOPPING=1") }
        withExtendedLifetime(guest) {}
    }

    @Test func anInvalidConfigOnReloadKeepsTheRunningOne() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "10"])
        let notify = try NotifyListener()
        let daemon = try DaemonProcess(config: ConvergingConfig.text(pid: guest.pid, memfd: guest.memfd),
                                       environment: ["NOTIFY_SOCKET": notify.path])
        try notify.wait(for: "READY=1", timeout: 30) { $0.split(separator: "\n").contains("READY=1") }
        try daemon.rewriteConfig("[policy]\ncold_age = \"soon\"\n")
        let before = notify.messages.count
        daemon.send(SIGHUP)
        let ready = try notify.wait(for: "READY=1 after a refused reload", after: before, timeout: 60) {
            $0.split(separator: "\n").contains("READY=1")
        }
        #expect(ready.text.contains("reload failed") && ready.text.contains("policy.cold_age"), "\(ready.text)")
        // Still running on the old configuration: the region stays active, rounds go on.
        let later = try notify.wait(for: "STATUS after the refused reload", after: ready.index + 1, timeout: 60) {
            $0.hasPrefix("STATUS=")
        }
        #expect(later.text.contains("1 regions (1 active)") && later.text.contains("reload failed"), "\(later.text)")
        #expect(daemon.stderrText.contains("reload failed, keeping the running configuration"))
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}
