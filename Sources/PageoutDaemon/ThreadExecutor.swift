import Foundation
import PageoutLinux

/// A serial executor that runs its jobs on one dedicated thread.
///
/// Scanning and paging out block in the kernel (a 1 GiB MADV_PAGEOUT takes most of a second). Actors whose
/// methods make such calls use one of these as their executor, so the calls never occupy a thread of Swift's
/// cooperative pool, which on a 2-core host has two: a status query or a watchdog ping is never stuck
/// behind a pageout.
public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked: `jobs` is only touched with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// Starts the thread, named `name` (as shown in /proc/PID/task/TID/comm, at most 15 bytes).
    public init(name: String) {
        // The thread holds the executor for the life of the process: executors are made once, at start.
        // The thread names itself: on Linux, Foundation does not apply a `Thread.name` set before `start()`, and
        // the thread would keep the name of the thread that created it.
        let thread = Thread {
            ProcessEnvironment.nameCurrentThread(name)
            self.run()
        }
        thread.name = name
        thread.start()
    }

    /// Queues `job` to run on the thread after the jobs queued before it.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// This executor for an actor's `unownedExecutor`, which does not retain it: the actor stores the executor.
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// The thread's loop: jobs in order, one at a time, for the life of the process.
    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
        }
    }
}
