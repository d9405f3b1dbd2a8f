import Glibc
import PageoutCore
import SystemPackage

/// The pages of pageoutd's own executable code that this process maps.
///
/// Start-up runs code that rounds never run again (argument parsing, the TOML reader, the first registrations'
/// checks), and each read fault on a file mapping maps up to 16 pages around the one asked for (the kernel's
/// fault-around, 64 KiB), so a daemon that has started holds several MiB of its binary's text in its page
/// tables that it will not execute again: measured on a 1 GiB region, 16 MiB of text mapped after start-up
/// against 6.5 MiB that rounds, the migration watch and the control socket map again within a minute.
/// `unmapAll` drops those page-table entries with MADV_DONTNEED. For a private file mapping never written, that
/// is a cheap and safe undo: the pages stay in the page cache (unmapped, so first to go under memory pressure),
/// and the next instruction fetch maps the page again with a minor fault. Pages of the text that are not file
/// pages (a debugger's breakpoint is a private copy, anonymous) are left mapped: dropping them would discard the
/// copy.
public enum ExecutableCode {
    /// What `unmapAll` did.
    public struct Unmapped: Sendable, Hashable {
        /// Pages of code mapped before.
        public var mappedPages: Int
        /// Pages whose page-table entries were dropped.
        public var unmappedPages: Int
    }

    /// Drops this process's page-table entries for the resident file pages of its executable's code mappings
    /// (the private, executable, never-writable mappings of /proc/self/exe's inode); rounds map back what they
    /// run. Anonymous pages in those mappings are kept.
    ///
    /// - Throws: `SystemCallError` (reading /proc/self, madvise), `ProcFileParseError`.
    public static func unmapAll(procfs: ProcFS = ProcFS()) throws -> Unmapped {
        let exe = try Syscalls.open(procfs.root.appending("self/exe").string, Syscalls.openPathOnly | O_CLOEXEC)
        defer { Syscalls.close(exe) }
        let status = try Syscalls.status(exe, target: "/proc/self/exe")
        let inode = UInt64(status.inode.rawValue)
        let device = mapsDevice(UInt64(status.deviceID.rawValue))
        let pid = getpid()
        let code = try procfs.mappings(pid: pid).filter {
            $0.inode == inode && $0.device == device && $0.permissions.contains(.executable)
                && !$0.permissions.contains(.writable) && !$0.isShared
        }
        let pagemap = try Syscalls.open(procfs.path(pid: pid, "pagemap").string, O_RDONLY | O_CLOEXEC)
        defer { Syscalls.close(pagemap) }
        var result = Unmapped(mappedPages: 0, unmappedPages: 0)
        for mapping in code {
            let counted = try unmapFilePages(of: mapping, pagemap: pagemap)
            result.mappedPages += counted.mappedPages
            result.unmappedPages += counted.unmappedPages
        }
        return result
    }

    /// The device as /proc/PID/maps writes it: major and minor in hex, at least two digits each (glibc's
    /// `major`/`minor` split of a `dev_t`).
    static func mapsDevice(_ device: UInt64) -> String {
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return digits.count < 2 ? "0" + digits : digits
        }
        return hex(major) + ":" + hex(minor)
    }

    /// Unmaps the runs of present file pages of `mapping`, reading its pagemap entries a chunk at a time.
    private static func unmapFilePages(of mapping: MemoryMapping, pagemap: FileDescriptor) throws -> Unmapped {
        let pageSize = UInt64(Syscalls.pageSize)
        let chunkPages = 4096
        var result = Unmapped(mappedPages: 0, unmappedPages: 0)
        var entries = [UInt64](repeating: 0, count: chunkPages)
        var address = mapping.start
        while address < mapping.end {
            let pages = Int(min(UInt64(chunkPages), (mapping.end - address) / pageSize))
            let read = try entries.withUnsafeMutableBytes { bytes in
                try Syscalls.read(pagemap, into: UnsafeMutableRawBufferPointer(rebasing: bytes[..<(pages * 8)]),
                                  at: Int64(address / pageSize) * 8,
                                  target: "/proc/self/pagemap, \(hexRange(address, mapping.end))")
            }
            guard read == pages * 8 else { break }  // a short read: the mapping changed under us; nothing to undo
            var runStart: Int?
            for index in 0...pages {
                let entry = index < pages ? PagemapEntry(rawValue: entries[index]) : nil
                let isFilePage = entry.map { $0.isPresent && $0.isFileOrSharedAnonymous } ?? false
                if let entry, entry.isPresent { result.mappedPages += 1 }
                if isFilePage {
                    if runStart == nil { runStart = index }
                } else if let start = runStart {
                    try unmap(from: address + UInt64(start) * pageSize, pages: index - start)
                    result.unmappedPages += index - start
                    runStart = nil
                }
            }
            address += UInt64(pages) * pageSize
        }
        return result
    }

    private static func unmap(from address: UInt64, pages: Int) throws {
        let length = pages * Syscalls.pageSize
        guard let start = UnsafeMutableRawPointer(bitPattern: UInt(address)) else { return }
        try Syscalls.advise(start, length: length, advice: MADV_DONTNEED, adviceName: "MADV_DONTNEED",
                            target: "own code \(hexRange(address, address + UInt64(length)))")
    }
}
