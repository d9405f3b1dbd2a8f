import Foundation
import Glibc

/// Direct reads of kernel state for assertions, independent of the code under test.
public enum RawKernel {
    public static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// The raw pagemap entries of `pages` pages from `start` in process `pid` (plain pread).
    public static func pagemap(pid: Int32, start: UInt64, pages: Int) throws -> [UInt64] {
        let fd = open("/proc/\(pid)/pagemap", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TestFailure("open pagemap of \(pid): errno \(errno)") }
        defer { close(fd) }
        var entries = [UInt64](repeating: 0, count: pages)
        let wanted = pages * 8
        let got = entries.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(start / UInt64(pageSize) * 8)) }
        guard got == wanted else { throw TestFailure("short pagemap read: \(got) of \(wanted)") }
        return entries
    }

    /// Reads (and so faults into the page cache, without mapping) `pages` of the file at `path` from page `first`.
    public static func readThroughFile(_ path: String, pages: Range<Int>) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TestFailure("open \(path): errno \(errno)") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = pages.lowerBound * pageSize
        let end = pages.upperBound * pageSize
        while offset < end {
            let count = min(buffer.count, end - offset)
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            guard got > 0 else { throw TestFailure("pread \(path) at \(offset): \(got), errno \(errno)") }
            offset += got
        }
    }

    /// VmRSS of process `pid` in KiB.
    public static func residentKiB(pid: Int32) throws -> Int {
        try ProcText.statusKiB(pid: pid, field: "VmRSS")
    }
}

extension RawKernel {
    /// Maps the file at `path` shared, reads one byte of each page in `pages`, and unmaps it: the way a
    /// foreign process that maps guest RAM reads it. Unlike read(2), a read fault on a shmem hole allocates a
    /// zero-filled page.
    public static func readThroughMapping(_ path: String, pages: Range<Int>) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TestFailure("open \(path): errno \(errno)") }
        defer { close(fd) }
        let length = pages.count * pageSize
        guard let base = mmap(nil, length, PROT_READ, MAP_SHARED, fd, off_t(pages.lowerBound * pageSize)),
              base != MAP_FAILED
        else { throw TestFailure("mmap \(path): errno \(errno)") }
        defer { munmap(base, length) }
        var sum: UInt64 = 0
        for page in 0..<pages.count {
            sum &+= UInt64(base.load(fromByteOffset: page * pageSize, as: UInt8.self))
        }
        withExtendedLifetime(sum) {}
    }
}

extension RawKernel {
    /// Empties every CPU's batch of pages waiting to join the LRU lists.
    ///
    /// A page a process has just faulted in sits in its CPU's batch until that batch is drained; MADV_PAGEOUT
    /// cannot isolate such a page and silently leaves it mapped. mlock(2) drains every CPU's batch
    /// (lru_add_drain_all), so tests call this between writing pages and asserting on their pageout.
    public static func drainLRUBatches() {
        let page = UnsafeMutableRawPointer.allocate(byteCount: pageSize, alignment: pageSize)
        defer { page.deallocate() }
        page.storeBytes(of: 1, as: UInt8.self)
        if mlock(page, pageSize) == 0 { munlock(page, pageSize) }
    }
}
