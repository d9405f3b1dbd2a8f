import CPageoutSys
import Glibc
import PageoutCore
import SystemPackage

extension ProcFS {
    /// The name of thread `tid` of process `pid` (/proc/PID/task/TID/comm, at most 15 bytes, as the process set
    /// it); nil when the thread has ended.
    public func threadName(pid: Int32, tid: Int32) -> String? {
        let comm = path(pid: pid, "task").appending("\(tid)").appending("comm")
        return (try? ProcFile.read(comm)).map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
    }
}

/// Process `pid`'s /proc/PID/task, kept open and listed again from its start: a look is one getdents64 into a
/// small buffer on the stack, without the path walk, open and close of a fresh listing, and without the 32 KiB
/// buffer glibc's `opendir` keeps per directory (the daemon keeps one per VMM and looks at every VMM's threads
/// ten times a second).
///
/// The directory belongs to the process it was opened for: once that process exits it lists nothing, even if
/// its pid is used again.
public final class TaskDirectory {
    /// The process whose threads it lists.
    public let pid: Int32
    /// True once a listing found no thread (the process exited) or failed: the directory is of no further use.
    public private(set) var isEmpty = false
    private let descriptor: FileDescriptor
    /// Bytes of directory records read per call: about 130 threads' entries.
    private static let bufferBytes = 4_096

    /// Opens process `pid`'s task directory; nil when it cannot be opened (the process exited, or the daemon
    /// has no file descriptor left).
    public init?(procfs: ProcFS, pid: Int32) {
        guard let descriptor = try? FileDescriptor.open(procfs.path(pid: pid, "task"), .readOnly,
                                                        options: [.directory, .closeOnExec])
        else { return nil }
        self.pid = pid
        self.descriptor = descriptor
    }

    deinit {
        try? descriptor.close()
    }

    /// The ids of the process's threads now, in directory order; nil once it has exited (no thread listed) or
    /// the directory cannot be read.
    public func threadIDs() -> [Int32]? {
        guard lseek(descriptor.rawValue, 0, SEEK_SET) == 0 else {
            isEmpty = true
            return nil
        }
        var threads: [Int32] = []
        let complete = withUnsafeTemporaryAllocation(byteCount: Self.bufferBytes, alignment: 8) { buffer in
            while true {
                let length = pageout_getdents64(descriptor.rawValue, buffer.baseAddress, buffer.count)
                if length == 0 { return true }
                guard length > 0 else { return false }
                Self.forEachName(in: UnsafeRawBufferPointer(rebasing: buffer.prefix(length))) { name in
                    if let tid = ProcFS.positiveNumber(named: name) { threads.append(tid) }
                }
            }
        }
        guard complete, !threads.isEmpty else {
            isEmpty = true
            return nil
        }
        return threads
    }

    /// How many threads the process has now, from the directory's link count (procfs counts two links plus one
    /// per thread: `proc_task_getattr`), without listing it; nil when the count cannot be read or is not one (a
    /// directory that is not procfs's, or one whose process has gone).
    public func threadCount() -> Int? {
        guard !isEmpty else { return nil }
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0, status.st_nlink > 2 else { return nil }
        return Int(status.st_nlink) - 2
    }

    /// Thread `tid`'s scheduler figures (its schedstat file, read through this directory: a thread of the process
    /// it was opened for, whatever became of the pid); nil when the thread has ended or its file cannot be read
    /// or parsed.
    public func schedStat(ofThread tid: Int32) -> ThreadSchedStat? {
        guard !isEmpty, tid > 0 else { return nil }
        let name = "\(tid)/schedstat"
        guard let file = try? Syscalls.open(name, in: descriptor, O_RDONLY | O_CLOEXEC,
                                            target: "/proc/\(pid)/task/\(name)")
        else { return nil }
        defer { Syscalls.close(file) }
        // Three numbers of at most 20 digits: a buffer twice that holds the whole line.
        let text: String? = withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { buffer in
            guard let count = try? Syscalls.read(file, into: buffer, target: name), count < buffer.count
            else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: buffer.prefix(count)), as: UTF8.self)
        }
        return text.flatMap { try? ThreadSchedStat.parse($0) }
    }

    /// Calls `body` with the name of each `struct linux_dirent64` record in `records`: d_ino (8 bytes), d_off
    /// (8), d_reclen (2), d_type (1), then the name, NUL-terminated, within d_reclen.
    private static func forEachName(in records: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        let nameOffset = 19
        var offset = 0
        while offset + nameOffset <= records.count {
            let recordLength = Int(records.loadUnaligned(fromByteOffset: offset + 16, as: UInt16.self))
            guard recordLength > nameOffset, offset + recordLength <= records.count else { return }
            let name = UnsafeRawBufferPointer(rebasing: records[(offset + nameOffset)..<(offset + recordLength)])
            body(UnsafeRawBufferPointer(rebasing: name.prefix { $0 != 0 }))
            offset += recordLength
        }
    }
}
