import Foundation
import Glibc
import PageoutMeasure

/// A small C VMM whose guest RAM the kernel refuses to page out: a memfd (or a file) mapped shared, every page
/// written, then locked with mlockall or mlock, or put on hugetlbfs. SIGUSR1 unlocks it (munlockall/munlock,
/// then an `UNLOCKED` line); SIGUSR2 locks it in `lockLater` mode (then `LOCKED`). Compiled with gcc at first
/// use, so the test's VMM does exactly the system calls a locking VMM does and nothing else.
public final class LockingVMM {
    /// How the VMM holds its guest RAM.
    public enum Mode: Sendable {
        /// mlockall(MCL_CURRENT | MCL_FUTURE) after writing, as QEMU's `-overcommit mem-lock=on` does.
        case mlockall
        /// mlock() of the guest RAM mapping only.
        case mlock
        /// Not locked until SIGUSR2.
        case lockLater
        /// A MFD_HUGETLB memfd (huge pages must be reserved).
        case hugetlbMemfd
        /// A file at `path` (on a hugetlbfs mount, say), mapped shared.
        case file(path: String)

        var arguments: [String] {
            switch self {
            case .mlockall: ["mlockall"]
            case .mlock: ["mlock"]
            case .lockLater: ["lock-later"]
            case .hugetlbMemfd: ["hugetlb"]
            case .file(let path): ["file", path]
            }
        }
    }

    /// The memfd name of its guest RAM.
    public static let memfdName = "locked-guest"

    public let process = Process()
    public let output: LineReader
    /// Its pid.
    public let pid: Int32
    /// Where its guest RAM is mapped.
    public let start: UInt64
    /// Pages of guest RAM (4 KiB).
    public let pages: Int

    /// Starts a VMM with `mebibytes` of guest RAM held as `mode` says, and waits until it is in place.
    public init(_ mode: Mode, mebibytes: Int) throws {
        process.executableURL = URL(fileURLWithPath: try Self.executable())
        process.arguments = [String(mebibytes)] + mode.arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        output = LineReader(fd: pipe.fileHandleForReading.fileDescriptor, keeping: pipe)
        let ready = GuestSim.fields(of: try output.line(startingWith: "READY", timeout: 60))
        guard let pid = ready["pid"].flatMap({ Int32($0) }),
              let start = ready["start"].flatMap({ UInt64($0, radix: 16) })
        else { throw TestFailure("bad READY line: \(ready)") }
        (self.pid, self.start, pages) = (pid, start, mebibytes << 20 / RawKernel.pageSize)
    }

    deinit {
        stop()
    }

    /// /proc/PID/map_files path of its guest RAM.
    public var mapFilesPath: String {
        let end = start + UInt64(pages * RawKernel.pageSize)
        return "/proc/\(pid)/map_files/" + String(start, radix: 16) + "-" + String(end, radix: 16)
    }

    /// Unlocks its guest RAM and waits until it did.
    public func unlock() throws {
        kill(pid, SIGUSR1)
        _ = try output.line(startingWith: "UNLOCKED", timeout: 60)
    }

    /// Locks its guest RAM (`lockLater` mode) and waits until it did.
    public func lock() throws {
        kill(pid, SIGUSR2)
        _ = try output.line(startingWith: "LOCKED", timeout: 60)
    }

    /// Kills it and reaps it.
    public func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var compiled: String?

    /// The VMM's executable, compiled with gcc once per test process.
    private static func executable() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let compiled { return compiled }
        let gcc = try HostRequirements.requireExecutable(["/usr/bin/gcc", "/usr/bin/cc"], package: "gcc")
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("locking-vmm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = directory.appendingPathComponent("vmm.c").path
        let binary = directory.appendingPathComponent("vmm").path
        try Self.source.write(toFile: source, atomically: true, encoding: .utf8)
        let result = try runToEnd([gcc, "-O2", "-Wall", "-Werror", "-o", binary, source])
        guard result.status == 0 else { throw TestFailure("gcc failed: \(result.output)") }
        compiled = binary
        return binary
    }

    /// The VMM: `vmm MIB MODE [PATH]`.
    static let source = #"""
        #define _GNU_SOURCE
        #include <fcntl.h>
        #include <signal.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/mman.h>
        #include <sys/resource.h>
        #include <unistd.h>

        static volatile sig_atomic_t unlock_asked, lock_asked;
        static void on_usr1(int s) { (void)s; unlock_asked = 1; }
        static void on_usr2(int s) { (void)s; lock_asked = 1; }
        static int fail(const char *what) { perror(what); return 1; }

        int main(int argc, char **argv) {
            if (argc < 3) return 2;
            /* A child inherits its spawner's signal mask: start from none blocked, or SIGTERM never ends it. */
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, NULL);
            size_t size = (size_t)atol(argv[1]) << 20;
            const char *mode = argv[2];
            int all = !strcmp(mode, "mlockall");
            /* Root locks without limit (CAP_IPC_LOCK); raise the limit anyway where it is allowed. */
            struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
            setrlimit(RLIMIT_MEMLOCK, &unlimited);
            int fd = !strcmp(mode, "file") ? open(argv[3], O_RDWR | O_CREAT | O_CLOEXEC, 0600)
                   : memfd_create("locked-guest", MFD_CLOEXEC | (!strcmp(mode, "hugetlb") ? MFD_HUGETLB : 0));
            if (fd < 0) return fail("open");
            if (ftruncate(fd, size)) return fail("ftruncate");
            char *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (base == MAP_FAILED) return fail("mmap");
            for (size_t at = 0; at < size; at += 4096) memset(base + at, (int)(at >> 12) | 1, 64);
            if (all && mlockall(MCL_CURRENT | MCL_FUTURE)) return fail("mlockall");
            if (!strcmp(mode, "mlock") && mlock(base, size)) return fail("mlock");
            signal(SIGUSR1, on_usr1);
            signal(SIGUSR2, on_usr2);
            /* The signals stay blocked but while sigsuspend waits: none arrives between a check and the wait. */
            sigset_t both, waiting;
            sigemptyset(&both);
            sigaddset(&both, SIGUSR1);
            sigaddset(&both, SIGUSR2);
            sigprocmask(SIG_BLOCK, &both, &waiting);
            printf("READY pid=%d start=%lx\n", getpid(), (unsigned long)base);
            fflush(stdout);
            for (;;) {
                if (unlock_asked) {
                    unlock_asked = 0;
                    if (all ? munlockall() : munlock(base, size)) return fail("munlock");
                    printf("UNLOCKED\n");
                    fflush(stdout);
                }
                if (lock_asked) {
                    lock_asked = 0;
                    if (mlock(base, size)) return fail("mlock");
                    printf("LOCKED\n");
                    fflush(stdout);
                }
                sigsuspend(&waiting);
            }
        }
        """#
}
