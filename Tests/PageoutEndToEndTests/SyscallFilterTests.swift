import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// The unit's SystemCallFilter against what the daemon really calls: a run under strace through everything it
/// does (scans of a registered guest, pageout, a scan window, a status stream, the heatmap, metrics_textfile, a
/// reload, the control socket given to socket_group, shutdown), every call checked by
/// scripts/check-syscall-filter.py with the groups of this machine's `systemd-analyze syscall-filter`.
@Suite struct SyscallFilterTests {
    @Test func everyCallOfATracedRunIsAllowedByTheUnit() throws {
        try HostRequirements.requireRoot()
        let strace = try HostRequirements.requireExecutable(["/usr/bin/strace"], package: "strace")
        _ = try HostRequirements.requireExecutable(["/usr/bin/systemd-analyze", "/bin/systemd-analyze"],
                                                   package: "systemd")
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "20"])
        let directory = "/tmp/pageoutd-strace-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory + "/metrics", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trace = directory + "/strace.log"
        let daemon = try DaemonProcess(config: """
            [daemon]
            socket_group = "65534"
            metrics_textfile = "\(directory)/metrics/pageoutd.prom"
            scan_interval = "1s"

            [policy]
            cold_age = "2s"
            """, launcher: [strace, "-f", "-qq", "-o", trace])
        let pid = try Eventually.value("pageoutd started under strace") { () -> Int32? in
            let children = try? String(contentsOfFile: "/proc/\(daemon.pid)/task/\(daemon.pid)/children",
                                       encoding: .utf8)
            return children?.split(separator: " ").first.flatMap { Int32($0) }
        }
        let client = try VarlinkTestClient(path: daemon.socketPath)
        #expect(try client.call("io.pageoutd.Register", ["name": "vm", "pid": Int(guest.pid), "memfd": guest.memfd])
            .errorName == nil)
        var scans = try client.waitForRounds(3, after: 0)
        let stream = try VarlinkTestClient(path: daemon.socketPath)
        #expect(stream.send(method: "io.pageoutd.GetStatus", more: true))
        #expect(try stream.read()?["continues"] as? Bool == true)
        for (method, parameters) in [("GetHeatmap", ["name": "vm"]), ("PageoutNow", ["name": "vm"]),
                                     ("GetMetrics", [:]), ("ListRegions", [:])] as [(String, [String: Any])] {
            #expect(try client.call("io.pageoutd.\(method)", parameters).errorName == nil, "\(method)")
        }
        let token = try client.call("io.pageoutd.BeginScan", ["name": "vm"]).parameters["token"] as? String
        #expect(try client.call("io.pageoutd.EndScan", ["token": token ?? ""]).errorName == nil)
        kill(pid, SIGHUP)
        scans = try client.waitForRounds(2, after: scans)
        #expect(try client.call("io.pageoutd.Unregister", ["name": "vm"]).errorName == nil)
        try Eventually.wait(for: "the metrics textfile") {
            FileManager.default.fileExists(atPath: directory + "/metrics/pageoutd.prom")
        }
        kill(pid, SIGTERM)
        #expect(daemon.waitForExit(timeout: 60) == 0, "\(daemon.stderrText)")
        #expect(daemon.stderrText.contains("reload"), "the reload happened: \(daemon.stderrText)")

        let unit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let (status, output) = try runToEnd(["python3", unit.appendingPathComponent("scripts/check-syscall-filter.py").path,
                                             unit.appendingPathComponent("systemd/pageoutd.service").path, trace])
        struct Verdict: Decodable { var used: [String]; var allowed: Int; var denied: [String] }
        let verdict = try JSONDecoder().decode(Verdict.self, from: Data(output.utf8))
        print("syscall filter: \(verdict.used.count) calls made, \(verdict.allowed) allowed, denied: \(verdict.denied)")
        #expect(status == 0 && verdict.denied.isEmpty, "calls the unit's filter denies: \(verdict.denied)")
        #expect(verdict.used.contains("process_madvise") && verdict.used.contains("fchownat"), "\(verdict.used)")
    }
}
