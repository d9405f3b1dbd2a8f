import Foundation
import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// Snapshots that share one read of the daemon's smaps (`OwnSwapSource`), against the real kernel.
@Suite struct SharedOwnSwapTests {
    /// Figures handed out as they were set, read from the daemon's smaps when asked to read again.
    final class HeldFigures: OwnSwapSource {
        var figures: [UInt64: UInt64]
        var readsAgain = 0
        private let read: () throws -> [UInt64: UInt64]

        init(read: @escaping () throws -> [UInt64: UInt64]) throws {
            self.read = read
            figures = try read()
        }

        func swapBytes(readingAgain again: Bool) throws -> [UInt64: UInt64] {
            if again {
                readsAgain += 1
                figures = try read()
            }
            return figures
        }
    }

    @Test func figuresOlderThanAPageoutAreReadAgainAndTheSnapshotStaysExact() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "0", "--holes-percent", "10"])
        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        let scanner = SnapshotScanner(region: region)
        let shared = try HeldFigures {
            try region.process.procfs.ownSwapBytes(mappingsStartingAt: scanner.viewStarts)
        }

        // Current figures: used as they are, no second read.
        let first = try scanner.snapshot(ownSwap: shared)
        #expect(shared.readsAgain == 0)
        #expect(scanner.lastPaths == [.counts])
        #expect(first.counts.swapped == 0)

        // Figures read before a pageout: they disagree with the pagemap, so the snapshot reads them again and
        // still classifies by the kernel's counts, exactly as page-by-page lookups do.
        let written = first.mapped.runs(in: 0..<(guest.pages / 2))
        RawKernel.drainLRUBatches()
        _ = try region.pageOutMapped(written)
        let after = try scanner.snapshot(ownSwap: shared)
        #expect(shared.readsAgain == 1, "figures older than the pageout are read again")
        #expect(scanner.lastPaths == [.counts])
        #expect(after.counts.swapped > 0)
        let exact = SnapshotScanner(region: region)
        exact.alwaysPageByPage = true
        #expect(try exact.snapshot() == after, "page-by-page lookups agree")
        #expect(Int(try region.cacheStat().evicted) == after.counts.swapped, "cachestat counts the same swap")
    }
}
