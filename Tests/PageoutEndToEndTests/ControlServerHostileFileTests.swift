import Foundation
import Glibc
import PageoutLinux
import PageoutTestSupport
import Testing

/// A VMM whose "guest RAM" is a FUSE file that lies about its size or its data extents: over the socket and from
/// a saved registrations file, the region is refused, the daemon keeps answering and restarts clean.
@Suite struct ControlServerHostileFileTests {
    @Test func fuseFilesWithHugeBlockCountsOrBackwardSeeksAreRefusedAndTheDaemonLives() throws {
        let fuse = try HostileFuse()
        let daemon = try ControlDaemon()
        var client = try daemon.client()
        let names = ["huge-blocks", "seek-backwards", "seek-stuck"]
        let mappers = try names.map { try FileMapper(path: fuse.path($0)) }
        for (name, mapper) in zip(names, mappers) {
            let reply = try client.call("io.pageoutd.Register",
                                        ["name": name, "pid": Int(mapper.pid), "path": fuse.path(name)])
            #expect(reply.errorName == "io.pageoutd.InvalidParameter", "\(reply)")
            #expect((reply.parameters["reason"] as? String ?? "").contains("not shmem"), "\(reply)")
        }
        #expect(try client.call("io.pageoutd.Pause", ["name": "huge-blocks"]).errorName
            == "io.pageoutd.RegionNotFound", "the daemon still answers, and kept none of them")
        let saved = (try? String(contentsOfFile: daemon.registrationsPath, encoding: .utf8)) ?? ""
        #expect(!names.contains { saved.contains($0) }, "nothing refused is persisted: \(saved)")

        // A registrations file written before the shmem check (or by hand) names them: each is dropped at start
        // with one line, and the daemon runs.
        daemon.daemon.send(SIGTERM)
        #expect(daemon.daemon.waitForExit(timeout: 15) == 0)
        let registrations = try zip(names, mappers).map { name, mapper -> [String: Any] in
            let startTime = try ProcFS().startTime(pid: mapper.pid)
            return ["name": name, "pid": Int(mapper.pid), "path": fuse.path(name),
                    "identity": ["pid": Int(mapper.pid), "start_time": startTime]]
        }
        try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: ["version": 1, "registrations": registrations])
            .write(to: URL(fileURLWithPath: daemon.registrationsPath))
        _ = try daemon.restart()
        client = try daemon.client()
        let listed = try client.call("io.pageoutd.ListRegions").parameters["regions"] as? [[String: Any]] ?? []
        #expect(listed.isEmpty, "\(listed)")
        let log = daemon.daemon.stderrText
        #expect(log.components(separatedBy: "saved registration dropped").count == names.count + 1, "one line each: \(log)")
        #expect(!names.contains { (try? String(contentsOfFile: daemon.registrationsPath, encoding: .utf8))?
            .contains($0) ?? false }, "the file is rewritten without them")
        #expect(try daemon.restart() == 0, "and the next restart is clean")
        _ = try daemon.client().scans()
        withExtendedLifetime(mappers) {}
    }
}
