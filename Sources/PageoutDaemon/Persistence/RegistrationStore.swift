import Foundation
import PageoutLinux
import SystemPackage

/// `registrations.json` in the state directory: the regions registered over the control socket.
///
/// A save replaces the file whole (`AtomicFile`), so after a crash or power loss the file is either the old list
/// or the new one, never a mix.
public struct RegistrationStore: Sendable {
    /// The state directory (`[daemon] state_directory`).
    public let directory: String

    /// The store in `directory` (created with mode 0755 at the first save if missing).
    public init(directory: String) {
        self.directory = directory
    }

    /// The file's path.
    public var path: String { directory + "/registrations.json" }

    /// The registrations saved last, entry by entry (an entry that is not a registration is returned as such, so
    /// that the others can still be restored); none when the file does not exist.
    ///
    /// - Throws: `RegistrationFileError` when the file cannot be read, is not a registrations file, or has a
    ///   newer format version.
    func load() throws -> [SavedRegistration] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch CocoaError.fileReadNoSuchFile {
            return []
        } catch {
            throw RegistrationFileError(path: path, problem: "cannot be read: \(error.localizedDescription)")
        }
        let file: SavedRegistrationFile
        do {
            file = try JSONDecoder().decode(SavedRegistrationFile.self, from: data)
        } catch {
            throw RegistrationFileError(path: path, problem: "is not a registrations file: \(error)")
        }
        guard file.version == 1 else {
            throw RegistrationFileError(path: path,
                                        problem: "has format version \(file.version), this pageoutd reads 1")
        }
        return file.registrations
    }

    /// Replaces the saved registrations with `registrations`, durably.
    ///
    /// - Throws: `SystemCallError` naming the call and path that failed (the state directory, or the file).
    public func save(_ registrations: [Registration]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(RegistrationFile(registrations: registrations))) + [UInt8(ascii: "\n")]
        try FileSystem.makeDirectories(directory)
        try AtomicFile(path: path).write(bytes, permissions: .ownerReadWrite)
    }
}

/// `registrations.json` exists but cannot be used.
public struct RegistrationFileError: Error, Sendable, CustomStringConvertible {
    /// The registrations file.
    public var path: String
    /// What is wrong with it, completing "PATH ...", e.g. `"is not a registrations file: ..."`.
    public var problem: String

    public var description: String { "\(path) \(problem)" }
}
