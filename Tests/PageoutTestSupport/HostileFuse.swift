import Foundation
import Glibc

/// A mounted instance of Tests/c/hostile_fuse.c: a FUSE file system whose files report an st_blocks of 2^56 or
/// answer SEEK_DATA/SEEK_HOLE backwards or without progress, as a tenant's own file server can. Built with gcc
/// against libfuse3 (scripts/setup-host.sh installs libfuse3-dev and fuse3) and unmounted when the value goes.
public final class HostileFuse {
    /// The mount point.
    public let mountPoint: String
    private let directory: String
    private let server: Process

    /// Builds the server, mounts it in a fresh directory and waits until its files answer.
    public init() throws {
        try HostRequirements.requireRoot()
        _ = try HostRequirements.requireExecutable(["/usr/bin/fusermount3", "/bin/fusermount3"], package: "fuse3")
        directory = "/tmp/pageoutd-fuse-" + UUID().uuidString.prefix(8)
        mountPoint = directory + "/mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("c/hostile_fuse.c").path
        let binary = directory + "/hostile_fuse"
        let (status, output) = try runToEnd(["sh", "-c",
            "gcc -O2 -o \"$1\" \"$2\" $(pkg-config --cflags --libs fuse3)", "build", binary, source])
        guard status == 0 else { throw TestFailure("building hostile_fuse (libfuse3-dev): \(output)") }
        server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = [mountPoint]
        try server.run()
        let probe = path("huge-blocks")
        try Eventually.wait(for: "the hostile FUSE file system mounted at \(mountPoint)") {
            guard server.isRunning else { throw TestFailure("hostile_fuse exited: \(server.terminationStatus)") }
            var status = stat()
            return stat(probe, &status) == 0 && status.st_blocks == 1 << 56
        }
    }

    /// The path of file `name` (`huge-blocks`, `seek-backwards`, `seek-stuck`).
    public func path(_ name: String) -> String {
        mountPoint + "/" + name
    }

    deinit {
        // A lazy unmount: a mapping still open elsewhere must not keep the test from cleaning up.
        umount2(mountPoint, Int32(MNT_DETACH))
        if server.isRunning { server.terminate() }
        server.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A child process (python3) that maps a file MAP_SHARED read-only and reads its first page, until stopped: a
/// VMM whose "guest RAM" is any file its owner chose.
public final class FileMapper {
    /// The mapper's pid.
    public let pid: Int32
    private let process: Process
    private let input = Pipe()

    /// Maps the first `bytes` of `path` and waits until the mapping is in place.
    public init(path: String, bytes: Int = 1 << 20) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", """
            import mmap, os, sys
            fd = os.open(sys.argv[1], os.O_RDONLY)
            m = mmap.mmap(fd, int(sys.argv[2]), mmap.MAP_SHARED, mmap.PROT_READ)
            m[0]
            print("mapped", flush=True)
            sys.stdin.read()
            """, path, String(bytes)]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        pid = process.processIdentifier
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard line.hasPrefix("mapped") else { throw TestFailure("mapping \(path) failed: \(line)") }
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
