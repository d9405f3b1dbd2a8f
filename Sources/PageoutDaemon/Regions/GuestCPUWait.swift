import PageoutCore
import PageoutLinux

/// The time each of a VMM's threads, its migration thread left out, has waited on a run queue for a CPU
/// (`ThreadSchedStat.waitNanoseconds`): read before and after a window's repair step, it says whether the step
/// took CPU time the guest wanted.
///
/// A vCPU that runs, or sleeps (a halted vCPU, an idle guest), waits for nothing: a step that leaves every
/// guest thread's wait where it was cost the guest no CPU time, and the next step need not wait for it.
struct GuestCPUWait {
    /// Each thread's wait at the reading, by thread id.
    private let waits: [Int32: UInt64]

    /// The most threads read: a VMM with more (its owner chooses how many) is taken as busy, and its repair
    /// paced, rather than costing the daemon a file read per thread per step.
    static let maximumThreads = 512

    /// Reads the waits of `threads` through their process's task directory; nil without a directory (the
    /// VMM's threads are not watched), with more than `maximumThreads`, or when no thread could be read.
    init?(threads: [Int32], directory: TaskDirectory?) {
        guard let directory, threads.count <= Self.maximumThreads else { return nil }
        var waits: [Int32: UInt64] = [:]
        for tid in threads {
            if let stat = directory.schedStat(ofThread: tid) { waits[tid] = stat.waitNanoseconds }
        }
        guard !waits.isEmpty else { return nil }
        self.init(waits: waits)
    }

    /// A reading of the waits `waits`, by thread id.
    init(waits: [Int32: UInt64]) {
        self.waits = waits
    }

    /// The nanoseconds the threads waited between `earlier` and this reading, summed over the threads both
    /// readings found (a thread that ended or started between them is left out: its wait has no start or end).
    func nanoseconds(since earlier: GuestCPUWait) -> UInt64 {
        waits.reduce(0) { sum, entry in
            guard let before = earlier.waits[entry.key], entry.value > before else { return sum }
            return sum &+ (entry.value - before)
        }
    }
}
