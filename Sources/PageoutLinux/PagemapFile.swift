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

    /// Opens the pagemap of `process`, after the handle exists, and checks the process is still alive then.
    ///
    /// - Throws: `ProcessExited` when it has exited (before or during the open), `SystemCallError` for the rest
    ///   (EACCES without ptrace access to the VMM).
    public init(process: ProcessHandle) throws {
        let path = process.procPath("pagemap").string
        do {
            descriptor = try Syscalls.open(path, O_RDONLY | O_CLOEXEC)
        } catch {
            if error.errno == .noSuchFileOrDirectory || error.errno == .noSuchProcess {
                throw ProcessExited(pid: process.pid, during: "opening pagemap")
            }
            throw error
        }
        self.process = process
        self.pageSize = Syscalls.pageSize
        if process.hasExited {
            Syscalls.close(descriptor)
            throw ProcessExited(pid: process.pid, during: "opening pagemap")
        }
    }

    deinit {
        Syscalls.close(descriptor)
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
                count = try Syscalls.read(descriptor, into: chunk, at: offset,
                                          target: "pagemap of pid \(process.pid), \(describe(address, entries))")
            } catch {
                if error.errno == .noSuchProcess { throw ProcessExited(pid: process.pid, during: "reading pagemap") }
                throw error
            }
            // A read of 0 bytes means the mm has gone: the process exited.
            if count == 0 { throw ProcessExited(pid: process.pid, during: "reading pagemap") }
            done += count
        }
    }

    private func describe(_ address: UInt64, _ entries: UnsafeMutableBufferPointer<UInt64>) -> String {
        hexRange(address, address + UInt64(entries.count * pageSize))
    }
}
