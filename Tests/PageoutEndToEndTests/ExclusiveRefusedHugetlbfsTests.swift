import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// Guest RAM on hugetlbfs (a MFD_HUGETLB memfd, a file on a hugetlbfs mount): huge TLB pages are never swapped,
/// and process_madvise(MADV_PAGEOUT) fails with EINVAL on them. Machine-wide state: the tests reserve huge pages
/// (/proc/sys/vm/nr_hugepages) and mount a hugetlbfs, and put back what they found.
extension ExclusiveTests {
@Suite(.serialized) struct RefusedHugetlbfs {
    @Test func aConfiguredHugetlbfsRegionIsRefusedWithinOneScanAndSaidOnce() throws {
        try HostRequirements.requireRoot()
        let reservation = try HugePageReservation(pages: 16)
        defer { reservation.restore() }
        let vmm = try LockingVMM(.hugetlbMemfd, mebibytes: 32)
        defer { vmm.stop() }
        let (daemon, client, refused) = try RefusedRegionTests.startRefused(vmm, label: "hugetlbfs")
        #expect((refused["reason"] as? String ?? "").contains("hugetlbfs RAM cannot be paged out"), "\(refused)")
        #expect(refused["size"] as? Int == 32 << 20 && refused["mapped"] as? Int == 32 << 20, "\(refused)")
        try RefusedRegionTests.expectRefusedQuietly(daemon: daemon, client: client, name: "locked",
                                                    reason: "hugetlbfs")
        #expect(try ProcText.read("/proc/meminfo").contains("HugePages_Free:"), "huge pages still in place")
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test func registeringHugetlbfsRAMIsRefusedWithTheReason() throws {
        try HostRequirements.requireRoot()
        let reservation = try HugePageReservation(pages: 4)
        defer { reservation.restore() }
        let daemon = try ControlDaemon()
        let client = try daemon.client()

        let memfd = try LockingVMM(.hugetlbMemfd, mebibytes: 4)
        defer { memfd.stop() }
        let byMemfd = try client.call("io.pageoutd.Register",
                                      ["name": "huge", "pid": Int(memfd.pid), "memfd": LockingVMM.memfdName])
        Self.expectRefused(byMemfd, parameter: "memfd")

        let mountPoint = daemon.directory + "/hugepages"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try runToEnd(["mount", "-t", "hugetlbfs", "none", mountPoint])
        try #require(mounted.status == 0, "mount -t hugetlbfs: \(mounted.output)")
        defer { _ = try? runToEnd(["umount", mountPoint]) }
        let file = try LockingVMM(.file(path: mountPoint + "/guest"), mebibytes: 4)
        defer { file.stop() }
        let byPath = try client.call("io.pageoutd.Register",
                                     ["name": "huge", "pid": Int(file.pid), "path": mountPoint + "/guest"])
        Self.expectRefused(byPath, parameter: "path")
        let regions = try client.call("io.pageoutd.ListRegions")
        #expect(!"\(regions)".contains("huge"), "nothing registered: \(regions)")
    }

    static func expectRefused(_ reply: [String: Any], parameter: String) {
        #expect(reply.errorName == "io.pageoutd.InvalidParameter", "\(reply)")
        #expect(reply.parameters["parameter"] as? String == parameter, "\(reply)")
        let reason = reply.parameters["reason"] as? String ?? ""
        #expect(reason.contains("is hugetlbfs memory, not shmem") && reason.contains("cannot be paged out"),
                "\(reply)")
        print("Register of hugetlbfs RAM by \(parameter): \(reason)")
    }
}
}
