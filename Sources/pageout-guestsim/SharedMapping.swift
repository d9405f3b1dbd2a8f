import Glibc
import Synchronization

/// One shared mapping of a shmem file in another process's /proc/PID/maps: what the backend maps again.
struct SharedMappingLine: Equatable {
    let start: UInt
    let end: UInt
    /// The mapping's offset in the file, in bytes.
    let offset: Int
    /// The path column, e.g. `/memfd:ram0 (deleted)` or `/dev/shm/guest`.
    let path: String

    /// The memfd name of `/memfd:NAME (deleted)`, or nil for another file.
    var memfdName: String? {
        guard path.hasPrefix("/memfd:") else { return nil }
        let name = path.dropFirst("/memfd:".count)
        return String(name.hasSuffix(" (deleted)") ? name.dropLast(" (deleted)".count) : name)
    }

    /// Parses one maps line; nil unless it is a shared (`s`) mapping of a memfd or of a file in /dev/shm.
    init?(_ line: Substring) {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count == 6, fields[1].count == 4, fields[1].last == "s" else { return nil }
        let range = fields[0].split(separator: "-")
        let path = String(fields[5].drop { $0 == " " })
        guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
              start < end, let offset = Int(fields[2], radix: 16),
              path.hasPrefix("/memfd:") || path.hasPrefix("/dev/shm/")
        else { return nil }
        (self.start, self.end, self.offset, self.path) = (start, end, offset, path)
    }

    /// The mapping of `maps` (the text of /proc/PID/maps) the backend maps: the one of memfd `memfd`, or
    /// without a name the largest shared memfd or /dev/shm mapping (the first of equals).
    static func choose(in maps: String, memfd: String?) -> SharedMappingLine? {
        let candidates = maps.split(separator: "\n").compactMap(SharedMappingLine.init)
            .filter { memfd == nil || $0.memfdName == memfd }
        return candidates.max { $0.end - $0.start < $1.end - $1.start }
    }
}

/// Another process's shared guest memory mapped read-only into this one, the way a vhost-user backend maps the
/// VMM's memfd: opened through /proc/PID/map_files, mapped MAP_SHARED, pages read as I/O buffers.
struct BackendMapping: ~Copyable {
    let base: UnsafeMutableRawPointer
    let length: Int
    let pageSize: Int

    /// Receives the words read, so the optimiser cannot drop the reads.
    private static let sink = Atomic<UInt64>(0)

    /// Opens `/proc/PID/map_files/START-END` of `mapping` in process `pid` and maps all of it.
    init(pid: Int32, mapping: SharedMappingLine, pageSize: Int) throws(GuestSimError) {
        let path = "/proc/\(pid)/map_files/" + String(mapping.start, radix: 16) + "-" + String(mapping.end, radix: 16)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .syscall("open(\(path))", errno) }
        defer { close(fd) }
        let length = Int(mapping.end - mapping.start)
        guard let base = mmap(nil, length, PROT_READ, MAP_SHARED, fd, off_t(mapping.offset)), base != MAP_FAILED else {
            throw .syscall("mmap(\(path), \(length) bytes)", errno)
        }
        // Where the guest's memfd holds 2 MiB folios, a read fault here would map a whole folio with one PMD, and
        // dropping the neighbours (`unmapOthers`) would then zap the PMD and with it every page read: a file PMD
        // is not split into PTEs. With MADV_NOHUGEPAGE the kernel maps only 4 KiB entries in this process.
        guard madvise(base, length, MADV_NOHUGEPAGE) == 0 else {
            let error = errno
            munmap(base, length)
            throw .syscall("madvise(\(path), MADV_NOHUGEPAGE)", error)
        }
        (self.base, self.length, self.pageSize) = (base, length, pageSize)
    }

    deinit {
        munmap(base, length)
    }

    /// Pages in the mapping.
    var pageCount: Int { length / pageSize }

    /// Reads the first word of each page of `pages`; every read of a page not yet mapped here is a read fault.
    func read(_ pages: StrideTo<Int>) {
        var sum: UInt64 = 0
        for page in pages {
            sum ^= base.load(fromByteOffset: page * pageSize, as: UInt64.self)
        }
        Self.sink.store(sum, ordering: .relaxed)
    }

    /// Unmaps (from this process only) every page that is not in `pages`.
    ///
    /// A read fault on a shared file mapping also maps the resident neighbours of the page within a 64 KiB
    /// window (the kernel's fault-around, mm/memory.c do_fault_around), also those before the first page
    /// read, so reading every 4th page would map them all. MADV_DONTNEED on a shared mapping only zaps this
    /// process's page-table entries: the guest's pages stay in memory and in the VMM, and just the pages read
    /// remain mapped here.
    func unmapOthers(keeping pages: StrideTo<Int>) throws(GuestSimError) {
        var next = 0
        for page in pages {
            try dropMappings(next..<page)
            next = page + 1
        }
        try dropMappings(next..<pageCount)
    }

    private func dropMappings(_ pages: Range<Int>) throws(GuestSimError) {
        guard !pages.isEmpty else { return }
        guard madvise(base + pages.lowerBound * pageSize, pages.count * pageSize, MADV_DONTNEED) == 0 else {
            throw .syscall("madvise(pages \(pages.lowerBound)..<\(pages.upperBound), MADV_DONTNEED)", errno)
        }
    }
}
