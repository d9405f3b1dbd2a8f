import Foundation
import PageoutControl
import PageoutCore
import Testing

/// The built `pageoutctl` against a fake server: the call it sends, what it prints, and its exit status.
@Suite("Pageoutctl commands")
struct PageoutctlCommandTests {
    static let region = WireStatus({
        var status = DaemonStatus()
        status.regions = [Fixtures.vm1]
        return status
    }()).regions[0]

    @Test("status: GetStatus without parameters, the table, exit 0")
    func status() throws {
        let server = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["status": try Fixtures.json(Fixtures.status)])),
        ]))
        let run = try PageoutctlRun(["--socket", server.path, "status"])
        #expect(run.status == 0)
        #expect(run.stderr == "")
        #expect(run.stdout == Rendering.statusText(Fixtures.status))
        #expect(run.stdout.hasPrefix("2 regions (1 active), 15 scans"))
        let call = try #require(server.call())
        #expect(call.method == "io.pageoutd.GetStatus")
        #expect(call.parameters == .object([:]))
    }

    @Test("status --json: the reply's parameters with sorted keys; the socket from PAGEOUTD_SOCKET")
    func statusJSON() throws {
        let parameters = JSONValue.object(["status": try Fixtures.json(Fixtures.status)])
        let server = try FakeVarlinkServer(answer: .replies([VarlinkReply(parameters: parameters)]))
        let run = try PageoutctlRun(["--json", "status"], environment: ["PAGEOUTD_SOCKET": server.path])
        #expect(run.status == 0)
        #expect(run.stdout == Rendering.json(parameters, pretty: true) + "\n")
        #expect(run.stdout.contains("\"size\" : 4294967296"))
        #expect(server.call()?.method == "io.pageoutd.GetStatus")
    }

    @Test("register --pid --memfd: Register with name, pid and memfd only")
    func registerPid() throws {
        let server = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["region": try Fixtures.json(Self.region)])),
        ]))
        let run = try PageoutctlRun([
            "--socket", server.path, "register", "--name", "vm1", "--pid", "4242", "--memfd", "guest-ram",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == Rendering.regionTable([Self.region]))
        let call = try #require(server.call())
        #expect(call.method == "io.pageoutd.Register")
        #expect(call.parameters == .object([
            "name": .string("vm1"), "pid": .number(4242), "memfd": .string("guest-ram"),
        ]))
    }

    @Test("register --pidfile --path: Register with name, pidfile and path only")
    func registerPidfile() throws {
        let server = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["region": try Fixtures.json(Self.region)])),
        ]))
        let run = try PageoutctlRun([
            "--socket", server.path, "register", "--name", "vm2",
            "--pidfile", "/run/vm2.pid", "--path", "/dev/shm/vm2",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(server.call()?.parameters == .object([
            "name": .string("vm2"), "pidfile": .string("/run/vm2.pid"), "path": .string("/dev/shm/vm2"),
        ]))
    }

    @Test("pause NAME and pause: Pause with and without a name")
    func pause() throws {
        let one = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["names": .array([.string("vm1")])])),
        ]))
        let runOne = try PageoutctlRun(["--socket", one.path, "pause", "vm1"])
        #expect(runOne.status == 0)
        #expect(runOne.stdout == "paused: vm1\n")
        #expect(one.call()?.method == "io.pageoutd.Pause")
        #expect(one.parameters() == ["name": .string("vm1")])

        let all = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["names": .array([.string("vm1"), .string("vm2")])])),
        ]))
        let runAll = try PageoutctlRun(["--socket", all.path, "resume"])
        #expect(runAll.status == 0)
        #expect(runAll.stdout == "resumed: vm1, vm2\n")
        #expect(all.call()?.method == "io.pageoutd.Resume")
        #expect(all.parameters() == [:])
    }

    @Test("pageout NAME --bytes SIZE: PageoutNow with the budget in bytes")
    func pageout() throws {
        let server = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["bytes": .number(Double(412 << 20))])),
        ]))
        let run = try PageoutctlRun(["--socket", server.path, "pageout", "vm1", "--bytes", "512MiB"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "vm1: 412 MiB paged out\n")
        #expect(server.call()?.method == "io.pageoutd.PageoutNow")
        #expect(server.parameters() == ["name": .string("vm1"), "bytes": .number(Double(512 << 20))])
    }

    @Test("unregister and reload: their calls and a confirmation")
    func unregisterAndReload() throws {
        let unregister = try FakeVarlinkServer(answer: .replies([VarlinkReply(parameters: .object([:]))]))
        let runUnregister = try PageoutctlRun(["--socket", unregister.path, "unregister", "vm1"])
        #expect(runUnregister.status == 0)
        #expect(runUnregister.stdout == "unregistered vm1\n")
        #expect(unregister.call()?.method == "io.pageoutd.Unregister")
        #expect(unregister.parameters() == ["name": .string("vm1")])

        let reload = try FakeVarlinkServer(answer: .replies([VarlinkReply()]))
        let runReload = try PageoutctlRun(["--socket", reload.path, "reload"])
        #expect(runReload.status == 0)
        #expect(runReload.stdout == "reloaded\n")
        #expect(reload.call()?.method == "io.pageoutd.Reload")
    }

    @Test("watch --json: GetStatus with more, one JSON object per line until the last reply")
    func watch() throws {
        let replies = (1...3).map { scans in
            var status = DaemonStatus()
            status.scans = UInt64(scans)
            return VarlinkReply(parameters: .object(["status": try! Fixtures.json(WireStatus(status))]),
                                continues: scans < 3)
        }
        let server = try FakeVarlinkServer(answer: .replies(replies))
        let run = try PageoutctlRun(["--socket", server.path, "--json", "watch"])
        #expect(run.status == 0, "\(run.stderr)")
        let expected = replies.map { Rendering.json($0.parameters ?? .null, pretty: false) }
        #expect(run.stdout.split(separator: "\n").map(String.init) == expected)
        #expect(server.call()?.method == "io.pageoutd.GetStatus")
        #expect(server.call()?.more == true)

        let people = try FakeVarlinkServer(answer: .replies(replies))
        let runPeople = try PageoutctlRun(["--socket", people.path, "watch"])
        let lines = runPeople.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.last?.hasSuffix("  0 regions (0 active), 3 scans, 0 B swapped, 0 B paged out") == true)
    }

    @Test("the daemon's error: exit 1 and one line on stderr")
    func daemonError() throws {
        let server = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["name": .string("vm9")]), error: "io.pageoutd.RegionNotFound"),
        ]))
        let run = try PageoutctlRun(["--socket", server.path, "pause", "vm9"])
        #expect(run.status == 1)
        #expect(run.stdout == "")
        #expect(run.stderr == "pageoutctl: io.pageoutd.RegionNotFound: name=\"vm9\"\n")

        let multiline = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["reason": .string("no swap\nconfigured")]), error: "io.pageoutd.NoSwap"),
        ]))
        let runMultiline = try PageoutctlRun(["--socket", multiline.path, "pageout", "vm1"])
        #expect(runMultiline.status == 1)
        #expect(runMultiline.stderr == "pageoutctl: io.pageoutd.NoSwap: reason=\"no swap\\nconfigured\"\n")
        #expect(multiline.parameters() == ["name": .string("vm1")])
    }

    @Test("no socket: exit 3 naming the socket and how to check the service")
    func cannotConnect() throws {
        let path = NSTemporaryDirectory() + "pctl-missing-\(UUID().uuidString.prefix(8)).sock"
        let run = try PageoutctlRun(["--socket", path, "status"])
        #expect(run.status == 3)
        #expect(run.stdout == "")
        #expect(run.stderr.hasPrefix("pageoutctl: cannot connect to \(path): the socket does not exist"))
        #expect(run.stderr.contains("systemctl status pageoutd"))
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    static let usageErrors: [[String]] = [
        [],
        ["bogus"],
        ["status", "extra"],
        ["register", "--name", "vm1", "--memfd", "guest-ram"],
        ["register", "--name", "vm1", "--pid", "1", "--pidfile", "/run/vm1.pid", "--memfd", "guest-ram"],
        ["register", "--name", "vm1", "--pid", "1"],
        ["register", "--name", "vm1", "--pid", "one", "--memfd", "guest-ram"],
        ["pageout", "vm1", "--bytes", "5GB"],
        ["pageout"],
        ["unregister"],
        ["--timeout", "0", "status"],
    ]

    @Test("usage errors: exit 2 before connecting", arguments: usageErrors)
    func usage(arguments: [String]) throws {
        let path = NSTemporaryDirectory() + "pctl-missing-\(UUID().uuidString.prefix(8)).sock"
        let run = try PageoutctlRun(["--socket", path] + arguments)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("Usage:") || run.stderr.contains("USAGE:"), "\(run.stderr)")
    }

    @Test("--help: exit 0")
    func help() throws {
        let run = try PageoutctlRun(["--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("pageoutctl"))
    }
}
