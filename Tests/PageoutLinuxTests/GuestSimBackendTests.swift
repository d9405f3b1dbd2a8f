import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// `pageout-guestsim backend` against the kernel: the pages it reads are mapped by two processes, as a vhost-user
/// backend's buffers are, and pagemap's PM_MMAP_EXCLUSIVE (bit 56) tells them apart from the guest's own pages.
@Suite struct GuestSimBackendTests {
    private static let present: UInt64 = 1 << 63
    private static let exclusive: UInt64 = 1 << 56

    /// The guest's pages whose pagemap entry is present and not exclusively mapped.
    private static func sharedPages(of guest: GuestSim) throws -> Set<Int> {
        let entries = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.pages)
        return Set(entries.indices.filter { entries[$0] & (present | exclusive) == present })
    }

    @Test func theBackendsPagesAreMappedTwiceUntilItExits() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "10"])
        let backend = try GuestBackend(of: guest, ["--share", "25%", "--from", "10%"])
        #expect(backend.firstPage == guest.pages / 10 && backend.step == 4)
        #expect(backend.touchedPages == (guest.pages - guest.pages / 10 + 3) / 4)

        // Every page of the guest is written and mapped; only those the backend read are mapped twice, so the
        // kernel clears bit 56 (PM_MMAP_EXCLUSIVE) for exactly them, also for these shmem pages.
        let entries = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.pages)
        #expect(entries.allSatisfy { $0 & Self.present != 0 })
        let touched = Set(backend.pages)
        #expect(try Self.sharedPages(of: guest) == touched)
        let backendView = try ProcText.smaps(pid: backend.pid).first { $0.header.hasSuffix("/memfd:ram0 (deleted)") }
        #expect(backendView?.fields["Rss"] == touched.count * RawKernel.pageSize / 1024, "it maps nothing else")

        #expect(backend.stop() == 0)
        try Eventually.wait(for: "bit 56 set again on the pages the backend read") {
            try Self.sharedPages(of: guest).isEmpty
        }
    }

    @Test func pageoutThroughTheGuestSkipsThePagesTheBackendKeepsMapped() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "10"])
        let backend = try GuestBackend(of: guest, ["--share", "25%", "--from", "10%", "--keep-touching", "16"])
        let cold = backend.firstPage..<guest.pages
        let region = try ShmemRegion(process: ProcessHandle(pid: guest.pid), source: .memfd(guest.memfd))
        let touched = Set(backend.pages)

        // MADV_PAGEOUT skips a folio mapped by another process as well (mm/madvise.c): the backend's pages
        // stay mapped in the guest however often they are paged out, every other cold page leaves it. A page
        // that reclaim elsewhere has isolated at that moment, or that sits in a CPU's LRU batch, is skipped too
        // (on a loaded machine a few dozen): those leave at a later try, the backend's never.
        var mapped = Set<Int>()
        var tries = 0
        try Eventually.wait(for: "the cold pages the backend does not map out of the guest", timeout: 30) {
            RawKernel.drainLRUBatches()
            try region.pageOutMapped([cold])
            tries += 1
            let entries = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.pages)
            mapped = Set(cold.filter { entries[$0] & Self.present != 0 })
            #expect(mapped.isSuperset(of: touched), "try \(tries): a page the backend maps left the guest")
            return mapped.subtracting(touched).count <= cold.count / 1000
        }
        print("backend's \(touched.count) pages still mapped after \(tries) pageout(s) of the cold range; "
              + "\(mapped.subtracting(touched).count) others")
        #expect(backend.stop() == 0)
    }
}
