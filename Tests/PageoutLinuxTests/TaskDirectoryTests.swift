import Foundation
import Glibc
import PageoutLinux
import SystemPackage
import Testing

/// A VMM's task directory kept open: rewound, it lists the threads as they are now; it belongs to its process.
@Suite struct TaskDirectoryTests {
    @Test func aRewoundListingShowsTheThreadsAsTheyAreNowAndOnlyNumberedOnes() throws {
        let tree = try FakeProcTree()
        for name in ["100", "101", "0", "4294967297", "12a", "a"] {
            try tree.write("4242/task/\(name)/comm", text: "t\n")
        }
        let directory = try #require(TaskDirectory(procfs: tree.procfs, pid: 4242))
        let first = try #require(directory.threadIDs())
        #expect(Set(first) == [100, 101], "no 0, no overflow, no name with a letter")
        try tree.write("4242/task/102/comm", text: "live_migration\n")
        try FileManager.default.removeItem(atPath: tree.root.appending("4242/task/100").string)
        let second = try #require(directory.threadIDs())
        #expect(Set(second) == [101, 102])
        #expect(TaskDirectory(procfs: tree.procfs, pid: 77) == nil, "no such process")
    }

    @Test func moreThreadsThanOneReadHoldsAreAllListed() throws {
        let tree = try FakeProcTree()
        for tid in 1_000..<1_400 { try tree.write("4242/task/\(tid)/comm", text: "worker\n") }
        let directory = try #require(TaskDirectory(procfs: tree.procfs, pid: 4242))
        let listed = try #require(directory.threadIDs())
        #expect(listed.count == 400 && Set(listed) == Set(1_000..<1_400), "400 entries take several reads")
        #expect(directory.threadIDs() == listed, "listed again the same way")
    }

    @Test func theDirectoryOfAProcessThatExitedListsNothing() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["60"]
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        let pid = child.processIdentifier
        let directory = try #require(TaskDirectory(procfs: ProcFS(), pid: pid))
        #expect(directory.threadIDs() == [pid], "one thread, whose id is the pid")
        kill(pid, SIGKILL)
        child.waitUntilExit()
        #expect(directory.threadIDs() == nil, "gone with its process, whatever uses the pid next")
        #expect(directory.isEmpty)
    }
}
