import CPageoutSys
import Glibc
import PageoutCore
import SystemPackage

/// An open /proc/PID/pagemap of one VMM.
///
/// The kernel binds the open file to the process's mm at open time, not to the pid: once that process exits,
/// reads return 0 bytes (and PAGEMAP_SCAN fails with ESRCH) even if the pid is reused. The file is opened only
/// after the `ProcessHandle` exists and checked against it, so it always reads the VMM the handle names.
public final class PagemapFile: Sendable {
    /// The process whose pagemap this is.
    public let process: ProcessHandle
    /// The open pagemap (O_RDONLY | O_CLOEXEC).
    public let descriptor: FileDescriptor
    /// The page size in bytes.
    public let pageSize: Int

    /// Opens the pagemap of `process`.
    public init(process: ProcessHandle) throws {
        let path = process.procPath("pagemap")
        do {
            descriptor = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec])
        } catch let errno as Errno {
            if errno == .noSuchFileOrDirectory || errno == .noSuchProcess {
                throw ProcessExited(pid: process.pid, during: "opening pagemap")
            }
            throw SystemCallError(call: "open", target: path.string, errno: errno)
        }
        self.process = process
        self.pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        if process.hasExited {
            try? descriptor.close()
            throw ProcessExited(pid: process.pid, during: "opening pagemap")
        }
    }

    deinit {
        try? descriptor.close()
    }

    /// Reads the entries of the pages from `address` on, one per element of `entries` (the pread path).
    ///
    /// - Throws: `ProcessExited` when the process is gone, `SystemCallError` for a failed read.
    public func readEntries(from address: UInt64, into entries: UnsafeMutableBufferPointer<UInt64>) throws {
        let bytes = UnsafeMutableRawBufferPointer(entries)
        var done = 0
        while done < bytes.count {
            let offset = Int64(address / UInt64(pageSize)) * 8 + Int64(done)
            let chunk = UnsafeMutableRawBufferPointer(rebasing: bytes[done...])
            let count: Int
            do {
                count = try descriptor.read(fromAbsoluteOffset: offset, into: chunk)
            } catch let errno as Errno {
                if errno == .noSuchProcess { throw ProcessExited(pid: process.pid, during: "reading pagemap") }
                let range = hexRange(address, address + UInt64(entries.count * pageSize))
                throw SystemCallError(call: "pread pagemap", target: "pid \(process.pid), \(range)", errno: errno)
            }
            // A read of 0 bytes means the mm has gone: the process exited.
            if count == 0 { throw ProcessExited(pid: process.pid, during: "reading pagemap") }
            done += count
        }
    }
}
