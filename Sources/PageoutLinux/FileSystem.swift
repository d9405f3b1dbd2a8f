import SystemPackage

/// The path operations the daemon needs (its state directory, its control socket file), each a thin typed call
/// over `Syscalls` that throws `SystemCallError` naming the call and the path.
public enum FileSystem {
    /// Creates `path` and its missing parents with `permissions` (masked by the umask); existing ones are kept.
    public static func makeDirectories(
        _ path: String, permissions: FilePermissions = [.ownerReadWriteExecute, .groupReadExecute, .otherReadExecute]
    ) throws(SystemCallError) {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            do {
                try Syscalls.makeDirectory(current, permissions: permissions.rawValue)
            } catch {
                if error.errno != .fileExists { throw error }
            }
        }
    }

    /// The status of `path` itself (lstat: a symbolic link is not followed).
    public static func linkStatus(_ path: String) throws(SystemCallError) -> Stat {
        try Syscalls.linkStatus(path)
    }

    /// The status of an open file (fstat).
    public static func status(of descriptor: FileDescriptor) throws(SystemCallError) -> Stat {
        try Syscalls.status(descriptor, target: "fd \(descriptor.rawValue)")
    }

    /// Writes all of `bytes` to `descriptor`: write(2) again after a partial write, EINTR retried.
    public static func writeAll(
        _ bytes: UnsafeRawBufferPointer, to descriptor: FileDescriptor, target: @autoclosure () -> String
    ) throws(SystemCallError) {
        var written = 0
        while written < bytes.count {
            written += try Syscalls.write(descriptor, UnsafeRawBufferPointer(rebasing: bytes[written...]),
                                          target: target())
        }
    }

    /// Removes the file (not a directory) at `path`.
    public static func removeFile(_ path: String) throws(SystemCallError) {
        try Syscalls.unlink(path)
    }
}
