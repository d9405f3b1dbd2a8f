import Glibc
import SystemPackage

/// A file that is only ever replaced whole: a reader sees the old contents or the new, never a part, and after a
/// crash or power loss the file is one or the other.
///
/// A write goes to a new temporary file in the same directory, which is fsynced, renamed over the file and the
/// directory fsynced (the rename is durable only then). The directory may be writable by others (a metrics
/// collector's), so the temporary file is created under a random name with O_CREAT | O_EXCL | O_NOFOLLOW: a file,
/// symbolic link or FIFO someone planted under that name is never opened, written or followed (the open fails and
/// another name is tried), and O_NONBLOCK keeps even a misbehaving open from blocking. Every call names the
/// directory through one descriptor, so a directory renamed meanwhile cannot redirect the rename. On failure the
/// temporary file is removed and the old file stays as it was.
public struct AtomicFile: Sendable {
    /// The path as given: what error messages name, and what the rename replaces.
    public let path: String
    /// The directory the file is in.
    public let directory: String
    /// The file's name in `directory`.
    public let name: String

    /// How many random temporary names a write tries before it gives up (each taken one fails with EEXIST).
    static let temporaryNameAttempts = 8

    /// The file at `path`; its directory must exist.
    public init(path: String) {
        self.path = path
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
            name = String(path[path.index(after: slash)...])
        } else {
            directory = "."
            name = path
        }
    }

    /// Replaces the file with `bytes`, with exactly `permissions` (the umask does not apply).
    ///
    /// - Throws: `SystemCallError` naming the call and the path that failed.
    public func write(_ bytes: [UInt8], permissions: FilePermissions) throws(SystemCallError) {
        try write(bytes, permissions: permissions) {
            // A leading dot and the .tmp suffix keep collectors that read `*.prom` or `*.json` off the file.
            "." + name + "." + String(UInt64.random(in: .min ... .max), radix: 16) + ".tmp"
        }
    }

    /// `write(_:permissions:)` with the temporary names `temporaryName` makes (tests pass a planted name).
    func write(_ bytes: [UInt8], permissions: FilePermissions, temporaryName: () -> String) throws(SystemCallError) {
        let directoryFile = try Syscalls.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { Syscalls.close(directoryFile) }
        let (file, temporary) = try createTemporary(in: directoryFile, temporaryName)
        do {
            defer { Syscalls.close(file) }
            try fill(file, with: bytes, permissions: permissions, target: pathInDirectory(temporary))
            try Syscalls.rename(temporary, to: name, in: directoryFile,
                                target: "\(pathInDirectory(temporary)) to \(path)")
        } catch {
            try? Syscalls.unlink(temporary, in: directoryFile, target: pathInDirectory(temporary))
            throw error
        }
        try Syscalls.fsync(directoryFile, target: directory)
    }

    /// Creates a new, empty temporary file (mode 0600) in `directoryFile` under the first free name of
    /// `temporaryName`; never opens a file that existed.
    private func createTemporary(
        in directoryFile: FileDescriptor, _ temporaryName: () -> String
    ) throws(SystemCallError) -> (FileDescriptor, String) {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK
        var attempt = 1
        while true {
            let candidate = temporaryName()
            do {
                let file = try Syscalls.open(candidate, in: directoryFile, flags, permissions: 0o600,
                                             target: pathInDirectory(candidate))
                return (file, candidate)
            } catch {
                guard error.errno == .fileExists, attempt < Self.temporaryNameAttempts else { throw error }
                attempt += 1
            }
        }
    }

    /// Writes all of `bytes` to `file`, sets its permissions and fsyncs it.
    private func fill(
        _ file: FileDescriptor, with bytes: [UInt8], permissions: FilePermissions, target: String
    ) throws(SystemCallError) {
        try Syscalls.changePermissions(file, to: permissions.rawValue, target: target)
        // withUnsafeBytes rethrows untyped: carry the typed error out in a Result.
        try bytes.withUnsafeBytes { all in
            Result { () throws(SystemCallError) in try FileSystem.writeAll(all, to: file, target: target) }
        }.get()
        try Syscalls.fsync(file, target: target)
    }

    private func pathInDirectory(_ file: String) -> String {
        directory == "/" ? "/" + file : directory + "/" + file
    }
}
