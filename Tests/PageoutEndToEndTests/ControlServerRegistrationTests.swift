import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// Regions registered over the socket: paged out, persisted across restarts, dropped when their VMM is gone.
@Suite struct ControlServerRegistrationTests {
    @Test func aRegisteredRegionIsPagedOutRestoredAfterARestartAndDroppedWhenGone() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "10"])
        let daemon = try ControlDaemon()
        var client = try daemon.client()

        let registered = try client.call("io.pageoutd.Register",
                                         ["name": "vm1", "pid": Int(guest.pid), "memfd": guest.memfd])
        #expect((registered.parameters["region"] as? [String: Any])?["name"] as? String == "vm1", "\(registered)")
        #expect(try client.call("io.pageoutd.Register", ["name": "vm1", "pid": Int(guest.pid), "memfd": guest.memfd])
            .errorName == "io.pageoutd.RegionExists")
        #expect(try regionNames(client) == ["vm1"])
        let pagedOut = try client.waitForRegion("vm1", "paged out") { ($0["paged_out"] as? Int ?? 0) > 0 }
        print("registered region paged out \(pagedOut["paged_out"] ?? 0) bytes")
        let saved = try String(contentsOfFile: daemon.registrationsPath, encoding: .utf8)
        #expect(saved.contains("\"vm1\"") && saved.contains("\"start_time\""), "\(saved)")

        // A restart brings the registration back.
        #expect(try daemon.restart() == 0)
        client = try daemon.client()
        #expect(try regionNames(client) == ["vm1"])
        #expect(daemon.daemon.stderrText.contains("registrations restored"))

        // A registration whose process is not the one registered any more (start time differs) is dropped.
        daemon.daemon.send(SIGTERM)
        #expect(daemon.daemon.waitForExit(timeout: 15) == 0)
        let forged = try String(contentsOfFile: daemon.registrationsPath, encoding: .utf8)
            .replacingOccurrences(of: "\"start_time\" : ", with: "\"start_time\" : 1")
        try forged.write(toFile: daemon.registrationsPath, atomically: true, encoding: .utf8)
        _ = try daemon.restart()
        client = try daemon.client()
        #expect(try regionNames(client) == [])
        #expect(daemon.daemon.stderrText.contains("saved registration dropped"), "\(daemon.daemon.stderrText)")
        #expect(!(try String(contentsOfFile: daemon.registrationsPath, encoding: .utf8)).contains("vm1"))

        // The VMM exits: the region turns gone and leaves the persisted state; Unregister forgets it.
        _ = try client.call("io.pageoutd.Register", ["name": "vm1", "pid": Int(guest.pid), "memfd": guest.memfd])
        #expect(try String(contentsOfFile: daemon.registrationsPath, encoding: .utf8).contains("vm1"))
        guest.stop(signal: SIGKILL)
        try client.waitForRegion("vm1", "gone") { $0["state"] as? String == "gone" }
        try Eventually.wait(for: "vm1 out of the persisted registrations") {
            !(try String(contentsOfFile: daemon.registrationsPath, encoding: .utf8)).contains("vm1")
        }
        #expect(try client.call("io.pageoutd.Unregister", ["name": "vm1"]).errorName == nil)
        #expect(try regionNames(client) == [])
    }

    /// The names ListRegions returns.
    private func regionNames(_ client: VarlinkTestClient) throws -> [String] {
        let reply = try client.call("io.pageoutd.ListRegions")
        return (reply.parameters["regions"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }
}
