import Foundation
import Glibc
import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// Pid reuse forced through ns_last_pid, which is machine-wide: any process another test starts meanwhile may take
/// the pid, so this runs in the exclusive pass (scripts/test.sh), alone.
extension ExclusiveTests {
@Suite struct PidReuse {
    /// Forces the exited VMM's pid onto a new guest (ns_last_pid) and shows the old handle cannot reach it.
    @Test func exitedHandleNeverReachesAProcessThatReusedThePid() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let old = try GuestSim(["--size", "8MiB", "--hot-percent", "0"])
        let region = try ShmemRegion(process: ProcessHandle(pid: old.pid), source: .memfd(old.memfd))
        old.stop(signal: SIGKILL)

        var reused: GuestSim?
        let deadline = Date().addingTimeInterval(Eventually.defaultTimeout)
        while reused == nil, Date() < deadline {
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
}
