import Foundation
import CPageoutSys
import Glibc
import PageoutCore
@testable import PageoutLinux
import PageoutTestSupport
import SystemPackage
import Testing

/// ShmemFile's arithmetic on what a FUSE server makes the kernel say about a file: fstat and lseek pass the
/// server's answers on unchecked. Such a file is refused as not shmem before any of this runs in the daemon; these
/// tests open it past that check to show the arithmetic itself neither traps nor loops.
@Suite struct HostileFileArithmeticTests {
    /// `name` of `fuse`, opened read-only as ShmemFile without its checks.
    private func open(_ name: String, of fuse: HostileFuse) throws -> ShmemFile {
        let path = fuse.path(name)
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw TestFailure("open \(path): errno \(errno)") }
        return ShmemFile(unchecked: FileDescriptor(rawValue: descriptor), path: path)
    }

    @Test func anStBlocksOf2To56SaysEverythingIsAllocatedInsteadOfTrapping() throws {
        let fuse = try HostileFuse()
        var status = stat()
        #expect(stat(fuse.path("huge-blocks"), &status) == 0 && status.st_blocks == 1 << 56, "the kernel passes it on")
        let sizes = try open("huge-blocks", of: fuse).sizes()
        #expect(sizes.size == 1 << 20)
        #expect(sizes.allocated == .max, "2^56 blocks of 512 bytes are more than 64 bits hold")
    }

    @Test func seekDataGoingBackwardsEndsTheWalkWithAnError() throws {
        let fuse = try HostileFuse()
        let file = try open("seek-backwards", of: fuse)
        #expect(lseek(file.descriptor.rawValue, 8192, PAGEOUT_SEEK_DATA) == 0, "the kernel passes the answer on")
        var extents: [Range<UInt64>] = []
        let error = try #require(throws: DataExtentError.self) {
            try file.forEachDataExtent(in: 0..<(1 << 20)) { extents.append($0) }
        }
        #expect(extents == [0..<4096])
        #expect(error.cursor == 4096 && error.dataStart == 0 && error.holeStart == nil, "\(error)")
    }

    @Test func seekHoleThatDoesNotAdvanceEndsTheWalkWithAnError() throws {
        let fuse = try HostileFuse()
        let file = try open("seek-stuck", of: fuse)
        #expect(lseek(file.descriptor.rawValue, 8192, PAGEOUT_SEEK_HOLE) == 8192, "the kernel passes the answer on")
        let error = try #require(throws: DataExtentError.self) {
            try file.forEachDataExtent(in: 0..<(1 << 20)) { _ in Issue.record("an empty extent was handed out") }
        }
        #expect(error.cursor == 0 && error.dataStart == 0 && error.holeStart == 0, "\(error)")
    }

    @Test(arguments: ["huge-blocks", "seek-backwards", "seek-stuck"])
    func aFuseFileMappedSharedIsRefusedAsNotShmem(name: String) throws {
        let fuse = try HostileFuse()
        let mapper = try FileMapper(path: fuse.path(name))
        do {
            _ = try ShmemRegion(process: ProcessHandle(pid: mapper.pid), source: .shmPath(fuse.path(name)))
            Issue.record("a FUSE file was accepted as shmem")
        } catch let error as NotShmem {
            guard case .file(on: let fileSystem) = error.kind else { throw TestFailure("\(error.kind)") }
            #expect(fileSystem != .shmem)
            #expect("\(error)".hasSuffix("not shmem: only shmem guest RAM can be paged out"), "\(error)")
        }
    }
}
