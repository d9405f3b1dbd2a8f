import CPageoutSys
import Foundation
import Glibc
import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// Files a tenant names or maps, against the real kernel: pid files that are not what they claim, mappings that
/// are not shmem.
@Suite struct KernelInputSafetyTests {
    private let resolver = RegionResolver()

    /// The problem the resolver reports for pid file `path`, or nil when it was accepted.
    private func pidFileProblem(_ path: String) -> String? {
        do {
            _ = try resolver.pid(of: .pidfile(path))
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func pidFilesThatAreNotSmallRegularFilesOfTheRightOwnerAreRefused() throws {
        try HostRequirements.requireRoot()
        let directory = try TemporaryDirectory()
        let good = directory.path + "/good.pid"
        try "\(getpid())\n".write(toFile: good, atomically: false, encoding: .utf8)
        #expect(try resolver.pid(of: .pidfile(good)) == getpid())

        let link = directory.path + "/link.pid"
        #expect(symlink(good, link) == 0)
        #expect(pidFileProblem(link) == "pid file \(link) is a symbolic link")

        let fifo = directory.path + "/fifo.pid"
        #expect(mkfifo(fifo, 0o600) == 0)
        let clock = ContinuousClock()
        let started = clock.now
        #expect(pidFileProblem(fifo) == "pid file \(fifo) is not a regular file")
        #expect(clock.now - started < .seconds(1), "a FIFO must not block the open")

        #expect(pidFileProblem("/dev/zero") == "pid file /dev/zero is not a regular file")
        let big = directory.path + "/big.pid"
        try String(repeating: "1", count: 65).write(toFile: big, atomically: false, encoding: .utf8)
        #expect(pidFileProblem(big) == "pid file \(big) holds more than 64 bytes")

        // Owned by a uid that neither is root nor runs the process named (this one runs as root).
        #expect(chown(good, 54321, 54321) == 0)
        #expect(pidFileProblem(good) == "pid file \(good) is owned by uid 54321, neither root nor the owner of "
            + "process \(getpid())")
    }

    @Test func theContentsOfASecretFileAreNeverQuoted() throws {
        try HostRequirements.requireRoot()
        let directory = try TemporaryDirectory()
        let secret = directory.path + "/secret"
        let text = "root:$6$s3cr3t:20228:0::\n"
        try text.write(toFile: secret, atomically: false, encoding: .utf8)
        let problem = pidFileProblem(secret)
        #expect(problem == "pid file \(secret) does not hold a pid (\(text.utf8.count) bytes)")
        let shadow = pidFileProblem("/etc/shadow") ?? ""
        #expect(shadow.hasPrefix("pid file /etc/shadow ") && !shadow.contains("root:"), "\(shadow)")
    }

    @Test func aDiskFileMappedSharedIsNotShmem() throws {
        try HostRequirements.requireRoot()
        let path = "/var/tmp/pageoutd-disk-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let mapping = try SharedFileMapping(path: path, bytes: 1 << 20)
        defer { mapping.remove() }
        do {
            _ = try ShmemRegion(process: ProcessHandle(pid: getpid()), source: .shmPath(path))
            Issue.record("a disk file was accepted as shmem")
        } catch let error as NotShmem {
            #expect("\(error)".hasPrefix("process \(getpid())'s mapping 0x"), "\(error)")
            #expect("\(error)".hasSuffix(", not shmem: only shmem guest RAM can be paged out"), "\(error)")
            guard case .file(on: let fileSystem) = error.kind else { throw TestFailure("\(error.kind)") }
            #expect(fileSystem != .shmem)
        }
    }

    @Test func aMemfdIsShmem() throws {
        try HostRequirements.requireRoot()
        let memfd = try SharedFileMapping(memfd: "kernel-input-safety", flags: 0, bytes: 1 << 20)
        let region = try ShmemRegion(process: ProcessHandle(pid: getpid()), source: .memfd("kernel-input-safety"))
        #expect(region.mappings.count == 1)
        withExtendedLifetime(memfd) {}
    }

    @Test func aHugetlbfsMemfdIsRefused() throws {
        try HostRequirements.requireRoot()
        let reservation = try HugePageReservation(pages: 2)
        defer { reservation.restore() }
        let memfd = try SharedFileMapping(memfd: "kernel-input-huge", flags: 0x0004 /* MFD_HUGETLB */, bytes: 2 << 20)
        do {
            _ = try ShmemRegion(process: ProcessHandle(pid: getpid()), source: .memfd("kernel-input-huge"))
            Issue.record("a hugetlbfs memfd was accepted")
        } catch let error as NotShmem {
            #expect(error.kind == .file(on: .hugetlbfs))
            #expect("\(error)".contains("hugetlbfs RAM cannot be paged out"), "\(error)")
        }
        withExtendedLifetime(memfd) {}
    }
}
