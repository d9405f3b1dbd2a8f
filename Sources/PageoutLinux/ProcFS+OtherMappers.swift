import Glibc
import PageoutCore
import SystemPackage

/// A file a region maps, as /proc/PID/maps names it: device and inode.
public struct MappedFileIdentity: Sendable, Hashable {
    /// The `major:minor` column of maps.
    public var device: String
    /// The inode column of maps.
    public var inode: UInt64

    /// The identity of the file `mapping` maps.
    public init(_ mapping: MemoryMapping) {
        self.device = mapping.device
        self.inode = mapping.inode
    }
}

extension ProcFS {
    /// The processes, other than `excluded`, that map any of `files`: one pass over every /proc/PID/maps.
    ///
    /// The kernel keeps no per-inode list of mappers that userspace can read (i_mmap is internal), so this costs
    /// a maps read per process; callers run it when pages another process maps appear, when a known mapper goes,
    /// and at a long interval, never every scan. A process that exits or cannot be read meanwhile is passed over:
    /// its maps are the text of a process a tenant controls, parsed like any other.
    public func processesMapping(_ files: Set<MappedFileIdentity>, excluding excluded: Set<Int32>) -> [OtherMapper] {
        guard !files.isEmpty else { return [] }
        var mappers: [OtherMapper] = []
        for pid in processIDs() where !excluded.contains(pid) {
            guard let mappings = try? self.mappings(pid: pid) else { continue }
            let matching = mappings.filter { files.contains(MappedFileIdentity($0)) }
            let bytes = matching.reduce(UInt64(0)) { $0 &+ $1.byteCount }
            // A process that maps the file but none of its pages (a monitor that only calls mincore on its
            // view) holds nothing: its mappings' Rss says so (smaps, for those mappings only, at lookup time).
            guard bytes > 0, mapsPages(pid: pid, startingAt: Set(matching.map(\.start))),
                  let stat = try? self.stat(pid: pid)
            else { continue }
            mappers.append(OtherMapper(pid: pid, command: stat.command, startTime: stat.startTime,
                                       mappedBytes: bytes))
        }
        return mappers.sorted { $0.pid < $1.pid }
    }

    /// True while process `mapper.pid` is the one `mapper` describes (same start time), has not exited, and still
    /// maps one of `files`: a reader that maps guest memory for a while (a backup through map_files) lets go of
    /// it long before it exits. One maps read: cheap enough for every scan of the few known mappers.
    public func stillMaps(_ mapper: OtherMapper, anyOf files: Set<MappedFileIdentity>) -> Bool {
        guard let stat = try? stat(pid: mapper.pid), stat.startTime == mapper.startTime, !stat.hasExited,
              let mappings = try? mappings(pid: mapper.pid)
        else { return false }
        return mappings.contains { files.contains(MappedFileIdentity($0)) }
    }

    /// True when process `pid` has pages mapped (Rss) in its mappings that start at `starts`; true too when its
    /// smaps cannot be read (it may hold pages: better named than missed).
    private func mapsPages(pid: Int32, startingAt starts: Set<UInt64>) -> Bool {
        guard let figures = try? smapsMappings(pid: pid, startingAt: starts) else { return true }
        return figures.values.contains { $0.residentBytes > 0 }
    }

    /// The ids of the processes in /proc now (its numeric entries).
    func processIDs() -> [Int32] {
        numberedEntries(of: root.string)
    }

    /// The entries of `directory` named by a positive number (processes in /proc), in directory order; none when
    /// it cannot be opened.
    func numberedEntries(of directory: String) -> [Int32] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var numbers: [Int32] = []
        while let entry = readdir(stream) {
            let number = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Self.positiveNumber(named: UnsafeRawBufferPointer(rebasing: raw.prefix { $0 != 0 }))
            }
            if let number { numbers.append(number) }
        }
        return numbers
    }

    /// The positive number an entry of /proc is named by (a process or thread id); nil for any other name.
    /// Digits only, read in place: no string per entry (a VMM's threads are listed ten times a second).
    static func positiveNumber(named name: UnsafeRawBufferPointer) -> Int32? {
        guard !name.isEmpty else { return nil }
        var value: Int32 = 0
        for byte in name {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowedSum) = times.addingReportingOverflow(Int32(byte - UInt8(ascii: "0")))
            guard !overflowed, !overflowedSum else { return nil }
            value = sum
        }
        return value > 0 ? value : nil
    }
}
