import CPageoutSys
import Foundation
import Glibc
import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// The snapshot against the real kernel: a guest simulator's memfd, real zram swap, independent cross-checks.
@Suite struct SnapshotKernelTests {
    /// Opens the guest's memfd region the way the daemon does.
    static func open(_ guest: GuestSim) throws -> ShmemRegion {
        try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
    }

    @Test(arguments: PagemapMethod.allCases)
    func snapshotSeesHolesMappedAndSwappedShmem(method: PagemapMethod) throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "256MiB", "--hot-percent", "0", "--holes-percent", "10"])
        let region = try Self.open(guest)
        let scanner = SnapshotScanner(region: region, method: method)
        #expect(scanner.method == method)

        let before = try scanner.snapshot()
        #expect(before.counts.hole == guest.holePages)
        #expect(before.counts.mapped == guest.pages - guest.holePages)
        #expect(before.counts.swapped == 0)

        // Page out a known half of the pages: the written ones among the first half.
        let half = 0..<(guest.pages / 2)
        let written = before.mapped.runs(in: half)
        let expectedSwapped = written.reduce(0) { $0 + $1.count }
        RawKernel.drainLRUBatches()
        try region.pageOutMapped(written)

        let after = try scanner.snapshot()
        #expect(scanner.lastPaths == [.counts], "nothing resident-unmapped: the kernel's counts suffice")
        let exact = SnapshotScanner(region: region, method: method)
        exact.alwaysPageByPage = true
        #expect(try exact.snapshot() == after, "page-by-page lookups agree with the counts")
        let counts = after.counts
        #expect(counts.hole == guest.holePages)
        // The kernel reclaims what it can isolate: every page asked for, but for the odd page still in a CPU's
        // LRU batch. Only pages asked for are swapped; the rest of the written pages stay mapped.
        #expect(Double(counts.swapped) >= 0.995 * Double(expectedSwapped), "\(counts)")
        var askedFor = PageBitmap(count: guest.pages)
        written.forEach { askedFor.set($0) }
        #expect(after.swapped.subtracting(askedFor).setCount == 0, "only the pages paged out are swapped")
        #expect(counts.mapped == guest.pages - guest.holePages - counts.swapped)
        #expect(counts.residentUnmapped == 0)

        // Independent method 1: cachestat counts evicted (swapped) shmem pages without per-page data.
        let cache = try region.cacheStat()
        #expect(Int(cache.evicted) == counts.swapped)
        #expect(Int(cache.cached) == counts.mapped)

        // Independent method 2: pagemap's own present bits. And the kernel gap: PM_SWAP stays 0 for swapped shmem.
        let entries = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.pages)
        #expect(entries.filter { $0 & (1 << 63) != 0 }.count == counts.mapped)
        var swappedWithPMSwap = 0
        after.swapped.forEachRun { run in
            for page in run where entries[page] & (1 << 62) != 0 { swappedWithPMSwap += 1 }
        }
        #expect(swappedWithPMSwap == 0, "pagemap does not set PM_SWAP for swapped shmem")
        #expect(entries.allSatisfy { $0 & (1 << 62) == 0 })

        let verify = try guest.verify()
        #expect(verify.bad == 0 && verify.ok == guest.pages)
    }

    @Test func pagemapScanAndPreadAgree() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "0", "--holes-percent", "25"])
        let region = try Self.open(guest)
        // A patchwork: every third run of 37 written pages paged out.
        let initial = try SnapshotScanner(region: region, method: .pread).snapshot()
        var chosen: [Range<Int>] = []
        var page = 0
        while page < guest.pages {
            chosen.append(page..<min(page + 37, guest.pages))
            page += 111
        }
        RawKernel.drainLRUBatches()
        try region.pageOutMapped(chosen.flatMap { initial.mapped.runs(in: $0) })

        let range = AddressRange(start: guest.start, end: guest.end)
        let buffer = UnsafeMutableBufferPointer<pageout_page_region>.allocate(capacity: 7)  // small: many calls
        defer { buffer.deallocate() }
        var fromScan = [PageCategories](repeating: [], count: guest.pages)
        try region.pagemap.scan(range, required: [], anyOf: [.present, .swapped],
                                reported: PageCategories.comparable, buffer: buffer) { run in
            let first = Int((run.addresses.start - guest.start) / UInt64(RawKernel.pageSize))
            let last = Int((run.addresses.end - guest.start) / UInt64(RawKernel.pageSize))
            for index in first..<last { fromScan[index] = run.categories }
        }
        let entries = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: guest.pages)
        defer { entries.deallocate() }
        try region.pagemap.readEntries(from: guest.start, into: entries)
        let fromPread = entries.map { PageCategories(entry: PagemapEntry(rawValue: $0)) }
        #expect(fromScan == fromPread)
        #expect(fromScan.filter { $0.contains(.present) }.count > guest.pages / 3)

        let viaScan = try SnapshotScanner(region: region, method: .scanIoctl, slicePages: 1000).snapshot()
        let viaPread = try SnapshotScanner(region: region, method: .pread, slicePages: 999).snapshot()
        #expect(viaScan == viaPread)
        #expect(viaScan.counts.swapped > 0)
    }
}
