import Foundation
import Glibc
import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// Skew repair: pages another process read back from swap go back to swap, and nothing else moves.
@Suite struct RepairKernelTests {
    @Test func foreignReadLeavesResidentUnmappedPagesAndRepairReturnsThemToSwap() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "128MiB", "--hot-percent", "0", "--holes-percent", "10"])
        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        let scanner = SnapshotScanner(region: region)
        let initial = try scanner.snapshot()
        // Page out the first three quarters of the written pages but for the last 10, which stay mapped next to
        // pages to repair (fault-around neighbours of the repair's populate).
        let paged = initial.mapped.runs(in: 0..<(guest.pages * 3 / 4 - 10))
        RawKernel.drainLRUBatches()
        try region.pageOutMapped(paged)
        let swapped = try scanner.snapshot()
        let evictedBefore = try region.cacheStat().evicted
        #expect(Int(evictedBefore) == swapped.counts.swapped)

        // Foreign readers (this test process, through map_files, as a backup tool or a migration helper would):
        // read(2) of [pages/4, pages/2) brings swapped pages back and leaves holes alone; a shared mapping read
        // of [pages/2, 3*pages/4) also fills its holes with zero pages. Neither maps anything in the VMM.
        let readRange = (guest.pages / 4)..<(guest.pages / 2)
        let mappedReadRange = (guest.pages / 2)..<(guest.pages * 3 / 4)
        try RawKernel.readThroughFile(guest.mapFilesPath, pages: readRange)
        try RawKernel.readThroughMapping(guest.mapFilesPath, pages: mappedReadRange)
        let skewed = try scanner.snapshot()
        #expect(scanner.lastPaths == [.pageByPage], "resident-unmapped pages need the per-page lookups")
        let readSwapped = swapped.swapped.setCount(in: readRange) + swapped.swapped.setCount(in: mappedReadRange)
        let filledHoles = swapped.pages(in: .hole).setCount(in: mappedReadRange)
        #expect(filledHoles > 0)
        var broughtBack = PageBitmap(count: guest.pages)
        broughtBack.set(readRange)
        broughtBack.set(mappedReadRange)
        broughtBack.formIntersection(swapped.swapped)
        var filled = PageBitmap(count: guest.pages)
        filled.set(mappedReadRange)
        filled.formIntersection(swapped.pages(in: .hole))
        broughtBack.formUnion(filled)
        // Reclaim may take a page read back before the snapshot looks (seen: 4 of 15,561 once, under the whole
        // suite's load, on a host whose DAMON pageout scheme takes unmapped pages of long-idle memory): it is in
        // swap again, or a hole again for a zero page. Nothing else moves, and nothing else is resident-unmapped.
        let reclaimedAgain = broughtBack.subtracting(skewed.residentUnmapped)
        #expect(reclaimedAgain.setCount <= 64, "\(reclaimedAgain.setCount) of \(readSwapped + filledHoles)")
        #expect(reclaimedAgain.intersectionCount(with: skewed.swapped.union(skewed.pages(in: .hole)),
                                                  in: 0..<guest.pages) == reclaimedAgain.setCount)
        #expect(skewed.residentUnmapped == broughtBack.subtracting(reclaimedAgain), "\(skewed.counts)")
        #expect(skewed.pages(in: .hole).setCount(in: readRange) == swapped.pages(in: .hole).setCount(in: readRange),
                "read(2) of a shmem hole allocates nothing")
        var mappedRead = PageBitmap(count: guest.pages)
        mappedRead.set(mappedReadRange)
        mappedRead.subtract(swapped.mapped)  // pages the VMM still maps stay mapped
        mappedRead.subtract(reclaimedAgain)
        #expect(skewed.residentUnmapped.runs(in: mappedReadRange) == mappedRead.runs(in: mappedReadRange))
        #expect(skewed.mapped == swapped.mapped, "a foreign read maps nothing in the VMM")
        // cachestat counts what is in swap when it is called: reclaim may have taken a few more by then.
        let evictedAtSnapshot = evictedBefore - UInt64(readSwapped)
            + UInt64(reclaimedAgain.intersectionCount(with: swapped.swapped, in: 0..<guest.pages))
        let evicted = try region.cacheStat().evicted
        #expect(evicted >= evictedAtSnapshot && evicted <= evictedAtSnapshot + 64, "\(evicted), \(evictedAtSnapshot)")

        // Repair: only resident-unmapped pages are populated and paged out.
        let repaired = try region.repairResidentUnmapped(skewed.residentUnmapped.runs())
        // mincore decides what is populated: a page reclaimed between the snapshot and the repair is skipped
        // (seen: 8 of 15,561 once, under the whole suite's load), never populated from swap.
        #expect(repaired <= skewed.counts.residentUnmapped && repaired >= skewed.counts.residentUnmapped - 64,
                "\(repaired) of \(skewed.counts.residentUnmapped)")
        var after = try scanner.snapshot()
        // The odd populated page can still sit in another CPU's LRU add batch, where MADV_PAGEOUT cannot isolate
        // it (docs/KERNEL-NOTES.md, "Pages MADV_PAGEOUT cannot isolate"). The daemon repairs it at its next
        // scan; so does the test, after draining the batches, scan after scan until none is left (seen: 13
        // pages left after one such repair, under the whole suite's load), for at most 10 s.
        let deadline = Date().addingTimeInterval(10)
        while after.counts.residentUnmapped > 0, after.counts.residentUnmapped <= 64, Date() < deadline {
            RawKernel.drainLRUBatches()
            _ = try region.repairResidentUnmapped(after.residentUnmapped.runs())
            after = try scanner.snapshot()
            if after.counts.residentUnmapped > 0 { usleep(50_000) }
        }
        #expect(scanner.lastPaths == [.counts])
        #expect(after.counts.residentUnmapped == 0, "\(after.counts)")
        #expect(after.mapped == swapped.mapped, "repair touched no mapped page")
        #expect(after.swapped == swapped.swapped, "the swapped set is back to what it was")
        // Holes a reader filled with zeros become holes again (the kernel drops zero-filled shmem on pageout).
        #expect(after.pages(in: .hole) == swapped.pages(in: .hole))
        #expect(try region.cacheStat().evicted == evictedBefore, "cachestat confirms the repair")
        // The view maps nothing afterwards, not even the neighbours fault-around mapped during the populate:
        // a page the view kept mapped would have a second mapper, and MADV_PAGEOUT through the VMM skips those.
        for view in region.views {
            let entries = try RawKernel.pagemap(pid: getpid(), start: UInt64(UInt(bitPattern: view.base)),
                                                pages: view.pageCount)
            #expect(entries.filter { $0 & (1 << 63) != 0 }.count == 0, "pages left mapped in the daemon's view")
        }

        let verify = try guest.verify()
        #expect(verify.bad == 0)
    }

    @Test func repairNeverPopulatesSwappedPages() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "32MiB", "--hot-percent", "0"])
        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        let scanner = SnapshotScanner(region: region)
        RawKernel.drainLRUBatches()
        try region.pageOutMapped([0..<guest.pages])
        let swapped = try scanner.snapshot()
        #expect(Double(swapped.counts.swapped) >= 0.995 * Double(guest.pages))
        // Asked to repair every swapped page, it finds none resident and reads nothing back from swap.
        #expect(try region.repairResidentUnmapped(swapped.swapped.runs()) == 0)
        #expect(try scanner.snapshot() == swapped)
        #expect(try region.cacheStat().evicted == UInt64(swapped.counts.swapped))
    }
}
