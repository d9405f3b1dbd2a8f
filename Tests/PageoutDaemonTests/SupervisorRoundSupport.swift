import CPageoutSys
import Foundation
import Glibc
import Logging
import PageoutCore
@testable import PageoutDaemon
import PageoutLinux
import PageoutTestSupport
import SystemPackage

/// Guest memory of the test process itself: a memfd mapped shared, every page written, for a supervisor that
/// takes this process for the VMM.
final class OwnGuestMemory {
    /// The memfd's name, as /proc/self/maps shows it.
    let name: String
    /// Its size in pages.
    let pages: Int
    /// Where it is mapped.
    let base: UnsafeMutableRawPointer
    private let descriptor: Int32
    /// A private state directory, so no persisted registration of another daemon is restored.
    let stateDirectory: String

    init(name: String, pages: Int) throws {
        self.name = name
        self.pages = pages
        let length = pages * RawKernel.pageSize
        descriptor = pageout_memfd_create(name, UInt32(PAGEOUT_MFD_CLOEXEC))
        guard descriptor >= 0, ftruncate(descriptor, off_t(length)) == 0 else {
            throw TestFailure("memfd \(name) of \(pages) pages: errno \(errno)")
        }
        guard let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0),
              mapped != MAP_FAILED else { throw TestFailure("mmap memfd \(name): errno \(errno)") }
        base = mapped
        for page in 0..<pages { base.storeBytes(of: UInt64(page) | 1 << 40, toByteOffset: page * RawKernel.pageSize,
                                                as: UInt64.self) }
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("round-\(UUID())").path
    }

    deinit {
        munmap(base, pages * RawKernel.pageSize)
        close(descriptor)
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    /// A configuration watching this memory with a 100 ms cold_age and limits that never cut a job short.
    func configuration() -> PageoutConfiguration {
        let policy = PolicySettings(coldAge: .milliseconds(100), maxPageoutRate: .gib(64),
                                    minFreeSwap: .size(.mib(1)), psiSomeAvg10Max: Percent(100),
                                    maxSwappedPercent: Percent(100), probeBudget: .gib(1))
        var daemon = DaemonSettings()
        daemon.stateDirectory = stateDirectory
        let region = RegionConfig(name: "self", process: .pid(getpid()), memory: .memfd(name), policy: policy)
        return PageoutConfiguration(daemon: daemon, policy: policy, regions: [region])
    }

    /// How many of the pages of `snapshot`'s region are mapped in this process now (pagemap's present bit).
    func mappedPages(in snapshot: PageSnapshot) throws -> Int {
        let entries = try RawKernel.pagemap(pid: getpid(), start: UInt64(UInt(bitPattern: base)), pages: pages)
        return entries.filter { $0 & (1 << 63) != 0 }.count
    }
}

extension OwnGuestMemory {
    /// A started supervisor that takes this process for the VMM of this memory (`configuration()`), sees the
    /// machine through `procfs` and carries out its jobs with `advisor` (with `dryRun`, makes none).
    func startedSupervisor(procfs: FakeProcRoot, advisor: RecordingAdvisor = RecordingAdvisor(unmapOwnMemory: false),
                           dryRun: Bool = false) async -> Supervisor {
        let supervisor = Supervisor(configuration: configuration(), forceDryRun: dryRun, procfs: procfs.procfs,
                                    advisor: advisor, logger: Logger(label: "test"))
        await supervisor.start()
        return supervisor
    }
}

/// A fake /proc: swaps, meminfo and pressure from fixtures, and the test's own process directory linked in, so a
/// supervisor sees a machine with (or without) swap while it scans this process for real.
struct FakeProcRoot {
    /// The tree's root.
    let path: String

    /// A tree whose one zram device has `swapFreeKiB` free of 8 GiB; nil: no swap at all.
    init(swapFreeKiB: UInt64?) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID())").path
        let files = FileManager.default
        try files.createDirectory(atPath: path + "/pressure", withIntermediateDirectories: true)
        let total: UInt64 = swapFreeKiB == nil ? 0 : 8_388_604
        let swaps = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
            + (swapFreeKiB.map { "/dev/zram0 partition\t\(total)\t\t\(total - $0)\t\t100\n" } ?? "")
        let memInfo = "MemTotal: 24684084 kB\nMemAvailable: 20000000 kB\nShmem: 1000 kB\n"
            + "SwapTotal: \(total) kB\nSwapFree: \(swapFreeKiB ?? 0) kB\n"
        try swaps.write(toFile: path + "/swaps", atomically: true, encoding: .utf8)
        try memInfo.write(toFile: path + "/meminfo", atomically: true, encoding: .utf8)
        try "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
            .write(toFile: path + "/pressure/memory", atomically: true, encoding: .utf8)
        try files.createSymbolicLink(atPath: "\(path)/\(getpid())", withDestinationPath: "/proc/\(getpid())")
        try files.createSymbolicLink(atPath: "\(path)/self", withDestinationPath: "/proc/self")
    }

    /// The reader of this tree.
    var procfs: ProcFS { ProcFS(root: FilePath(path)) }

    /// Removes the tree.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
