import Glibc
import SystemPackage

/// Whole-file reads of /proc files.
enum ProcFile {
    /// The most a /proc file may hold before pageoutd gives up on it (a maps file at the default
    /// vm.max_map_count of 65530 VMAs is a few MiB).
    static let sizeLimit = 64 << 20

    /// Reads the file at `path` to its end and decodes it as UTF-8 (invalid bytes become U+FFFD).
    ///
    /// /proc files report a size of 0 and are produced as they are read, so this reads until `read` returns 0
    /// rather than trusting `fstat`. The file is opened `O_RDONLY | O_CLOEXEC`.
    ///
    /// - Throws: `SystemCallError` naming `open` or `read` and the path (EFBIG past `sizeLimit`).
    static func read(_ path: FilePath) throws(SystemCallError) -> String {
        let descriptor = try Syscalls.open(path.string, O_RDONLY | O_CLOEXEC)
        defer { Syscalls.close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            // withUnsafeMutableBytes rethrows untyped: carry the typed error out in a Result.
            let count = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(SystemCallError) in
                    try Syscalls.read(descriptor, into: buffer, target: path.string)
                }
            }.get()
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > sizeLimit {
                throw SystemCallError(call: "read", target: path.string, errno: .fileTooLarge)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
