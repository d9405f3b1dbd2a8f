import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// The look of an open migration window against the real kernel: the pages the VMM maps, and the residency of
/// the pages asked about alone.
@Suite struct MappedSnapshotTests {
    @Test func theVMMsMappedPagesAndTheResidencyOfThePendingPagesAlone() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "0", "--holes-percent", "10"])
        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        let scanner = SnapshotScanner(region: region)
        let initial = try scanner.snapshot()
        // The first half of the written pages out to swap, then a foreign read (this test process through
        // map_files) brings [pages/4, pages/2) back resident and unmapped in the VMM.
        RawKernel.drainLRUBatches()
        try region.pageOutMapped(initial.mapped.runs(in: 0..<(guest.pages / 2)))
        let readRange = (guest.pages / 4)..<(guest.pages / 2)
        try RawKernel.readThroughFile(guest.mapFilesPath, pages: readRange)
        let full = try scanner.snapshot()
        let readBack = full.residentUnmapped.setCount(in: readRange)
        #expect(readBack > 0, "\(full.counts)")

        // Pending: every page of [pages/8, 3*pages/8): swapped ones, resident-unmapped ones, holes and nothing
        // mapped; the resident-unmapped pages of [3*pages/8, pages/2) are not asked about.
        var pending = PageBitmap(count: guest.pages)
        pending.set((guest.pages / 8)..<(guest.pages * 3 / 8))
        let look = try scanner.mappedSnapshot(residencyOf: pending)
        #expect(look.mapped == full.mapped, "pagemap alone tells the mapped pages")
        #expect(look.residentUnmapped == full.residentUnmapped.intersection(pending),
                "resident and unmapped: exactly the pending pages the full snapshot finds so")
        #expect(look.residentUnmapped.setCount < full.residentUnmapped.setCount, "the others are not looked at")
        #expect(look.swapped.setCount == 0, "swapped and holes are not told apart")
        // Independently of both: the VMM's pagemap present bits.
        let entries = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.pages)
        #expect(entries.filter { $0 & (1 << 63) != 0 }.count == look.mapped.setCount)
    }
}
