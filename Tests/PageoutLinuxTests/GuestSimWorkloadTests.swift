import Foundation
import Glibc
import PageoutCore
import PageoutLinux
import PageoutMeasure
import PageoutTestSupport
import Testing

/// The guest simulator's zipf workload, checked against the kernel: the working set it names is the memory it
/// accesses, its LOAD figures add up, its pattern survives the accesses, and moves and drift change the set.
@Suite struct GuestSimWorkloadTests {
    /// A fresh path for a working-set file.
    private static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("working-set-\(UUID().uuidString)").path
    }

    private static func zipf(_ path: String, _ extra: [String]) -> [String] {
        ["--size", "64MiB", "--workload", "zipf", "--working-set-file", path] + extra
    }

    @Test func onlyTheWorkingSetComesBackAfterAPageout() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let path = Self.temporaryPath()
        defer { unlink(path) }
        let guest = try GuestSim(Self.zipf(path, [
            "--working-set-percent", "30", "--run-size", "16KiB", "--access-rate", "20000", "--recent-window", "2",
        ]))
        let workingSet = try GuestWorkingSet(contentsOf: path)
        let current = Set(workingSet.pages(.ws))
        #expect(current.count == guest.hotPages && current.count == guest.pages * 30 / 100 / 4 * 4)
        #expect(workingSet.pages(.never).count == guest.pages - current.count && workingSet.moves == 0)

        let loads = try (0..<3).map { _ in try guest.nextLoad() }
        let accesses = loads.reduce(0) { $0 + $1.accesses }
        #expect(accesses > 48_000 && accesses < 72_000, "open loop: 20,000 a second, \(accesses) in 3 s")
        for load in loads {
            #expect(load.workingSetPages == current.count && load.moves == 0)
            #expect(load.recentPages <= current.count && load.recentPages > current.count / 2)
            #expect(load.p999Microseconds > 0 && load.lagMilliseconds < 2_000)
        }

        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        RawKernel.drainLRUBatches()
        try region.pageOutMapped([0..<guest.pages])
        let firstWave = try (0..<3).map { _ in try guest.nextLoad() }
        let faults = firstWave.reduce(0) { $0 + $1.majorFaults }
        #expect(faults > 0, "the working set came back from swap")
        #expect(firstWave.allSatisfy { $0.repeatFaults == 0 }, "no page had faulted before the first pageout")
        let entries = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.pages)
        let present = Set(entries.indices.filter { entries[$0] & (1 << 63) != 0 })
        #expect(present.subtracting(current).count <= guest.pages / 100, "untouched pages stay out")
        #expect(present.intersection(current).count > current.count / 2, "accessed pages are mapped again")

        // Paged out again, the pages that came back fault a second time: the guest charges those as repeats.
        RawKernel.drainLRUBatches()
        try region.pageOutMapped([0..<guest.pages])
        let secondWave = try (0..<3).map { _ in try guest.nextLoad() }
        let again = secondWave.reduce(0) { $0 + $1.majorFaults }
        let repeats = secondWave.reduce(0) { $0 + $1.repeatFaults }
        #expect(repeats > again / 2 && repeats <= again, "\(repeats) of \(again) faults charged as repeats")

        let verified = try guest.verify()
        #expect(verified.ok == guest.pages && verified.bad == 0)
    }

    @Test func aMoveReplacesTheWorkingSetAndASeedRepeatsIt() throws {
        let path = Self.temporaryPath()
        defer { unlink(path) }
        let arguments = Self.zipf(path, ["--working-set-percent", "25", "--access-rate", "5000", "--seed", "42"])
        let guest = try GuestSim(arguments + ["--move-every", "2"])
        let before = try GuestWorkingSet(contentsOf: path)
        _ = try guest.output.line(startingWith: "MOVED moves=1", timeout: 10)
        let after = try GuestWorkingSet(contentsOf: path)
        #expect(after.moves == 1 && after.pages(.ws).count == before.pages(.ws).count)
        let kept = Set(after.pages(.ws)).intersection(before.pages(.ws)).count
        #expect(kept == 0, "a move leaves the old set")
        let retired = after.pages(.retired)
        #expect(retired.count == before.pages(.ws).count && retired == before.pages(.ws), "the old set is retired")
        #expect(try guest.nextLoad().moves == 1)
        let verified = try guest.verify()
        #expect(verified.ok == guest.pages && verified.bad == 0)
        guest.stop()

        let again = try GuestSim(arguments)
        let repeated = try GuestWorkingSet(contentsOf: path) == before
        #expect(repeated, "the same seed chooses the same working set")
        again.stop()
    }

    @Test func driftReplacesRunsOneByOne() throws {
        let path = Self.temporaryPath()
        defer { unlink(path) }
        // 25% of 64 MiB in 64 KiB runs is 256 runs; 75% a minute replaces 3.2 a second.
        let guest = try GuestSim(Self.zipf(path, ["--working-set-percent", "25", "--drift-percent", "75"]))
        let before = try GuestWorkingSet(contentsOf: path)
        _ = try (0..<3).map { _ in try guest.nextLoad() }
        let after = try GuestWorkingSet(contentsOf: path)
        let left = Set(before.pages(.ws)).subtracting(after.pages(.ws))
        #expect(after.moves == 0 && after.pages(.ws).count == before.pages(.ws).count)
        #expect(left.count % 16 == 0 && left.count / 16 >= 3 && left.count / 16 <= 16,
                "\(left.count / 16) runs of the first set replaced in about 3 s")
        let retired = left.isSubset(of: after.pages(.retired))
        #expect(retired, "the pages that left are retired")
    }
}
