import Glibc
import PageoutCore
import PageoutLinux
import PageoutMeasure
import PageoutTestSupport
import Testing

/// Prefetch on the real kernel: MADV_WILLNEED through the daemon's view reads swapped shmem pages into the swap
/// cache, the guest's next touch of one is a minor fault, and the pages stay in swap to the snapshot's counts.
@Suite struct PrefetchKernelTests {
    /// The calling thread's major faults so far (getrusage(RUSAGE_THREAD); Glibc's module lacks the constant).
    static func threadMajorFaults() -> Int {
        var usage = rusage()
        getrusage(1, &usage)
        return usage.ru_majflt
    }

    @Test func prefetchedPagesCostAMinorFaultAndStayInSwap() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "0", "--holes-percent", "0"])
        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        let scanner = SnapshotScanner(region: region)
        RawKernel.drainLRUBatches()
        try region.pageOutMapped(try scanner.snapshot().mapped.runs())
        let swapped = try scanner.snapshot()
        let evicted = try region.cacheStat().evicted
        let half = guest.pages / 2
        #expect(swapped.counts.swapped > guest.pages * 9 / 10, "\(swapped.counts)")

        try region.prefetch([0..<half])
        let memory = try GuestMemoryReader(pid: guest.pid, memfd: guest.memfd)
        let state = try memory.read()
        let inFirstHalf = swapped.swapped.setCount(in: 0..<half)
        #expect(state.resident.setCount(in: 0..<half) >= inFirstHalf * 99 / 100,
                "mincore sees the prefetched pages in the swap cache: \(state.resident.setCount(in: 0..<half))")
        #expect(state.resident.setCount(in: half..<guest.pages) <= guest.pages / 100, "the rest stays out")
        #expect(try region.cacheStat().evicted == evicted, "cachestat counts a prefetched page as evicted")
        let after = try scanner.snapshot()
        #expect(after.mapped == swapped.mapped, "prefetch maps nothing in the VMM")
        // The file keeps the prefetched pages' swap entries: the kernel's counts still agree, and the snapshot
        // reads them as swapped.
        #expect(scanner.lastPaths == [.counts])
        #expect(after.swapped == swapped.swapped)

        // A reader that maps the file: its faults on prefetched pages are minor, on the others major.
        let before = Self.threadMajorFaults()
        try RawKernel.readThroughMapping(guest.mapFilesPath, pages: 0..<half)
        let prefetchedFaults = Self.threadMajorFaults() - before
        try RawKernel.readThroughMapping(guest.mapFilesPath, pages: half..<guest.pages)
        let otherFaults = Self.threadMajorFaults() - before - prefetchedFaults
        let inSecondHalf = swapped.swapped.setCount(in: half..<guest.pages)
        #expect(prefetchedFaults <= inFirstHalf / 100, "\(prefetchedFaults) major faults on \(inFirstHalf) pages")
        #expect(otherFaults >= inSecondHalf * 9 / 10, "\(otherFaults) major faults on \(inSecondHalf) pages")
        #expect(try guest.verify().bad == 0)
    }

    /// The look that tells a prefetched page still in the swap cache from one that left it, which the kernel's
    /// counts cannot: a page put back into swap (as reclaim drops it) keeps reading as swapped by them.
    @Test func theResidencyLookTellsAWaitingPageFromADroppedOne() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "0", "--holes-percent", "0"])
        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        let scanner = SnapshotScanner(region: region)
        RawKernel.drainLRUBatches()
        try region.pageOutMapped(try scanner.snapshot().mapped.runs())
        let swapped = try scanner.snapshot().swapped
        let half = guest.pages / 2
        try region.prefetch([0..<half])
        // Half of the prefetched pages leave the swap cache, the way reclaim drops them.
        let quarter = half / 2
        _ = try region.repairResidentUnmapped([0..<quarter])
        let resident = try scanner.resident(among: swapped)
        let after = try scanner.snapshot()
        #expect(scanner.lastPaths == [.counts])
        #expect(after.swapped == swapped, "to the counts every page is still in swap")
        let waiting = swapped.setCount(in: quarter..<half)
        #expect(resident.setCount(in: quarter..<half) >= waiting * 99 / 100,
                "\(resident.setCount(in: quarter..<half)) of \(waiting) prefetched pages found waiting")
        #expect(resident.setCount(in: 0..<quarter) <= quarter / 100,
                "\(resident.setCount(in: 0..<quarter)) of the \(quarter) put back found waiting")
        #expect(resident.setCount(in: half..<guest.pages) <= guest.pages / 100, "the rest stays out")
        #expect(resident.subtracting(swapped).isEmpty, "only the pages asked about are answered")
        #expect(try guest.verify().bad == 0)
    }
}
