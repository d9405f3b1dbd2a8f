import Foundation
import Glibc
import PageoutLinux
import SystemPackage
import Testing

/// The typed helpers the daemon calls instead of libc: paths, the control socket probe, groups, environment.
@Suite("File system and socket helpers")
struct FileSystemAndSocketTests {
    @Test("makes nested directories, keeps existing ones, and reports a failure with the call and path")
    func directories() throws {
        let directory = try TemporaryDirectory()
        let nested = directory.path + "/a/b/c"
        try FileSystem.makeDirectories(nested)
        try FileSystem.makeDirectories(nested)
        #expect(try FileSystem.linkStatus(nested).type == .directory)
        #expect(FileManager.default.createFile(atPath: directory.path + "/file", contents: Data()))
        let error = try #require(throws: SystemCallError.self) {
            try FileSystem.makeDirectories(directory.path + "/file/below")
        }
        #expect(error.call == "mkdir" && error.target == directory.path + "/file/below" && error.errno == .notDirectory)
    }

    @Test("gives a socket file its group and exact mode through a descriptor, and removes files")
    func ownership() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/control.sock"
        let socket = try UnixSocket.listen(at: path)
        defer { try? socket.close() }
        let owner = try FileSystem.linkStatus(path).userID
        try FileSystem.setSocketOwnership(of: path, group: 4242, permissions: [.ownerReadWrite, .groupReadWrite])
        let status = try FileSystem.linkStatus(path)
        #expect(status.type == .socket && status.permissions == [.ownerReadWrite, .groupReadWrite])
        #expect(status.groupID.rawValue == 4242 && status.userID == owner)
        try FileSystem.removeFile(path)
        let error = try #require(throws: SystemCallError.self) { try FileSystem.removeFile(path) }
        #expect(error.description == "unlink(\(path)): ENOENT (No such file or directory)")
    }

    @Test("a symbolic link or a plain file in the socket's place is neither followed nor changed")
    func ownershipRefusesOtherFiles() throws {
        let directory = try TemporaryDirectory()
        let victim = directory.path + "/victim"
        #expect(FileManager.default.createFile(atPath: victim, contents: Data(), attributes: [.posixPermissions: 0o600]))
        let link = directory.path + "/link.sock"
        #expect(symlink(victim, link) == 0)
        for path in [link, victim] {
            let error = try #require(throws: SystemCallError.self) {
                try FileSystem.setSocketOwnership(of: path, group: 4242, permissions: [.ownerReadWrite, .groupReadWrite])
            }
            #expect(error.errno == .notSocket || error.errno == .tooManySymbolicLinkLevels, "\(error)")
        }
        let status = try FileSystem.linkStatus(victim)
        #expect(status.permissions == [.ownerReadWrite] && status.groupID.rawValue != 4242)
    }

    @Test("the status of an open descriptor is the status of its file")
    func descriptorStatus() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/file"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("12345".utf8)))
        let file = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec])
        defer { try? file.close() }
        let status = try FileSystem.status(of: file)
        let byPath = try FileSystem.linkStatus(path)
        #expect(status.size == 5 && status.inode == byPath.inode)
    }

    @Test("tells a live listener from a stale socket file, a plain file and nothing")
    func listenerProbe() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/control.socket"
        #expect(!UnixSocket.isListening(at: path))
        let listener = try UnixSocket.listen(at: path)
        #expect(UnixSocket.isListening(at: path))
        try listener.close()
        #expect(try FileSystem.linkStatus(path).type == .socket)
        #expect(!UnixSocket.isListening(at: path), "the socket file is stale once its listener closed")
        #expect(!UnixSocket.isListening(at: directory.path))
        #expect(!UnixSocket.isListening(at: "/" + String(repeating: "x", count: 200)), "longer than sun_path")
        let error = try #require(throws: SystemCallError.self) { try UnixSocket.listen(at: path) }
        #expect(error.call == "bind" && error.errno == .addressInUse)
    }

    @Test("looks groups up by name")
    func groups() throws {
        #expect(try GroupDatabase.groupID(named: "root") == 0)
        #expect(try GroupDatabase.groupID(named: "no-such-group-pageoutd") == nil)
    }

    @Test("reads the environment and the monotonic clock as they are now")
    func environmentAndClock() {
        setenv("PAGEOUTD_SYSCALL_TEST", "value", 1)
        #expect(ProcessEnvironment.value("PAGEOUTD_SYSCALL_TEST") == "value")
        unsetenv("PAGEOUTD_SYSCALL_TEST")
        #expect(ProcessEnvironment.value("PAGEOUTD_SYSCALL_TEST") == nil)
        let before = ProcessEnvironment.monotonicMicroseconds()
        usleep(2_000)
        #expect(ProcessEnvironment.monotonicMicroseconds() - before >= 2_000)
    }

    @Test("the raw SO_PEERCRED layout is struct ucred's")
    func credentialsLayout() {
        #expect(MemoryLayout<UnixSocket.Credentials>.size == 12)
        #expect(UnixSocket.socketLevel == SOL_SOCKET && UnixSocket.peerCredentialsOption == SO_PEERCRED)
    }
}
