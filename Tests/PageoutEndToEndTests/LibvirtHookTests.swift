import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// contrib/libvirt/qemu: the libvirt QEMU hook registers a VM whose RAM is a shared memfd on `started`,
/// unregisters it on `stopped`, registers nothing for a VM without shared memory, and never fails a VM start.
@Suite struct LibvirtHookTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let hook = root.appendingPathComponent("contrib/libvirt/qemu").path
    static let fixtures = root.appendingPathComponent("Tests/fixtures/libvirt")
    static let guestName = "hookvm"

    /// A temporary libvirt run directory holding `GUEST.pid` with `pid`.
    static func runDirectory(pid: Int32) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("libvirt-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "\(pid)\n".write(to: directory.appendingPathComponent("\(guestName).pid"), atomically: true, encoding: .utf8)
        return directory.path
    }

    /// Runs the hook as libvirt does: `qemu GUEST OPERATION SUB_OPERATION EXTRA`, the domain XML on stdin.
    static func runHook(_ operation: String, subOperation: String, xml: String, socket: String,
                        runDirectory: String) throws -> (status: Int32, output: String) {
        let xmlPath = fixtures.appendingPathComponent(xml).path
        return try runToEnd([
            "PAGEOUTCTL=\(BuildProducts.url(of: "pageoutctl").path)",
            "PAGEOUTD_SOCKET=\(socket)",
            "PAGEOUTD_LIBVIRT_RUN=\(runDirectory)",
            "XML=\(xmlPath)",
            "sh", "-c", "exec \"$0\" \"$@\" < \"$XML\"", hook, guestName, operation, subOperation, "-",
        ])
    }

    /// The region names `pageoutctl --json regions` lists (the ListRegions reply), or nil while the daemon does
    /// not answer. Any other shape fails: a reader that found no names in it would pass every "nothing registered".
    static func regionNames(socket: String) throws -> [String]? {
        let result = try runToEnd([BuildProducts.url(of: "pageoutctl").path, "--socket", socket, "--json", "regions"])
        guard result.status == 0 else { return nil }
        let json = try? JSONSerialization.jsonObject(with: Data(result.output.utf8))
        guard let regions = (json as? [String: Any])?["regions"] as? [[String: Any]] else {
            throw TestFailure("`pageoutctl --json regions` is not {\"regions\": [...]}: \(result.output)")
        }
        return try regions.map { region in
            guard let name = region["name"] as? String else { throw TestFailure("a region without a name: \(region)") }
            return name
        }
    }

    /// Waits until the daemon answers on `socket`.
    static func waitForDaemon(socket: String, daemon: DaemonProcess) throws {
        try Eventually.wait(for: "the daemon answering on \(socket)", describe: { daemon.stderrText }) {
            try regionNames(socket: socket) != nil
        }
    }

    @Test func startedRegistersAndStoppedUnregisters() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "10", "--name", "memory-backend-memfd"])
        let daemon = try DaemonProcess(config: "[daemon]\nscan_interval = \"500ms\"\n")
        let socket = daemon.socketPath
        try Self.waitForDaemon(socket: socket, daemon: daemon)
        let run = try Self.runDirectory(pid: guest.pid)

        // Operations other than started/stopped/release do nothing and say nothing.
        let prepare = try Self.runHook("prepare", subOperation: "begin", xml: "domain-memfd.xml", socket: socket,
                                       runDirectory: run)
        #expect(prepare.status == 0 && prepare.output.isEmpty, "\(prepare.output)")
        #expect(try Self.regionNames(socket: socket) == [])

        let started = try Self.runHook("started", subOperation: "begin", xml: "domain-memfd.xml", socket: socket,
                                       runDirectory: run)
        #expect(started.status == 0, "\(started.output)")
        #expect(try Self.regionNames(socket: socket) == [Self.guestName], "\(started.output) \(daemon.stderrText)")

        let stopped = try Self.runHook("stopped", subOperation: "end", xml: "domain-memfd.xml", socket: socket,
                                       runDirectory: run)
        #expect(stopped.status == 0, "\(stopped.output)")
        #expect(try Self.regionNames(socket: socket) == [])

        // libvirt runs `release` after `stopped`: the region is already gone, which is not an error.
        let release = try Self.runHook("release", subOperation: "end", xml: "domain-memfd.xml", socket: socket,
                                       runDirectory: run)
        #expect(release.status == 0 && release.output.isEmpty, "\(release.output)")
    }

    @Test func aVMWithoutSharedMemoryIsNotRegistered() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "10", "--name", "memory-backend-memfd"])
        let daemon = try DaemonProcess(config: "[daemon]\nscan_interval = \"500ms\"\n")
        let socket = daemon.socketPath
        try Self.waitForDaemon(socket: socket, daemon: daemon)
        let run = try Self.runDirectory(pid: guest.pid)

        let started = try Self.runHook("started", subOperation: "begin", xml: "domain-plain.xml", socket: socket,
                                       runDirectory: run)
        #expect(started.status == 0, "\(started.output)")
        let lines = started.output.split(separator: "\n")
        #expect(lines.count == 1, "\(started.output)")
        #expect(started.output.contains("not shared memory"), "\(started.output)")
        #expect(try Self.regionNames(socket: socket) == [])
    }

    @Test func withoutADaemonTheHookStillSucceeds() throws {
        let run = try Self.runDirectory(pid: getpid())
        let socket = FileManager.default.temporaryDirectory
            .appendingPathComponent("no-daemon-\(UUID().uuidString).sock").path
        let started = try Self.runHook("started", subOperation: "begin", xml: "domain-memfd.xml", socket: socket,
                                       runDirectory: run)
        #expect(started.status == 0, "\(started.output)")
        #expect(started.output.split(separator: "\n").count == 1, "\(started.output)")
        #expect(started.output.contains("register failed"), "\(started.output)")

        let stopped = try Self.runHook("stopped", subOperation: "end", xml: "domain-memfd.xml", socket: socket,
                                       runDirectory: run)
        #expect(stopped.status == 0, "\(stopped.output)")
        #expect(stopped.output.split(separator: "\n").count == 1, "\(stopped.output)")
    }
}
