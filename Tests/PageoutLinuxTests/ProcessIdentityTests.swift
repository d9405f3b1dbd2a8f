import Foundation
import Glibc
import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// Identity is a pidfd: an exited VMM is noticed as such, and its pid's next owner is never advised.
@Suite(.serialized) struct ProcessIdentityTests {
    @Test func handleCarriesTheStartTimeOfItsProcess() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "4MiB", "--hot-percent", "0"])
        let handle = try ProcessHandle(pid: guest.pid)
        let stat = try String(contentsOfFile: "/proc/\(guest.pid)/stat", encoding: .utf8)
        let afterComm = stat[stat.range(of: ")", options: .backwards)!.upperBound...].split(separator: " ")
        #expect(UInt64(afterComm[19]) == handle.startTime)  // field 22 is the 20th after the comm
        #expect(!handle.hasExited)
        guest.stop()
        #expect(handle.hasExited)
        #expect(throws: ProcessExited.self) { try ProcessHandle(pid: guest.pid) }
    }

    @Test func vmmExitingMidSnapshotIsATypedError() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "1GiB", "--hot-percent", "0"])
        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        let scanner = SnapshotScanner(region: region, slicePages: 4096)
        _ = try scanner.snapshot()
        let victim = guest.pid
        let killer = Thread { usleep(2_000); kill(victim, SIGKILL) }
        killer.start()
        var outcome: (any Error)?
        let deadline = Date().addingTimeInterval(Eventually.defaultTimeout)  // the killer may start late
        while Date() < deadline {
            do { _ = try scanner.snapshot() } catch { outcome = error; break }
        }
        #expect(outcome is ProcessExited, "got \(String(describing: outcome))")
        guest.stop()
        #expect(throws: ProcessExited.self) { try region.pageOutMapped([0..<16]) }
        #expect(throws: ProcessExited.self) { try scanner.snapshot() }
    }
}
