import Foundation
import Glibc
@testable import PageoutLinux
import Synchronization
import SystemPackage
import Testing

/// AtomicFile on the real file system: whole replacement, exact permissions, and a directory others can write to.
@Suite("AtomicFile")
struct AtomicFileTests {
    @Test("replaces the file whole with exactly the permissions asked, and leaves no temporary file")
    func replaces() throws {
        let directory = try TemporaryDirectory()
        let file = AtomicFile(path: directory.path + "/metrics.prom")
        try file.write(Array("one\n".utf8), permissions: .ownerReadWrite)
        try file.write(Array("two\n".utf8), permissions: [.ownerReadWrite, .groupRead, .otherRead])
        #expect(try String(contentsOfFile: file.path, encoding: .utf8) == "two\n")
        #expect(try FileSystem.linkStatus(file.path).permissions == [.ownerReadWrite, .groupRead, .otherRead])
        #expect(try directory.names() == ["metrics.prom"])
    }

    @Test("a reader sees the old contents or the new, never a part")
    func readersSeeWholeFiles() async throws {
        let directory = try TemporaryDirectory()
        let file = AtomicFile(path: directory.path + "/state.json")
        let contents = [[UInt8](repeating: UInt8(ascii: "a"), count: 256 << 10),
                        [UInt8](repeating: UInt8(ascii: "b"), count: 192 << 10)]
        try file.write(contents[0], permissions: .ownerReadWrite)
        let finished = Flag()
        let writer = Task.detached {
            defer { finished.raise() }
            for round in 0..<60 { try file.write(contents[round % 2], permissions: .ownerReadWrite) }
        }
        var reads = 0
        while !finished.isRaised || reads == 0 {
            let read = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            #expect(read == contents[0] || read == contents[1])
            reads += 1
        }
        try await writer.value
    }

    @Test("never opens or follows a file planted under the temporary name", arguments: ["symlink", "file", "fifo"])
    func refusesPlantedTemporary(kind: String) throws {
        let directory = try TemporaryDirectory()
        let file = AtomicFile(path: directory.path + "/registrations.json")
        try file.write(Array("old".utf8), permissions: .ownerReadWrite)
        let victim = directory.path + "/victim"
        try Data("victim".utf8).write(to: URL(fileURLWithPath: victim))
        let planted = ".registrations.json.planted.tmp"
        let plantedPath = directory.path + "/" + planted
        switch kind {
        case "symlink": #expect(symlink(victim, plantedPath) == 0)
        case "file": try Data("planted".utf8).write(to: URL(fileURLWithPath: plantedPath))
        default: #expect(mkfifo(plantedPath, 0o600) == 0)
        }
        let error = try #require(throws: SystemCallError.self) {
            try file.write(Array("new".utf8), permissions: .ownerReadWrite) { planted }
        }
        #expect(error.call == "open" && error.errno == .fileExists && error.target == plantedPath)
        #expect(try String(contentsOfFile: file.path, encoding: .utf8) == "old")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "victim")
        // What was planted is left as it was: the write removes only a file it created.
        #expect(try FileSystem.linkStatus(plantedPath).type == [
            "symlink": FileType.symbolicLink, "file": .regular, "fifo": .fifo,
        ][kind])
    }

    @Test("tries another name when the first is taken")
    func skipsTakenName() throws {
        let directory = try TemporaryDirectory()
        let file = AtomicFile(path: directory.path + "/metrics.prom")
        #expect(symlink("/nonexistent", directory.path + "/.taken.tmp") == 0)
        var names = [".taken.tmp", ".free.tmp"].makeIterator()
        try file.write(Array("new".utf8), permissions: .ownerReadWrite) { names.next()! }
        #expect(try String(contentsOfFile: file.path, encoding: .utf8) == "new")
        #expect(try directory.names() == [".taken.tmp", "metrics.prom"])
    }

    @Test("removes its temporary file when the write fails, and names the call that failed")
    func cleansUpOnFailure() throws {
        let directory = try TemporaryDirectory()
        // A directory where the file should be: the rename fails (EISDIR) after the temporary file was written.
        let path = directory.path + "/metrics.prom"
        #expect(mkdir(path, 0o755) == 0)
        let error = try #require(throws: SystemCallError.self) {
            try AtomicFile(path: path).write(Array("new".utf8), permissions: .ownerReadWrite)
        }
        #expect(error.call == "rename" && error.errno == .isDirectory)
        #expect(error.target.hasSuffix(" to \(path)"))
        #expect(try directory.names() == ["metrics.prom"])

        let missing = try #require(throws: SystemCallError.self) {
            try AtomicFile(path: directory.path + "/missing/file").write([], permissions: .ownerReadWrite)
        }
        #expect(missing.description == "open(\(directory.path)/missing): ENOENT (No such file or directory)")
    }

    @Test("splits the path into directory and name")
    func pathParts() {
        #expect(AtomicFile(path: "/var/lib/pageoutd/registrations.json").directory == "/var/lib/pageoutd")
        #expect(AtomicFile(path: "/top").directory == "/")
        #expect(AtomicFile(path: "relative").directory == ".")
        #expect(AtomicFile(path: "/var/lib/pageoutd/registrations.json").name == "registrations.json")
    }
}

/// A new directory under the system's temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    /// The directory's path.
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("syscall-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The names in the directory, sorted.
    func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}

/// A flag one task raises and another reads.
final class Flag: Sendable {
    private let raised = Mutex(false)

    func raise() { raised.withLock { $0 = true } }

    var isRaised: Bool { raised.withLock { $0 } }
}
