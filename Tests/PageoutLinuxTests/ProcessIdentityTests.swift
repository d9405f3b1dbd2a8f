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

    /// Forces the exited VMM's pid onto a new guest (ns_last_pid) and shows the old handle cannot reach it.
    @Test func exitedHandleNeverReachesAProcessThatReusedThePid() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let old = try GuestSim(["--size", "8MiB", "--hot-percent", "0"])
        let region = try ShmemRegion(process: ProcessHandle(pid: old.pid), source: .memfd(old.memfd))
        old.stop(signal: SIGKILL)

        var reused: GuestSim?
        for _ in 0..<20 where reused == nil {
            try "\(old.pid - 1)".write(toFile: "/proc/sys/kernel/ns_last_pid", atomically: false, encoding: .utf8)
            let candidate = try GuestSim(["--size", "8MiB", "--hot-percent", "0"])
            if candidate.pid == old.pid { reused = candidate } else { candidate.stop() }
        }
        let successor = try #require(reused, "could not get pid \(old.pid) reused")
        #expect(throws: ProcessExited.self) { try region.pageOutMapped([0..<region.layout.pageCount]) }
        let entries = try RawKernel.pagemap(pid: successor.pid, start: successor.start, pages: successor.pages)
        #expect(entries.allSatisfy { $0 & (1 << 63) != 0 }, "every page of the new process is still mapped")
    }
}
