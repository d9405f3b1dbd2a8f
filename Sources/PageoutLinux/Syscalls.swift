import CPageoutSys
import Glibc
import SystemPackage

/// One small wrapper per system call pageoutd makes, after swift-system's `Internals/Syscalls.swift`.
///
/// Every wrapper goes through `systemCall`, so EINTR is retried in one place and errno is read right after the
/// call. A failure throws `SystemCallError` with the call's name and `target`: what the call was applied to, in
/// words an operator can act on (a path, `"pid 4242, 0x7f00..0x7f40"`). Nothing else in PageoutLinux calls libc
/// or the kernel directly; the rest of the package calls the typed helpers built on these (`FileSystem`,
/// `AtomicFile`, `UnixSocket`, ...). The wrappers take and return raw values and leave policy (which errno means
/// "process exited") to their callers.
///
/// This file holds the calls on paths and file descriptors; `Syscalls+Memory.swift` the calls on memory and
/// processes, `Syscalls+System.swift` sockets and the rest.
enum Syscalls {
    /// open(2); the flags should include O_CLOEXEC.
    static func open(_ path: String, _ flags: Int32, permissions: mode_t = 0) throws(SystemCallError)
        -> FileDescriptor {
        FileDescriptor(rawValue: try systemCall("open", on: path) { Glibc.open(path, flags, permissions) })
    }

    /// openat(2) of `name` in `directory`; `target` names the file for messages.
    static func open(
        _ name: String, in directory: FileDescriptor, _ flags: Int32, permissions: mode_t = 0,
        target: @autoclosure () -> String
    ) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try systemCall("open", on: target()) {
            openat(directory.rawValue, name, flags, permissions)
        })
    }

    /// close(2), never retried: Linux has released the descriptor even when close reports EINTR.
    static func close(_ descriptor: FileDescriptor) {
        // The only errors (EBADF, EIO from a network file system) leave nothing to do for a read-only descriptor.
        _ = try? systemCall("close", on: "fd \(descriptor.rawValue)", retryOnInterrupt: false) {
            Glibc.close(descriptor.rawValue)
        }
    }

    /// read(2) into `buffer`; returns the bytes read, 0 at the end of the file.
    static func read(
        _ descriptor: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, target: @autoclosure () -> String
    ) throws(SystemCallError) -> Int {
        try systemCall("read", on: target()) { Glibc.read(descriptor.rawValue, buffer.baseAddress, buffer.count) }
    }

    /// pread(2) into `buffer` from `offset`; returns the bytes read, 0 at the end of the file.
    static func read(
        _ descriptor: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64,
        target: @autoclosure () -> String
    ) throws(SystemCallError) -> Int {
        try systemCall("pread", on: target()) {
            pread(descriptor.rawValue, buffer.baseAddress, buffer.count, off_t(offset))
        }
    }

    /// write(2) of `bytes`; returns the bytes written (possibly fewer).
    static func write(
        _ descriptor: FileDescriptor, _ bytes: UnsafeRawBufferPointer, target: @autoclosure () -> String
    ) throws(SystemCallError) -> Int {
        try systemCall("write", on: target()) { Glibc.write(descriptor.rawValue, bytes.baseAddress, bytes.count) }
    }

    /// fsync(2).
    static func fsync(_ descriptor: FileDescriptor, target: @autoclosure () -> String) throws(SystemCallError) {
        _ = try systemCall("fsync", on: target()) { Glibc.fsync(descriptor.rawValue) }
    }

    /// fchmod(2): sets the permission bits exactly, whatever the umask was at creation.
    static func changePermissions(
        _ descriptor: FileDescriptor, to permissions: mode_t, target: @autoclosure () -> String
    ) throws(SystemCallError) {
        _ = try systemCall("fchmod", on: target()) { fchmod(descriptor.rawValue, permissions) }
    }

    /// fstat(2).
    static func status(_ descriptor: FileDescriptor, target: @autoclosure () -> String) throws(SystemCallError)
        -> Stat {
        var status = stat()
        _ = try systemCall("fstat", on: target()) { fstat(descriptor.rawValue, &status) }
        return Stat(rawValue: status)
    }

    /// fstatfs(2): the magic number of the file system `descriptor` is on (`f_type`, e.g. TMPFS_MAGIC).
    static func fileSystemType(_ descriptor: FileDescriptor, target: @autoclosure () -> String)
        throws(SystemCallError) -> UInt64 {
        var status = statfs()
        _ = try systemCall("fstatfs", on: target()) { fstatfs(descriptor.rawValue, &status) }
        // f_type is a signed word; the magic numbers are 32-bit patterns (HUGETLBFS_MAGIC has the top bit set).
        return UInt64(UInt32(truncatingIfNeeded: status.f_type))
    }

    /// lstat(2): the status of `path` itself, a symbolic link not followed.
    static func linkStatus(_ path: String) throws(SystemCallError) -> Stat {
        var status = stat()
        _ = try systemCall("lstat", on: path) { lstat(path, &status) }
        return Stat(rawValue: status)
    }

    /// lseek(2) with SEEK_DATA or SEEK_HOLE (`whenceName` says which, for messages); returns the new offset.
    static func seek(
        _ descriptor: FileDescriptor, to offset: UInt64, whence: Int32, whenceName: String,
        target: @autoclosure () -> String
    ) throws(SystemCallError) -> UInt64 {
        UInt64(try systemCall("lseek \(whenceName)", on: target()) {
            lseek(descriptor.rawValue, off_t(clamping: offset), whence)
        })
    }

    /// renameat(2) of `name` to `newName`, both in `directory`.
    static func rename(
        _ name: String, to newName: String, in directory: FileDescriptor, target: @autoclosure () -> String
    ) throws(SystemCallError) {
        _ = try systemCall("rename", on: target()) {
            renameat(directory.rawValue, name, directory.rawValue, newName)
        }
    }

    /// unlinkat(2) of `name` in `directory`.
    static func unlink(
        _ name: String, in directory: FileDescriptor, target: @autoclosure () -> String
    ) throws(SystemCallError) {
        _ = try systemCall("unlink", on: target()) { unlinkat(directory.rawValue, name, 0) }
    }

    /// unlink(2).
    static func unlink(_ path: String) throws(SystemCallError) {
        _ = try systemCall("unlink", on: path) { Glibc.unlink(path) }
    }

    /// mkdir(2).
    static func makeDirectory(_ path: String, permissions: mode_t) throws(SystemCallError) {
        _ = try systemCall("mkdir", on: path) { mkdir(path, permissions) }
    }

    /// chmod(2).
    static func changePermissions(_ path: String, to permissions: mode_t) throws(SystemCallError) {
        _ = try systemCall("chmod", on: path) { chmod(path, permissions) }
    }

    /// fchownat(2) of the group only (the owner stays) of the file `descriptor` names (O_PATH will do: AT_EMPTY_PATH).
    static func changeGroup(
        _ descriptor: FileDescriptor, to group: gid_t, target: @autoclosure () -> String
    ) throws(SystemCallError) {
        _ = try systemCall("fchownat", on: target()) {
            fchownat(descriptor.rawValue, "", uid_t.max, group, emptyPath)
        }
    }
}
