import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// What a tenant may hand the daemon over its socket and configuration: files that are not shmem, pid files
/// that are secrets, FIFOs or links. Each is refused, promptly, without echoing a byte of the file.
@Suite struct ControlServerKernelInputTests {
    @Test func aDiskFileMappedSharedIsRefusedAsNotShmem() throws {
        try HostRequirements.requireRoot()
        let path = "/var/tmp/pageoutd-disk-" + UUID().uuidString.prefix(8)
        defer { unlink(path) }
        let mapper = try SharedDiskMapper(path: path)
        let daemon = try ControlDaemon(extra: """
            [[region]]
            name = "disk-config"
            pid = \(mapper.pid)
            path = "\(path)"
            """)
        let client = try daemon.client()
        let reply = try client.call("io.pageoutd.Register", ["name": "disk", "pid": Int(mapper.pid), "path": path])
        #expect(reply.errorName == "io.pageoutd.InvalidParameter", "\(reply)")
        #expect(reply.parameters["parameter"] as? String == "path", "\(reply)")
        let reason = reply.parameters["reason"] as? String ?? ""
        #expect(reason.hasPrefix("process \(mapper.pid)'s mapping 0x"), "\(reason)")
        #expect(reason.contains(" is a file on ")
            && reason.hasSuffix(", not shmem: only shmem guest RAM can be paged out"), "\(reason)")
        #expect(try client.call("io.pageoutd.GetRegion", ["name": "disk"]).errorName == "io.pageoutd.RegionNotFound")

        // The same file as a region of the configuration file: failed, with that reason, nothing paged out.
        let region = try client.waitForRegion("disk-config", "failed") { $0["state"] as? String == "failed" }
        #expect((region["reason"] as? String ?? "").contains("not shmem"), "\(region)")
        #expect(region["paged_out"] as? Int ?? 0 == 0, "\(region)")
    }

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

/// A process (python3) that maps a new disk file MAP_SHARED, writes it, and waits until it is killed.
private final class SharedDiskMapper {
    let process = Process()
    let pid: Int32

    init(path: String) throws {
        let script = """
            import mmap, os, sys
            fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            os.ftruncate(fd, 4 << 20)
            m = mmap.mmap(fd, 4 << 20, mmap.MAP_SHARED)
            m.write(b"x" * (4 << 20))
            print("READY", flush=True)
            sys.stdin.read()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, path]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = Pipe()
        try process.run()
        pid = process.processIdentifier
        let line = try LineReader(fd: output.fileHandleForReading.fileDescriptor, keeping: output)
            .line(startingWith: "READY", timeout: 30)
        guard line.hasPrefix("READY") else { throw TestFailure("mapper: \(line)") }
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}
