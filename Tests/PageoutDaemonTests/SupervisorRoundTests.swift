import CPageoutSys
import Foundation
import Glibc
import PageoutCore
@testable import PageoutDaemon
import PageoutLinux
import PageoutTestSupport
import Synchronization
import Testing

/// A supervisor round driven in-process through the advisor seam: the test process is the VMM (a memfd of its
/// own, every page written), the machine's swap and pressure come from a fake /proc tree, and the advisor records
/// each job instead of calling process_madvise. Nothing here needs swap, or the privileges to act on another
/// process; opening the test's own /proc/self/map_files still needs CAP_CHECKPOINT_RESTORE (or root).
@Suite struct SupervisorRoundTests {
    @Test func aColdRegionIsProbedThenItsLeftoversFinishedAndItsBlocksPagedOutInFull() async throws {
        try HostRequirements.requireRoot()
        let guest = try OwnGuestMemory(name: "round-test", pages: 2048)
        let procfs = try FakeProcRoot(swapFreeKiB: 7_340_028)
        defer { procfs.remove() }
        let advisor = RecordingAdvisor(unmapOwnMemory: true)
        let supervisor = await guest.startedSupervisor(procfs: procfs, advisor: advisor)

        // First sight: every block starts active, nothing is cold yet.
        await supervisor.scanRound()
        #expect(advisor.jobs.isEmpty)
        try await Task.sleep(for: .milliseconds(150))  // past cold_age (100 ms) on the policy's clock

        // Cold and never probed: one sampled page in 16 of each block, nothing else.
        let probed = await supervisor.scanRound()
        let probe = try #require(advisor.jobs.last)
        #expect(advisor.jobs.count == 1)
        #expect(probe.finish.isEmpty && probe.repair.isEmpty)
        #expect(probe.plan.probePages == 2048 / 16)
        #expect(probe.plan.probedBlocks.sorted() == [0, 1, 2, 3])
        #expect(probe.plan.runs.allSatisfy { $0.count == 1 })
        #expect(probe.snapshot.mapped.setCount == 2048, "the snapshot the job came from saw every page mapped")
        let region = try #require(probed.regions.first)
        #expect(region.pagedOutBytes == UInt64(probe.plan.probePages) * 4096, "the receipt was recorded")
        #expect(region.refaultPages == 0, "the recheck found the probes unmapped")

        // The probes are unmapped but resident: the leftovers of a pageout, to finish through the daemon's own
        // mapping; the probed blocks stayed out a whole scan, so they go out in full.
        let pagedOut = await supervisor.scanRound()
        #expect(advisor.jobs.count == 2)
        let full = try #require(advisor.jobs.last)
        // A probe the kernel reclaimed meanwhile (the machine's own memory pressure: the page was unmapped and
        // resident, a candidate for kswapd) is in swap already, and nothing is left to finish of it.
        let finished = Set(full.finish.flatMap { Array($0) })
        let probes = Set(probe.plan.runs.flatMap { Array($0) })
        #expect(finished.isSubset(of: probes))
        let reclaimed = probes.subtracting(finished)
        #expect(reclaimed.allSatisfy { full.snapshot.swapped[$0] }, "unfinished probes not in swap: \(reclaimed)")
        #expect(reclaimed.count <= probes.count / 10, "\(reclaimed.count) of \(probes.count) probes reclaimed")
        #expect(full.plan.fullBlocks.sorted() == [0, 1, 2, 3])
        #expect(full.plan.pageCount == 2048 - probe.plan.probePages)
        #expect(try guest.mappedPages(in: probe.snapshot) == 0, "the kernel unmapped every page the jobs named")
        #expect(pagedOut.regions.first?.refaultPages == 0)
    }

    @Test func noSwapHoldsEveryRegionBackAndNoJobIsMade() async throws {
        try HostRequirements.requireRoot()
        let guest = try OwnGuestMemory(name: "round-noswap", pages: 512)
        let procfs = try FakeProcRoot(swapFreeKiB: nil)
        defer { procfs.remove() }
        let advisor = RecordingAdvisor(unmapOwnMemory: false)
        let supervisor = await guest.startedSupervisor(procfs: procfs, advisor: advisor)
        await supervisor.scanRound()
        try await Task.sleep(for: .milliseconds(150))
        let status = await supervisor.scanRound()
        #expect(advisor.jobs.isEmpty)
        #expect(status.guardReason == PageoutGuard.noSwap.description)
        #expect(status.regions.first?.reason == PageoutGuard.noSwap.description)
        #expect(status.regions.first?.coldBytes == 512 * 4096, "the scan still ran and classified the pages")
    }
}

/// An advisor that records every job; with `unmapOwnMemory` it unmaps the mapped pages a job names from the test
/// process (the VMM) with madvise(MADV_DONTNEED), which for shmem leaves them in the page cache: a pageout the
/// kernel left in memory, as MADV_PAGEOUT does to part of a huge page, whether or not the machine has swap.
/// Unmapped pages are reported done without touching them.
final class RecordingAdvisor: PageoutAdvisor {
    private let recorded = Mutex<[PageoutJob]>([])
    private let unmapOwnMemory: Bool

    init(unmapOwnMemory: Bool) {
        self.unmapOwnMemory = unmapOwnMemory
    }

    /// The jobs carried out, in order.
    var jobs: [PageoutJob] { recorded.withLock { $0 } }

    func carryOut(_ job: PageoutJob) -> PageoutReceipt {
        recorded.withLock { $0.append(job) }
        var receipt = PageoutReceipt(job: job)
        receipt.finishedPages = PageoutJob.pages(job.finish)
        receipt.repairedPages = PageoutJob.pages(job.repair)
        for run in job.plan.runs {
            job.region.layout.forEachAddressRange(of: run) { range in
                if unmapOwnMemory {
                    let start = UnsafeMutableRawPointer(bitPattern: UInt(range.start))
                    #expect(madvise(start, Int(range.end - range.start), MADV_DONTNEED) == 0)
                }
                receipt.advisedBytes += range.end - range.start
            }
        }
        return receipt
    }
}
