import CPageoutSys
import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// A MAP_SHARED mapping of a file (a disk file or a memfd) in this process, written so that it has pages.
final class SharedFileMapping {
    private let descriptor: Int32
    private let base: UnsafeMutableRawPointer
    private let bytes: Int
    private let path: String?

    /// Maps a new disk file at `path`.
    convenience init(path: String, bytes: Int) throws {
        try self.init(descriptor: open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600), bytes: bytes, path: path)
    }

    /// Maps a new memfd named `name`, created with `flags` (MFD_HUGETLB, say).
    convenience init(memfd name: String, flags: UInt32, bytes: Int) throws {
        try self.init(descriptor: pageout_memfd_create(name, PAGEOUT_MFD_CLOEXEC | flags), bytes: bytes, path: nil)
    }

    private init(descriptor: Int32, bytes: Int, path: String?) throws {
        guard descriptor >= 0 else { throw TestFailure("open/memfd_create: errno \(errno)") }
        guard ftruncate(descriptor, off_t(bytes)) == 0 else { throw TestFailure("ftruncate: errno \(errno)") }
        let base = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0)
        guard let base, base != MAP_FAILED else { throw TestFailure("mmap: errno \(errno)") }
        base.initializeMemory(as: UInt8.self, repeating: 0x5a, count: bytes)
        (self.descriptor, self.base, self.bytes, self.path) = (descriptor, base, bytes, path)
    }

    /// Unlinks the disk file (the mapping stays until the value goes away).
    func remove() {
        if let path { unlink(path) }
    }

    deinit {
        munmap(base, bytes)
        close(descriptor)
    }
}
