import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// A daemon out of file descriptors (RLIMIT_NOFILE) says so: a region it cannot open fails naming EMFILE, never
/// as a process that does not exist (or gone), and the regions it holds open keep being scanned.
@Suite struct DescriptorLimitTests {
    @Test func regionsPastTheDescriptorLimitFailNamingEMFILE() throws {
        try HostRequirements.requireRoot()
        let prlimit = try HostRequirements.requireExecutable(["/usr/bin/prlimit"], package: "util-linux")
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "0"])
        let daemon = try DaemonProcess(config: "[daemon]\nscan_interval = \"1s\"\n",
                                       launcher: [prlimit, "--nofile=48:48"])
        let client = try VarlinkTestClient(path: daemon.socketPath)
        for index in 0..<40 {
            let reply = try client.call("io.pageoutd.Register",
                                        ["name": "vm\(index)", "pid": Int(guest.pid), "memfd": guest.memfd])
            #expect(reply.errorName == nil || reply.errorName != "io.pageoutd.ProcessNotFound", "\(reply)")
        }
        var regions: [[String: Any]] = []
        try Eventually.wait(for: "regions refused for want of descriptors", describe: { "\(regions)" }) {
            regions = try client.call("io.pageoutd.ListRegions").parameters["regions"] as? [[String: Any]] ?? []
            return regions.contains { ($0["reason"] as? String ?? "").contains("EMFILE") }
        }
        let phases = regions.map { $0["phase"] as? String ?? "" }
        #expect(!phases.contains("gone"), "no region is taken for gone: \(regions)")
        let scanned = try #require(regions.first { ($0["scans"] as? Int ?? 0) > 0 }, "\(regions)")
        let name = try #require(scanned["name"] as? String)
        let scans = scanned["scans"] as? Int ?? 0
        try client.waitForRegion(name, "scanned twice more") { ($0["scans"] as? Int ?? 0) >= scans + 2 }
        let refused = regions.filter { ($0["reason"] as? String ?? "").contains("EMFILE") }.count
        print("RLIMIT_NOFILE 48: \(regions.count - refused) of \(regions.count) regions open, \(refused) failed with EMFILE")
    }
}
