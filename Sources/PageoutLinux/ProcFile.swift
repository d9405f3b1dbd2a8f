import SystemPackage

/// Whole-file reads of /proc files.
enum ProcFile {
    /// The most a /proc file may hold before pageoutd gives up on it (a maps file at the default
    /// vm.max_map_count of 65530 VMAs is a few MiB).
    static let sizeLimit = 64 << 20

    /// Reads the file at `path` to its end and decodes it as UTF-8 (invalid bytes become U+FFFD).
    ///
    /// /proc files report a size of 0 and are produced as they are read, so this reads until `read` returns 0
    /// rather than trusting `fstat`. The file is opened `O_RDONLY | O_CLOEXEC`; EINTR is retried.
    ///
    /// - Throws: `SystemCallError` naming `open` or `read` and the path (EFBIG past `sizeLimit`).
    static func read(_ path: FilePath) throws(SystemCallError) -> String {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec], retryOnInterrupt: true)
        } catch {
            throw SystemCallError(call: "open", target: path.string, errno: errno(of: error))
        }
        defer { try? descriptor.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0, retryOnInterrupt: true) }
            } catch {
                throw SystemCallError(call: "read", target: path.string, errno: errno(of: error))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > sizeLimit {
                throw SystemCallError(call: "read", target: path.string, errno: .fileTooLarge)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The errno of an error swift-system threw (it throws nothing else).
    private static func errno(of error: any Error) -> Errno {
        guard let errno = error as? Errno else { preconditionFailure("swift-system threw \(error)") }
        return errno
    }
}
