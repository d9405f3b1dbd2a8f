import Foundation
import Glibc
import PageoutLinux
import SystemPackage

/// `registrations.json` in the state directory: the regions registered over the control socket.
///
/// A save writes a temporary file, fsyncs it, renames it over the old one and fsyncs the directory, so after a
/// crash or power loss the file is either the old list or the new one, never a mix.
public struct RegistrationStore: Sendable {
    /// The state directory.
    public let directory: String

    /// The store in `directory` (created with mode 0755 at the first save if missing).
    public init(directory: String) {
        self.directory = directory
    }

    /// The file's path.
    public var path: String { directory + "/registrations.json" }

    /// The registrations saved last; none when the file does not exist.
    ///
    /// - Throws: `SystemCallError` when the file cannot be read, `RegistrationFileError` when it is not ours.
    public func load() throws -> [Registration] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch CocoaError.fileReadNoSuchFile {
            return []
        } catch {
            throw RegistrationFileError(path: path, problem: "cannot be read: \(error.localizedDescription)")
        }
        let file: RegistrationFile
        do {
            file = try JSONDecoder().decode(RegistrationFile.self, from: data)
        } catch {
            throw RegistrationFileError(path: path, problem: "is not a registrations file: \(error)")
        }
        guard file.version == 1 else {
            throw RegistrationFileError(path: path, problem: "has format version \(file.version), this pageoutd reads 1")
        }
        return file.registrations
    }

    /// Replaces the saved registrations with `registrations`, durably.
    ///
    /// - Throws: `SystemCallError` naming the call and path that failed.
    public func save(_ registrations: [Registration]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(RegistrationFile(registrations: registrations))) + [UInt8(ascii: "\n")]
        try Self.makeDirectory(directory)
        let temporary = path + ".tmp"
        let file = try Self.call("open", temporary) {
            open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        }
        try FileDescriptor(rawValue: file).closeAfter {
            var written = 0
            while written < bytes.count {
                written += try Self.call("write", temporary) {
                    bytes.withUnsafeBytes { write(file, $0.baseAddress! + written, $0.count - written) }
                }
            }
            _ = try Self.call("fsync", temporary) { fsync(file) }
        }
        _ = try Self.call("rename", "\(temporary) to \(path)") { rename(temporary, path) }
        let directoryFile = try Self.call("open", directory) { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        try FileDescriptor(rawValue: directoryFile).closeAfter {
            _ = try Self.call("fsync", directory) { fsync(directoryFile) }
        }
    }

    /// Creates `path` and its missing parents with mode 0755.
    static func makeDirectory(_ path: String) throws {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw SystemCallError(call: "mkdir", target: current, errno: Errno(rawValue: errno))
            }
        }
    }

    /// Runs one call, retrying on EINTR; a negative result becomes a `SystemCallError` with errno read at once.
    static func call<R: BinaryInteger>(_ name: String, _ target: String, _ body: () -> R) throws -> R {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = Errno(rawValue: errno)
            if code == .interrupted { continue }
            throw SystemCallError(call: name, target: target, errno: code)
        }
    }
}

/// `registrations.json` exists but cannot be used.
public struct RegistrationFileError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong with it.
    public var problem: String

    public var description: String { "\(path) \(problem)" }
}
