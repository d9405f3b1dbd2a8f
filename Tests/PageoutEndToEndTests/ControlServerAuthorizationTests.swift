import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// The authorisation model against a real daemon and real VMMs of other uids: what a member of the control group
/// may register and act on, judged by what the kernel did to the VMMs' memory, not only by the replies.
@Suite struct ControlServerAuthorizationTests {
    /// Member A of the control group (nogroup, gid 65534) and member B, another uid of the same group.
    static let memberA = ["--reuid", "65534", "--regid", "65534", "--clear-groups"]
    static let memberB = ["--reuid", "65533", "--regid", "65534", "--clear-groups"]
    /// A tenant that is not in the control group; its VMMs are the victims.
    static let victim = ["setpriv", "--reuid", "1001", "--regid", "1001", "--clear-groups"]
    static let group = "socket_mode = \"0660\"\nsocket_group = \"nogroup\""

    @Test func aMemberCannotRegisterAnotherUsersVMMAndTheVictimsMemoryStays() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "0"], launcher: Self.victim)
        let daemon = try ControlDaemon(daemonExtra: Self.group)
        let client = try daemon.client()
        let before = try ProcText.statusKiB(pid: guest.pid, field: "RssShmem")
        let replies = try callsAs(Self.memberA, daemon.socketPath, [
            ["io.pageoutd.Register", ["name": "victim", "pid": Int(guest.pid), "memfd": guest.memfd]],
        ])
        #expect(replies.first?.errorName == "io.pageoutd.NotYourVMM", "\(replies)")
        #expect(replies.first?.parameters["uid"] as? Int == 1001, "\(replies)")
        try client.waitForRounds(4, after: try client.scans())
        let after = try ProcText.statusKiB(pid: guest.pid, field: "RssShmem")
        print("victim RssShmem before \(before) KiB, after 4 rounds \(after) KiB")
        #expect(after >= before * 95 / 100, "the victim's memory stayed resident")
        #expect((try client.call("io.pageoutd.ListRegions").parameters["regions"] as? [Any])?.isEmpty == true)
        #expect(daemon.daemon.stderrText.contains("registration refused"), "one log line says so")
    }

    @Test func pidOneTheDaemonAndKernelThreadsAreRefusedToEveryone() throws {
        try HostRequirements.requireRoot()
        let daemon = try ControlDaemon(daemonExtra: Self.group)
        let client = try daemon.client()
        for pid in [1, Int(daemon.daemon.pid), 2] {
            let root = try client.call("io.pageoutd.Register", ["name": "p\(pid)", "pid": pid, "memfd": "ram"])
            #expect(root.errorName == "io.pageoutd.NotYourVMM", "root, pid \(pid): \(root)")
            let member = try callsAs(Self.memberA, daemon.socketPath, [
                ["io.pageoutd.Register", ["name": "p\(pid)", "pid": pid, "memfd": "ram"]],
            ])
            #expect(member.first?.errorName == "io.pageoutd.NotYourVMM", "member, pid \(pid): \(member)")
        }
    }

    @Test func membersRegisterTheirOwnAndVMMUsersVMMsAndOnlyTheyAndRootActOnThem() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let own = try GuestSim(["--size", "32MiB", "--hot-percent", "0"], launcher: ["setpriv"] + Self.memberA)
        let managed = try GuestSim(["--size", "16MiB", "--hot-percent", "0"], launcher: Self.victim)
        let daemon = try ControlDaemon(daemonExtra: Self.group + "\nvmm_users = [\"1001\"]")
        let client = try daemon.client()
        let before = try ProcText.statusKiB(pid: own.pid, field: "RssShmem")
        let registered = try callsAs(Self.memberA, daemon.socketPath, [
            ["io.pageoutd.Register", ["name": "own", "pid": Int(own.pid), "memfd": own.memfd]],
            ["io.pageoutd.Register", ["name": "managed", "pid": Int(managed.pid), "memfd": managed.memfd]],
        ])
        #expect(registered.map(\.errorName) == [nil, nil], "\(registered)")
        let after = try Eventually.value("the member's own VMM paged out", timeout: 120) {
            let rss = try ProcText.statusKiB(pid: own.pid, field: "RssShmem")
            return rss < before / 2 ? rss : nil
        }
        print("member's own VMM RssShmem \(before) KiB -> \(after) KiB")
        let saved = try String(contentsOfFile: daemon.registrationsPath, encoding: .utf8)
        #expect(saved.contains("\"registrant_uid\" : 65534"), "\(saved)")

        let began = try callsAs(Self.memberA, daemon.socketPath, [["io.pageoutd.BeginScan", ["name": "own"]]])
        let token = began.first?.parameters["token"] as? String ?? ""
        let other = try callsAs(Self.memberB, daemon.socketPath, [
            ["io.pageoutd.Pause", ["name": "own"]], ["io.pageoutd.Unregister", ["name": "own"]],
            ["io.pageoutd.BeginScan", ["name": "own"]], ["io.pageoutd.EndScan", ["token": token]],
            ["io.pageoutd.PageoutNow", ["name": "managed"]], ["io.pageoutd.Pause", [:]],
        ])
        #expect(other.prefix(5).allSatisfy { $0.errorName == "io.pageoutd.NotYourRegion" }, "\(other)")
        #expect(other.last?.parameters["names"] as? [String] == [], "B pauses none of A's regions: \(other)")
        #expect(try regionState(client, "own") != "paused")
        let mine = try callsAs(Self.memberA, daemon.socketPath, [
            ["io.pageoutd.EndScan", ["token": token]], ["io.pageoutd.Pause", ["name": "own"]],
        ])
        #expect(mine.map(\.errorName) == [nil, nil], "\(mine)")
        #expect(try client.call("io.pageoutd.Resume", ["name": "own"]).errorName == nil, "root may")
        #expect(try client.call("io.pageoutd.Unregister", ["name": "managed"]).errorName == nil, "root may")
        #expect(daemon.daemon.stderrText.contains("request refused"))
    }

    @Test func aMemberIsRefusedPastThePerUserLimitAndTheDaemonStaysSmall() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "0"], launcher: ["setpriv"] + Self.memberA)
        let daemon = try ControlDaemon(daemonExtra: Self.group)
        let calls: [[Any]] = (0..<1000).map {
            ["io.pageoutd.Register", ["name": "vm\($0)", "pid": Int(guest.pid), "memfd": guest.memfd]]
        }
        let replies = try callsAs(Self.memberA, daemon.socketPath, calls)
        #expect(replies.prefix(64).allSatisfy { $0.errorName == nil }, "\(replies.prefix(3))")
        let refused = replies.dropFirst(64)
        #expect(refused.count == 936 && refused.allSatisfy { $0.errorName == "io.pageoutd.TooManyRegions" })
        #expect(refused.first?.parameters["key"] as? String == "max_regions_per_user", "\(refused.first ?? [:])")
        #expect(refused.first?.parameters["limit"] as? Int == 64)
        // Connected only now: 1000 calls on a loaded machine may take longer than client_idle_timeout.
        let client = try daemon.client()
        #expect(try client.call("io.pageoutd.Register", ["name": "root", "pid": Int(guest.pid), "memfd": guest.memfd])
            .errorName == nil, "root counts against the total only")
        try client.waitForRounds(3, after: try client.scans())
        let rss = try ProcText.statusKiB(pid: daemon.daemon.pid, field: "VmRSS")
        print("daemon VmRSS with 65 regions after 1000 registrations: \(rss) KiB")
        #expect(rss < 256 * 1024)
    }

    @Test func aGoneRegionIsForgottenAfterTheGrace() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "0"])
        let daemon = try ControlDaemon(daemonExtra: "gone_region_grace = \"3s\"")
        let client = try daemon.client()
        #expect(try client.call("io.pageoutd.Register", ["name": "vm", "pid": Int(guest.pid), "memfd": guest.memfd])
            .errorName == nil)
        guest.stop(signal: SIGKILL)
        try client.waitForRegion("vm", "gone") { $0["state"] as? String == "gone" }
        try Eventually.wait(for: "vm forgotten", timeout: 120) {
            try client.call("io.pageoutd.GetRegion", ["name": "vm"]).errorName == "io.pageoutd.RegionNotFound"
        }
        #expect(daemon.daemon.stderrText.contains("gone regions forgotten"))
    }

    @Test func unrestorableSavedRegistrationsAreDroppedWithALineEachAndTheRestartAfterIsClean() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "0"])
        let daemon = try ControlDaemon()
        #expect(try daemon.client().call("io.pageoutd.Register",
                                         ["name": "vm", "pid": Int(guest.pid), "memfd": guest.memfd]).errorName == nil)
        daemon.daemon.send(SIGTERM)
        #expect(daemon.daemon.waitForExit(timeout: 15) == 0)
        let kthreadStart = try ProcText.read("/proc/2/stat").split(separator: ")").last?.split(separator: " ")[19]
        let saved = try String(contentsOfFile: daemon.registrationsPath, encoding: .utf8)
        let bad = """
            {"name": "broken", "pid": "not a pid", "memfd": "ram"}, 42,
            {"name": "kthread", "pid": 2, "memfd": "ram", "identity": {"pid": 2, "start_time": \(kthreadStart ?? "0")}},
            {"name": "huge", "pid": 99999999999, "memfd": "ram"},
            """
        try saved.replacingOccurrences(of: "\"registrations\" : [", with: "\"registrations\" : [" + bad)
            .write(toFile: daemon.registrationsPath, atomically: true, encoding: .utf8)
        #expect(try daemon.restart() == 0)
        let client = try daemon.client()
        #expect(try client.region("vm")["name"] as? String == "vm")
        let log = daemon.daemon.stderrText
        let drops = log.split(separator: "\n").filter { $0.contains("saved registration dropped") }
        print(drops.joined(separator: "\n"))
        #expect(drops.count == 4, "one line each: \(drops)")
        #expect(drops.contains { $0.contains("broken") } && drops.contains { $0.contains("kthread") })
        let rewritten = try String(contentsOfFile: daemon.registrationsPath, encoding: .utf8)
        #expect(!rewritten.contains("broken") && !rewritten.contains("kthread") && rewritten.contains("\"vm\""))
        #expect(try daemon.restart() == 0)
        _ = try daemon.client().region("vm")
        #expect(!daemon.daemon.stderrText.contains("saved registration dropped"), "the restart after is clean")
    }

    /// Region `name`'s state.
    private func regionState(_ client: VarlinkTestClient, _ name: String) throws -> String? {
        try client.region(name)["state"] as? String
    }
}
