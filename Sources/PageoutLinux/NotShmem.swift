import PageoutCore

/// A region's mapping is not shmem (a disk file, hugetlbfs, a device): pageoutd refuses it.
///
/// Only shmem pages go to swap and come back; paging out a disk file's pages would only drop clean page cache
/// and make the residency figures of a file the registrant may not own visible to every client.
public struct NotShmem: Error, Sendable, CustomStringConvertible {
    /// The VMM's pid.
    public var pid: Int32
    /// The mapping as /proc/PID/maps described it.
    public var mapping: MemoryMapping
    /// What the mapping is instead: the file system of a regular file, or the kind of file.
    public var kind: Kind

    /// What a refused mapping is.
    public enum Kind: Sendable, Hashable {
        /// A regular file on a file system other than tmpfs/shmem.
        case file(on: FileSystemMagic)
        /// Something other than a regular file (a device, say), on a file system.
        case notRegular(FileSystemMagic)
    }

    public var description: String {
        let range = hexRange(mapping.start, mapping.end)
        switch kind {
        case .file(on: .hugetlbfs):
            return "process \(pid)'s mapping \(range) is hugetlbfs memory, not shmem: huge TLB pages are never "
                + "swapped, so hugetlbfs RAM cannot be paged out"
        case .file(on: let fileSystem):
            return "process \(pid)'s mapping \(range) is a file on \(fileSystem), not shmem: only shmem guest RAM "
                + "can be paged out"
        case .notRegular(let fileSystem):
            return "process \(pid)'s mapping \(range) is not a regular file (on \(fileSystem)), not shmem: only "
                + "shmem guest RAM can be paged out"
        }
    }
}
