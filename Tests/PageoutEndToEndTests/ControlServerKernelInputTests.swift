import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// What a tenant may hand the daemon over its socket: pid files that are secrets, FIFOs or links. Each is
/// refused, promptly, without echoing a byte of the file.
@Suite struct ControlServerKernelInputTests {
    @Test func pidFilesThatAreSecretsFIFOsOrLinksAreRefusedAtOnce() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "0"])
        let daemon = try ControlDaemon()
        let client = try daemon.client()
        let directory = daemon.directory
        let fifo = directory + "/vm.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let good = directory + "/vm.pid"
        try "\(guest.pid)\n".write(toFile: good, atomically: false, encoding: .utf8)
        let link = directory + "/link.pid"
        #expect(symlink("/etc/shadow", link) == 0)
        let shadow = (try? String(contentsOfFile: "/etc/shadow", encoding: .utf8)) ?? ""

        for pidfile in ["/etc/shadow", fifo, link] {
            let started = Date()
            let reply = try client.call("io.pageoutd.Register", ["name": "vm", "pidfile": pidfile, "memfd": guest.memfd])
            #expect(Date().timeIntervalSince(started) < 1, "\(pidfile): answered within 1 s")
            #expect(reply.errorName == "io.pageoutd.InvalidParameter", "\(reply)")
            let text = String(decoding: try JSONSerialization.data(withJSONObject: reply), as: UTF8.self)
            #expect(!text.contains("root:") && !shadow.split(separator: "\n").contains { text.contains($0) }, "\(text)")
        }
        #expect(try client.call("io.pageoutd.Register", ["name": "vm", "pidfile": good, "memfd": guest.memfd])
            .errorName == nil)
        #expect(try client.call("io.pageoutd.Pause", ["name": "vm"]).errorName == nil, "the daemon still answers")
        #expect(!daemon.daemon.stderrText.contains("root:"), "the log quotes no pid file")
    }

    @Test func aConfiguredPidFileTurnedIntoALinkToASecretLeavesNoByteInStatusOrLog() throws {
        try HostRequirements.requireRoot()
        let shadow = (try? String(contentsOfFile: "/etc/shadow", encoding: .utf8)) ?? ""
        let directory = "/tmp/pageoutd-link-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(symlink("/etc/shadow", directory + "/vm.pid") == 0)
        let region = "\n[[region]]\nname = \"vm\"\npidfile = \"\(directory)/vm.pid\"\nmemfd = \"ram\""
        let daemon = try ControlDaemon(extra: region)
        let client = try daemon.client()
        try client.waitForRounds(2, after: try client.scans())
        for method in ["io.pageoutd.GetStatus", "io.pageoutd.ListRegions", "io.pageoutd.GetMetrics"] {
            let reply = try JSONSerialization.data(withJSONObject: try client.call(method))
            let text = String(decoding: reply, as: UTF8.self)
            #expect(!text.contains("root:") && !shadow.split(separator: "\n").contains { text.contains($0) }, "\(text)")
        }
        #expect((try client.region("vm")["reason"] as? String)?.contains("symbolic link") == true)
        let log = daemon.daemon.stderrText
        #expect(!log.contains("root:") && !shadow.split(separator: "\n").contains { log.contains($0) })
    }

    @Test func onlyRootMayRegisterByPidFile() throws {
        try HostRequirements.requireRoot()
        let daemon = try ControlDaemon(daemonExtra: "socket_mode = \"0660\"\nsocket_group = \"nogroup\"")
        _ = try daemon.client().call("io.pageoutd.GetStatus")
        let replies = try callsAs(["--reuid", "65534", "--regid", "65534", "--clear-groups"], daemon.socketPath, [
            ["io.pageoutd.Register", ["name": "vm", "pidfile": "/etc/shadow", "memfd": "ram"]],
        ])
        #expect(replies.first?.errorName == "io.pageoutd.InvalidParameter", "\(replies)")
        #expect(replies.first?.parameters["reason"] as? String
            == "only root may register a region by pid file; give the pid", "\(replies)")
    }
}
