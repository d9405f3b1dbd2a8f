import Foundation
import PageoutCore
@testable import PageoutDaemon
import PageoutLinux
import PageoutTestSupport
import Testing

/// The migration watch over a task directory written by the test: a migration thread that starts while another
/// thread ends (the thread count unchanged, so looks in between list nothing) is still seen within a listing's
/// period, and its end likewise.
@Suite struct MigrationWatchTests {
    @Test func aThreadSwappedForTheMigrationThreadIsSeenWithinAListingsPeriod() throws {
        let tree = try FakeProcTree()
        func thread(_ tid: Int, named name: String) throws {
            try tree.write("4242/task/\(tid)/comm", text: "\(name)\n")
        }
        func end(_ tid: Int) throws {
            try FileManager.default.removeItem(atPath: tree.root.appending("4242/task/\(tid)").string)
        }
        try thread(4242, named: "qemu")
        try thread(4243, named: "worker")
        let procfs = tree.procfs
        let directory = try #require(TaskDirectory(procfs: procfs, pid: 4242))
        var watch = MigrationWatch()
        let first = watch.look(in: directory, procfs: procfs)
        let second = watch.look(in: directory, procfs: procfs)
        #expect(!first && !second, "no migration thread (its names read again at the look after a change)")

        try end(4243)
        try thread(4244, named: "live_migration")
        var started: Int?
        for look in 1...MigrationWatch.listingEvery where started == nil {
            if watch.look(in: directory, procfs: procfs) { started = look }
        }
        #expect(started != nil, "the migration thread seen within \(MigrationWatch.listingEvery) looks")
        #expect(watch.migrationThread == 4244)

        try end(4244)
        try thread(4245, named: "worker")
        var ended: Int?
        for look in 1...MigrationWatch.listingEvery where ended == nil {
            if !watch.look(in: directory, procfs: procfs) { ended = look }
        }
        #expect(ended != nil, "its end seen within \(MigrationWatch.listingEvery) looks")
        #expect(watch.migrationThread == nil)
    }
}
