/// The file system a mapped file lives on, from the magic number fstatfs(2) reports in `f_type`.
///
/// Only shmem can hold guest RAM pageoutd pages out: memfds and /dev/shm files live on it and report
/// TMPFS_MAGIC. A hugetlbfs memfd reports HUGETLBFS_MAGIC; its pages are never swapped.
public struct FileSystemMagic: Sendable, Hashable, CustomStringConvertible {
    /// The `f_type` number (linux/magic.h), as a 32-bit pattern.
    public var rawValue: UInt64

    /// The file system whose `f_type` is `rawValue`.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// TMPFS_MAGIC: tmpfs and the internal shmem mount of memfds and SysV shared memory.
    public static let shmem = FileSystemMagic(rawValue: 0x0102_1994)
    /// HUGETLBFS_MAGIC: hugetlbfs files and MFD_HUGETLB memfds.
    public static let hugetlbfs = FileSystemMagic(rawValue: 0x9584_58f6)

    /// Names of the file systems a mapped file is likely to be on, for messages.
    private static let names: [UInt64: String] = [
        0x0102_1994: "tmpfs", 0x9584_58f6: "hugetlbfs", 0xef53: "ext4", 0x5846_5342: "xfs", 0x9123_683e: "btrfs",
        0x794c_7630: "overlay", 0x6573_5546: "fuse", 0x6969: "nfs", 0x5345_434d: "secretmem", 0x0102_1997: "9p",
        0xff53_4d42: "cifs", 0x2fc1_2fc1: "zfs", 0x4d44: "vfat",
    ]

    /// The file system's name (`ext4`), or its magic number in hex when pageoutd does not know it.
    public var description: String {
        Self.names[rawValue] ?? "a file system of type 0x" + String(rawValue, radix: 16)
    }
}
