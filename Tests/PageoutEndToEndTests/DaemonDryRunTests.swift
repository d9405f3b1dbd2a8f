import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// `--dry-run` plans and logs but never pages out; a fatal start-up error reaches systemd as STATUS= and ERRNO=.
@Suite struct DaemonDryRunTests {
    @Test func dryRunPlansButNeverPagesOut() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "0"])
        let notify = try NotifyListener()
        let config = """
            [daemon]
            scan_interval = "500ms"
            log_level = "info"
            [policy]
            cold_age = "1s"
            [[region]]
            name = "vm1"
            pid = \(guest.pid)
            memfd = "\(guest.memfd)"
            """
        let daemon = try DaemonProcess(config: config, arguments: ["--dry-run"],
                                       environment: ["NOTIFY_SOCKET": notify.path])
        try notify.wait(for: "STATUS saying dry run", timeout: 60) { $0.contains("dry run") }
        // The round that plans a pageout would have made it; one more round to be sure none follows.
        try Eventually.wait(for: "a planned pageout in the log", describe: { daemon.stderrText }) {
            daemon.stderrText.contains("dry run: would page out")
        }
        let client = try VarlinkTestClient(path: daemon.socketPath)
        try client.waitForRounds(2, after: try client.scans())
        let entries = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.pages)
        #expect(entries.allSatisfy { $0 & (1 << 63) != 0 }, "every page still mapped: no madvise was made")
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test func aFatalStartupErrorIsToldToSystemd() throws {
        let notify = try NotifyListener()
        let daemon = try DaemonProcess(config: "[daemon]\nscan_interval = \"0s\"\n",
                                       environment: ["NOTIFY_SOCKET": notify.path], isolated: false)
        #expect(daemon.waitForExit(timeout: 60) == 1)
        let message = try notify.wait(for: "STATUS and ERRNO", timeout: 30) { $0.contains("ERRNO=") }
        #expect(message.text.contains("STATUS=invalid configuration") && message.text.contains("daemon.scan_interval"))
        #expect(message.text.contains("ERRNO=22"), "\(message.text)")
        #expect(!notify.messages.contains { $0.text.contains("READY=1") })
    }
}
