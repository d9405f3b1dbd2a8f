import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// `[daemon]` socket_mode, socket_group, max_clients, and socket activation, against a real daemon.
@Suite struct ControlSocketSettingsTests {
    @Test func theSocketGetsItsModeAndGroupAndTheGroupMayChangeTheDaemon() throws {
        try HostRequirements.requireRoot()
        let group = try TestGroup()
        let daemon = try ControlDaemon(daemonExtra: "socket_mode = \"0660\"\nsocket_group = \"\(group.name)\"")
        _ = try daemon.client().call("io.pageoutd.GetStatus")
        var info = stat()
        #expect(stat(daemon.socketPath, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o660, "mode \(String(info.st_mode & 0o7777, radix: 8))")
        #expect(info.st_gid == group.gid)

        // A supplementary group is enough; mode 0660 lets the member connect.
        let member = try pythonCalls(daemon.socketPath, ["--groups", "\(group.gid)"])
        #expect(member.first?.errorName == nil, "\(member)")
        // So is the primary group.
        let primary = try pythonCalls(daemon.socketPath, ["--regid", "\(group.gid)", "--clear-groups"], regid: false)
        #expect(primary.first?.errorName == nil, "\(primary)")

        // Without the group a client may connect only through a wider mode, and then only read.
        #expect(chmod(daemon.socketPath, 0o666) == 0)
        let stranger = try pythonCalls(daemon.socketPath, ["--clear-groups"])
        #expect(stranger.first?.errorName == "io.pageoutd.PermissionDenied", "\(stranger)")
        #expect(stranger.last?.errorName == nil, "\(stranger)")
    }

    @Test func anUnknownGroupStopsTheDaemonNamingTheKeyAndTheGroup() throws {
        let process = try DaemonProcess(config: "[daemon]\nsocket_group = \"pageoutd-no-such-group\"\n")
        #expect(process.waitForExit(timeout: 15) == 1)
        let text = process.stderrText
        #expect(text.contains("socket_group") && text.contains("pageoutd-no-such-group"), "\(text)")
    }

    @Test func aClientBeyondMaxClientsIsClosedAtOnce() throws {
        let daemon = try ControlDaemon(daemonExtra: "max_clients = 2")
        let first = try daemon.client()
        let second = try daemon.client()
        #expect(try first.call("io.pageoutd.GetStatus").errorName == nil)
        #expect(try second.call("io.pageoutd.GetStatus").errorName == nil)
        let third = try daemon.client()
        #expect(third.isClosed(within: 5))
        #expect(try first.call("io.pageoutd.GetStatus").errorName == nil)
        #expect(try second.call("io.pageoutd.GetStatus").errorName == nil)
    }

    @Test func aSocketPassedBySystemdIsUsedAndNotBound() throws {
        let activator = try HostRequirements.requireExecutable([
            "/usr/bin/systemd-socket-activate", "/lib/systemd/systemd-socket-activate",
            "/usr/lib/systemd/systemd-socket-activate",
        ], package: "systemd")
        let directory = "/tmp/pageoutd-act-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/activated.sock"
        let configPath = directory + "/pageoutd.toml"
        // The configured path is another one: the daemon must not bind it.
        try """
            [daemon]
            socket = "\(directory)/configured.sock"
            state_directory = "\(directory)/state"
            log_level = "debug"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let stderrPath = directory + "/stderr.log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: activator)
        process.arguments = ["-l", socketPath, BuildProducts.url(of: "pageoutd").path, "--config", configPath]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = nil
        process.environment = environment
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        // systemd-socket-activate listens first and starts the daemon at the first connection.
        let client = try VarlinkTestClient(path: socketPath)
        let info = try client.call("org.varlink.service.GetInfo")
        #expect(info.errorName == nil && info.parameters["vendor"] != nil, "\(info)")
        #expect(try client.call("io.pageoutd.GetStatus").errorName == nil)
        let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        #expect(log.contains("from systemd"), "\(log)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/configured.sock"))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        // The daemon did not bind the socket, so it leaves the file to systemd.
        #expect(FileManager.default.fileExists(atPath: socketPath))
    }
}

/// A system group created for one test and deleted after it.
private final class TestGroup {
    let name = "pageoutd-test-" + UUID().uuidString.prefix(8).lowercased()
    let gid: gid_t

    init() throws {
        try run("/usr/sbin/groupadd", ["--system", name])
        guard let entry = getgrnam(name) else { throw TestFailure("groupadd did not create \(name)") }
        gid = entry.pointee.gr_gid
    }

    deinit { try? run("/usr/sbin/groupdel", [name]) }
}

/// Runs a tool to the end; throws when it fails.
private func run(_ tool: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestFailure("\(tool) \(arguments.joined(separator: " ")): exit \(process.terminationStatus)")
    }
}

/// Calls `io.pageoutd.Pause` (mutating) then `io.pageoutd.GetStatus` as uid 65534 with the group options
/// `groups` (and gid 65534 unless `regid` is false); returns the two replies.
private func pythonCalls(_ socketPath: String, _ groups: [String], regid: Bool = true) throws -> [[String: Any]] {
    try callsAs(["--reuid", "65534"] + (regid ? ["--regid", "65534"] : []) + groups, socketPath,
                [["io.pageoutd.Pause", [String: Any]()], ["io.pageoutd.GetStatus", [String: Any]()]])
}
