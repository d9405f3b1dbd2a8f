import CPageoutSys
import Glibc
import Synchronization

/// The simulated guest RAM: a memfd mapped shared and writable, the way QEMU maps `memory-backend-memfd`.
///
/// The mapping lives as long as the process; there is no unmapping, since the simulator only ever exits.
struct GuestMemory: ~Copyable {
    /// The mapping's first byte.
    let base: UnsafeMutableRawPointer
    /// The mapping's length in bytes (a whole number of pages).
    let size: Int
    /// The system page size in bytes.
    let pageSize: Int
    /// The memfd, kept open like a VMM keeps its backend's descriptor.
    let fd: Int32
    /// How SIGUSR1's scan runs: nil on the main thread, at once; or on a named thread, like a migration.
    var scanThread: ScanThreadSettings?

    /// Receives the result of reads whose values nothing else needs, so the optimiser cannot drop the reads.
    private static let sink = Atomic<UInt64>(0)

    /// The alignment of the mapping: QEMU aligns guest RAM to 2 MiB so the kernel may map it with huge pages.
    static let alignment = 2 << 20

    /// Creates the memfd `name`, sizes it to `size` bytes and maps it at a 2 MiB-aligned address. Nothing is
    /// written: every page is a hole. With `hugePages` the mapping is advised MADV_HUGEPAGE, as QEMU advises guest
    /// RAM: where /sys/kernel/mm/transparent_hugepage/shmem_enabled allows it (`advise`, `always`), the memfd is
    /// then filled with 2 MiB folios mapped by PMDs.
    init(name: String, size: Int, pageSize: Int, hugePages: Bool) throws(GuestSimError) {
        let fd = pageout_memfd_create(name, PAGEOUT_MFD_CLOEXEC)
        guard fd >= 0 else { throw .syscall("memfd_create(\(name))", errno) }
        guard ftruncate(fd, off_t(size)) == 0 else {
            let error = errno
            close(fd)
            throw .syscall("ftruncate(memfd \(name), \(size))", error)
        }
        // Reserve size + 2 MiB of address space, then map the memfd over its first aligned address.
        let reservation = mmap(nil, size + Self.alignment, PROT_NONE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let reservation, reservation != MAP_FAILED else {
            let error = errno
            close(fd)
            throw .syscall("mmap(reserve \(size) bytes)", error)
        }
        let aligned = (UInt(bitPattern: reservation) + UInt(Self.alignment - 1)) & ~UInt(Self.alignment - 1)
        let address = mmap(UnsafeMutableRawPointer(bitPattern: aligned), size, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_FIXED, fd, 0)
        guard let address, address != MAP_FAILED else {
            let error = errno
            close(fd)
            throw .syscall("mmap(memfd \(name), \(size) bytes)", error)
        }
        // Give back the reservation's parts outside the mapping.
        let head = Int(aligned - UInt(bitPattern: reservation))
        if head > 0 { munmap(reservation, head) }
        if Self.alignment - head > 0 { munmap(address + size, Self.alignment - head) }
        if hugePages, madvise(address, size, MADV_HUGEPAGE) != 0 {
            throw .syscall("madvise(memfd \(name), MADV_HUGEPAGE)", errno)
        }
        (self.base, self.size, self.pageSize, self.fd) = (address, size, pageSize, fd)
    }

    /// Pages in the mapping.
    var pageCount: Int { size / pageSize }

    /// The mapping's first address.
    var start: UInt { UInt(bitPattern: base) }

    /// The address just past the mapping.
    var end: UInt { start + UInt(size) }

    /// The words of page `page`.
    @inline(__always)
    func words(ofPage page: Int) -> UnsafeMutablePointer<UInt64> {
        (base + page * pageSize).assumingMemoryBound(to: UInt64.self)
    }

    /// Writes every data page's pattern; holes stay unwritten, so the memfd keeps them as holes.
    func fill(layout: PageLayout, pattern: PagePattern) {
        layout.forEachDataRun { run in
            for page in run {
                pattern.write(page: page, to: words(ofPage: page))
            }
            return true
        }
    }

    /// Reads one word of every page, holes included, like a migration or backup scan. Each read faults the
    /// page in: a swapped page comes back from swap and a hole gets a zero-filled page.
    func scan() {
        var sum: UInt64 = 0
        for page in 0..<pageCount {
            sum ^= words(ofPage: page)[0]
        }
        Self.sink.store(sum, ordering: .relaxed)
    }

    /// Checks every page against the pattern (holes must be all zeros) and returns how many pages match and
    /// how many do not.
    func verify(layout: PageLayout, pattern: PagePattern) -> (ok: Int, bad: Int) {
        var ok = 0
        for group in 0..<layout.groupCount {
            let pages = layout.pages(ofGroup: group)
            for page in pages.data where pattern.matches(page: page, isHole: false, words: words(ofPage: page)) {
                ok += 1
            }
            for page in pages.holes where pattern.matches(page: page, isHole: true, words: words(ofPage: page)) {
                ok += 1
            }
        }
        return (ok, pageCount - ok)
    }
}
