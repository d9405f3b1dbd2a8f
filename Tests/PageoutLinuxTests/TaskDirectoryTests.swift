import Foundation
import Glibc
import PageoutCore
import PageoutLinux
import PageoutTestSupport
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

    @Test func theLinkCountOfARealTaskDirectoryIsItsThreadCount() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        child.arguments = ["-c", """
            import sys, threading
            stop = threading.Event()
            for _ in range(3): threading.Thread(target=stop.wait).start()
            print("started", flush=True)
            sys.stdin.read()
            stop.set()
            """]
        let input = Pipe(), output = Pipe()
        (child.standardInput, child.standardOutput) = (input, output)
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        try #require(line.hasPrefix("started"), "\(line)")
        let directory = try #require(TaskDirectory(procfs: ProcFS(), pid: child.processIdentifier))
        #expect(directory.threadIDs()?.count == 4)
        #expect(directory.threadCount() == 4, "the main thread and three more")
        try input.fileHandleForWriting.close()
        child.waitUntilExit()
        #expect(directory.threadCount() == nil, "no count once the process has gone")
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

    /// A thread's wait for a CPU, read through the directory, is what the scheduler counted: it grows while the
    /// thread is runnable behind another on its CPU, and not while it sleeps.
    @Test func aThreadsWaitForACPUGrowsWhileItQueuesAndNotWhileItSleeps() throws {
        // Two busy loops and a sleeper, all on CPU 0: each busy loop waits about half the time.
        let spinners = try (0..<2).map { _ in
            try Self.start("/usr/bin/taskset", ["-c", "0", "/bin/sh", "-c", "while :; do :; done"])
        }
        let sleeper = try Self.start("/usr/bin/taskset", ["-c", "0", "/bin/sleep", "60"])
        defer {
            for child in spinners + [sleeper] where child.isRunning { kill(child.processIdentifier, SIGKILL) }
        }
        let directories = try (spinners + [sleeper]).map { child in
            try #require(TaskDirectory(procfs: ProcFS(), pid: child.processIdentifier))
        }
        let spinner = directories[0], sleeping = directories[2]
        // The sleeper's start-up queued behind the busy loops too: its wait counts from when it sleeps.
        try Eventually.wait(for: "sleep(1) asleep") {
            let stat = try? String(contentsOfFile: "/proc/\(sleeping.pid)/stat", encoding: .utf8)
            return stat?.contains("(sleep) S ") == true
        }
        let sleeperBefore = try #require(sleeping.schedStat(ofThread: sleeping.pid))
        let spinnerBefore = try #require(spinner.schedStat(ofThread: spinner.pid))
        let waited = try Eventually.value("a busy loop sharing its CPU waited 200 ms more for it", timeout: 60) {
            () -> UInt64? in
            let wait = spinner.schedStat(ofThread: spinner.pid)?.waitNanoseconds ?? 0
            return wait >= spinnerBefore.waitNanoseconds + 200_000_000 ? wait - spinnerBefore.waitNanoseconds : nil
        }
        let sleeperAfter = try #require(sleeping.schedStat(ofThread: sleeping.pid))
        let sleeperWaited = sleeperAfter.waitNanoseconds - sleeperBefore.waitNanoseconds
        print("busy loop: waited \(waited / 1_000_000) ms more; sleeper: waited \(sleeperWaited / 1_000) us meanwhile")
        #expect(sleeperWaited < 1_000_000, "a sleeping thread does not queue for a CPU")
        #expect(spinner.schedStat(ofThread: sleeping.pid) == nil, "another process's thread is not this one's")
        kill(sleeper.processIdentifier, SIGKILL)
        sleeper.waitUntilExit()
        #expect(sleeping.schedStat(ofThread: sleeping.pid) == nil, "an ended thread has no figures")
    }

    /// Starts `path` with `arguments`.
    private static func start(_ path: String, _ arguments: [String]) throws -> Process {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: path)
        child.arguments = arguments
        try child.run()
        return child
    }
}
