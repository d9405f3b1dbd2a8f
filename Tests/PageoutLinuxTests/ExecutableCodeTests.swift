import Foundation
import Glibc
import PageoutCore
@testable import PageoutLinux
import PageoutTestSupport
import Testing

/// The daemon's own code unmapped after start-up: the kernel's page tables lose the file pages, keep private
/// copies, and the process runs on.
@Suite struct ExecutableCodeTests {
    @Test func theDeviceIsWrittenAsMapsWritesIt() {
        #expect(ExecutableCode.mapsDevice(0xfe00) == "fe:00", "major 254, minor 0")
        #expect(ExecutableCode.mapsDevice(0x0801) == "08:01")
        // makedev(259, 0x10003): the minor's high bits sit above the major's low twelve.
        let device: UInt64 = (0x03) | (259 << 8) | (0x10000 << 12)
        #expect(ExecutableCode.mapsDevice(device) == "103:10003")
    }

    @Test func fileTextPagesAreUnmappedAndAPrivateCopyIsKept() throws {
        let text = try Self.codeMappings()
        try #require(!text.isEmpty, "the test binary's code is found by its inode in /proc/self/maps")
        // A private copy of one page of code, as a debugger's breakpoint makes: the same bytes written back
        // through /proc/self/mem (FOLL_FORCE) turn the page into an anonymous copy.
        let copied = text[0].end - UInt64(RawKernel.pageSize)
        try Self.writeBackOwnByte(at: copied)
        let before = try Self.presentPages(in: text)
        #expect(before.copies.contains(copied), "the page written back is a private copy")

        let unmapped = try ExecutableCode.unmapAll()

        let after = try Self.presentPages(in: text)
        #expect(unmapped.unmappedPages > 0 && unmapped.mappedPages >= unmapped.unmappedPages)
        // Other tests of this process run meanwhile and map back what they execute: far fewer pages, not none.
        #expect(after.files < before.files, "file pages mapped: \(before.files) before, \(after.files) after")
        #expect(after.copies.contains(copied), "the private copy stays mapped")
    }

    /// The code mappings of this process's executable, read as `ExecutableCode` reads them.
    private static func codeMappings() throws -> [MemoryMapping] {
        var status = stat()
        try #require(stat("/proc/self/exe", &status) == 0)
        return try ProcFS().mappings(pid: getpid()).filter {
            $0.inode == UInt64(status.st_ino) && $0.permissions.contains(.executable) && !$0.isShared
        }
    }

    /// Writes the byte at `address` back to itself through /proc/self/mem.
    private static func writeBackOwnByte(at address: UInt64) throws {
        let descriptor = open("/proc/self/mem", O_RDWR | O_CLOEXEC)
        try #require(descriptor >= 0, "open /proc/self/mem: errno \(errno)")
        defer { close(descriptor) }
        var byte: UInt8 = 0
        try #require(pread(descriptor, &byte, 1, off_t(Int64(bitPattern: address))) == 1)
        try #require(pwrite(descriptor, &byte, 1, off_t(Int64(bitPattern: address))) == 1, "errno \(errno)")
    }

    /// The present pages of `mappings`: how many are file pages, and the addresses of those that are not.
    private static func presentPages(in mappings: [MemoryMapping]) throws -> (files: Int, copies: Set<UInt64>) {
        let pageSize = UInt64(RawKernel.pageSize)
        var files = 0
        var copies: Set<UInt64> = []
        for mapping in mappings {
            let entries = try RawKernel.pagemap(pid: getpid(), start: mapping.start,
                                                pages: Int((mapping.end - mapping.start) / pageSize))
            for (index, raw) in entries.enumerated() {
                let entry = PagemapEntry(rawValue: raw)
                guard entry.isPresent else { continue }
                if entry.isFileOrSharedAnonymous {
                    files += 1
                } else {
                    copies.insert(mapping.start + UInt64(index) * pageSize)
                }
            }
        }
        return (files, copies)
    }
}
