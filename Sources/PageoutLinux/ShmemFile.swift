import CPageoutSys
import Glibc
import PageoutCore
import SystemPackage

/// Page-cache counts of a file range, from cachestat(2) (Linux 6.5). Counts are pages.
public struct CacheStat: Sendable, Hashable {
    /// Pages in the page cache.
    public var cached: UInt64
    /// Dirty pages.
    public var dirty: UInt64
    /// Pages under writeback.
    public var writeback: UInt64
    /// Pages evicted: for shmem, pages whose data is in swap.
    public var evicted: UInt64
    /// Evicted pages that were recently evicted (refault distance within the working set).
    public var recentlyEvicted: UInt64
}

/// The VMM's shared-memory file (memfd or /dev/shm file), opened through /proc/PID/map_files.
///
/// Open file descriptions of the file answer the questions pagemap cannot: SEEK_DATA/SEEK_HOLE tell allocated
/// pages from holes (a swapped shmem page is still data), and cachestat counts cached and evicted pages.
public final class ShmemFile: Sendable {
    /// The open file (O_RDONLY | O_CLOEXEC).
    public let descriptor: FileDescriptor
    /// What the file was opened as, for messages: `/proc/PID/map_files/START-END`.
    public let path: String

    /// Opens the file behind the mapping `start-end` of `process` and checks it is the inode maps named.
    public init(process: ProcessHandle, mapping: MemoryMapping) throws {
        let name = String(mapping.start, radix: 16) + "-" + String(mapping.end, radix: 16)
        let path = process.procPath("map_files").appending(name).string
        self.path = path
        do {
            descriptor = try Syscalls.open(path, O_RDONLY | O_CLOEXEC)
        } catch {
            if error.errno == .noSuchFileOrDirectory, process.hasExited {
                throw ProcessExited(pid: process.pid, during: "opening \(path)")
            }
            throw error
        }
        let status = try? Syscalls.status(descriptor, target: path)
        guard let status, UInt64(status.inode.rawValue) == mapping.inode else {
            Syscalls.close(descriptor)
            throw MappingChanged(pid: process.pid, mapping: mapping, path: path)
        }
        do {
            try Self.checkShmem(descriptor, status: status, pid: process.pid, mapping: mapping, path: path)
        } catch {
            Syscalls.close(descriptor)
            throw error
        }
    }

    /// The file `descriptor`, already open as `path`, taken without the inode and shmem checks: tests hand the
    /// arithmetic below files no shmem file could be (a FUSE file's made-up sizes and seek answers).
    init(unchecked descriptor: FileDescriptor, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Throws `NotShmem` unless the open file is a regular file on tmpfs/shmem (fstatfs).
    private static func checkShmem(
        _ descriptor: FileDescriptor, status: Stat, pid: Int32, mapping: MemoryMapping, path: String
    ) throws {
        let fileSystem = FileSystemMagic(rawValue: try Syscalls.fileSystemType(descriptor, target: path))
        guard status.type == .regular else { throw NotShmem(pid: pid, mapping: mapping, kind: .notRegular(fileSystem)) }
        guard fileSystem == .shmem else { throw NotShmem(pid: pid, mapping: mapping, kind: .file(on: fileSystem)) }
    }

    deinit {
        Syscalls.close(descriptor)
    }

    /// The file's size and the bytes allocated to it (fstat). For shmem, allocated pages include the swapped
    /// ones: only holes are not allocated.
    public func sizes() throws(SystemCallError) -> (size: UInt64, allocated: UInt64) {
        let status = try Syscalls.status(descriptor, target: path)
        // The VMM owns the file: its counts are not trusted not to overflow.
        let (allocated, overflow) = UInt64(clamping: status.blocksAllocated).multipliedReportingOverflow(by: 512)
        return (UInt64(clamping: status.size), overflow ? .max : allocated)
    }

    /// Page-cache counts for `length` bytes from `offset`.
    public func cacheStat(offset: UInt64, length: UInt64) throws(SystemCallError) -> CacheStat {
        let stat = try Syscalls.cacheStatus(descriptor, offset: offset, length: length,
                                            target: "\(path) offset \(offset) length \(length)")
        return CacheStat(cached: stat.nr_cache, dirty: stat.nr_dirty, writeback: stat.nr_writeback,
                         evicted: stat.nr_evicted, recentlyEvicted: stat.nr_recently_evicted)
    }

    /// Calls `body` with each run of allocated (data) bytes in `offsets`, using SEEK_DATA and SEEK_HOLE.
    ///
    /// For shmem a page in swap is data; only never-written (or punched, or reclaimed zero) pages are holes.
    /// Every extent lies within `offsets`; answers that do not advance end the walk with `DataExtentError`.
    public func forEachDataExtent(in offsets: Range<UInt64>, _ body: (Range<UInt64>) throws -> Void) throws {
        var cursor = offsets.lowerBound
        while cursor < offsets.upperBound {
            let dataStart: UInt64
            do {
                dataStart = try Syscalls.seek(descriptor, to: cursor, whence: PAGEOUT_SEEK_DATA,
                                              whenceName: "SEEK_DATA", target: "\(path) offset \(cursor)")
            } catch {
                if error.errno == .noSuchAddressOrDevice { return }  // ENXIO: no data after cursor.
                throw error
            }
            // Checked before SEEK_HOLE: a SEEK_DATA answer past the range ends the walk whatever SEEK_HOLE says.
            if dataStart >= cursor, dataStart >= offsets.upperBound { return }
            let holeStart = try Syscalls.seek(descriptor, to: dataStart, whence: PAGEOUT_SEEK_HOLE,
                                              whenceName: "SEEK_HOLE", target: "\(path) offset \(dataStart)")
            guard let extent = try DataExtentStep.extent(cursor: cursor, dataStart: dataStart, holeStart: holeStart,
                                                         bounds: offsets)
            else { return }
            try body(extent)
            cursor = extent.upperBound
        }
    }
}

/// The VMA changed between reading /proc/PID/maps and opening it (hot-unplug, remap): resolve it again.
public struct MappingChanged: Error, Sendable, CustomStringConvertible {
    /// The VMM's pid.
    public var pid: Int32
    /// The mapping as maps described it.
    public var mapping: MemoryMapping
    /// The map_files path that no longer matches.
    public var path: String

    /// `mapping` of `pid` as maps described it, and the `path` it was opened (or checked) through.
    public init(pid: Int32, mapping: MemoryMapping, path: String) {
        self.pid = pid
        self.mapping = mapping
        self.path = path
    }

    public var description: String {
        "mapping \(hexRange(mapping.start, mapping.end)) of pid \(pid) changed or went away (\(path))"
    }
}
