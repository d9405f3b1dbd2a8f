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
        RawKernel.drainLRUBatches()
        try region.pageOutMapped([cold])

        // MADV_PAGEOUT skips a folio mapped by another process as well (mm/madvise.c): the backend's pages
        // stay mapped in the guest, every other cold page leaves it (the odd one in a CPU's LRU batch aside).
        let entries = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.pages)
        let mapped = Set(cold.filter { entries[$0] & Self.present != 0 })
        let touched = Set(backend.pages)
        #expect(mapped.isSuperset(of: touched))
        #expect(mapped.subtracting(touched).count <= cold.count / 1000)
        #expect(backend.stop() == 0)
    }
}
