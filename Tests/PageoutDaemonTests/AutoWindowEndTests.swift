import CPageoutSys
import Foundation
import Glibc
import PageoutCore
@testable import PageoutDaemon
import PageoutTestSupport
import Testing

/// The end of an automatic window, with the test process as the VMM and a thread of its own named as QEMU names
/// its migration thread.
@Suite struct AutoWindowEndTests {
    /// A round that comes between the migration thread's end and the first run of the window's repair task must
    /// not take the window for an orphan: the window ends with its repair, and counts as closed.
    @Test func aWindowWhoseMigrationEndedIsRepairedEvenIfARoundComesFirst() async throws {
        try HostRequirements.requireRoot()
        let guest = try OwnGuestMemory(name: "auto-window-end", pages: 512)
        let procfs = try FakeProcRoot(swapFreeKiB: 7_340_028)
        defer { procfs.remove() }
        let supervisor = await guest.startedSupervisor(procfs: procfs)
        await supervisor.scanRound()

        let migration = try NamedThread(name: "live_migration")
        await supervisor.followMigrationsThenDropOrphans()
        #expect(await supervisor.autoWindowFigures() == AutoWindowFigures(opened: 1, closed: 0, open: 1))

        try migration.end()
        await supervisor.followMigrationsThenDropOrphans()
        #expect(await supervisor.autoWindowFigures() == AutoWindowFigures(opened: 1, closed: 1, open: 0),
                "the window counts as closed at once, and is not dropped as an orphan")
        try await Eventually.asyncWait(for: "the window's repair ended") { await supervisor.windowsEnding() == 0 }
    }
}

/// A region's automatic windows: opened and closed so far, and open now.
struct AutoWindowFigures: Equatable {
    let opened: UInt64
    let closed: UInt64
    let open: Int
}

extension Supervisor {
    /// Every region's migration look, then the round's orphan sweep, in one turn of the actor: the order a round
    /// takes when it runs right after a look that saw a migration end.
    func followMigrationsThenDropOrphans() {
        for entry in regions.entries { followMigration(entry) }
        dropOrphanedAutoWindows()
    }

    /// The automatic window figures of the first region.
    func autoWindowFigures() -> AutoWindowFigures? {
        guard let entry = regions.entries.first else { return nil }
        return AutoWindowFigures(opened: entry.status.autoWindowsOpened, closed: entry.status.autoWindowsClosed,
                                 open: windows.openCount(in: entry.name))
    }

    /// Windows whose ending started and whose repair has not finished.
    func windowsEnding() -> Int { windows.endingCount }
}

/// A thread of the test process that names itself `name` (as /proc/self/task/TID/comm shows it) and runs until
/// `end()`; no other thread of the process may have that name.
final class NamedThread: Sendable {
    private let name: String
    private let release = DispatchSemaphore(value: 0)

    init(name: String) throws {
        self.name = name
        Thread { [release] in
            _ = pageout_set_thread_name(name)
            release.wait()
        }.start()
        try Eventually.wait(for: "a thread named \(name)", interval: 0.001) { Self.count(named: name) == 1 }
    }

    /// Lets the thread return and waits until /proc/self/task no longer lists it.
    func end() throws {
        release.signal()
        try Eventually.wait(for: "thread \(name) gone", interval: 0.001) { Self.count(named: name) == 0 }
    }

    /// How many threads of this process are named `name` now.
    private static func count(named name: String) -> Int {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return threads.filter { tid in
            (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8)) == name + "\n"
        }.count
    }
}
