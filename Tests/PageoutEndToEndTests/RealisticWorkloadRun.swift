import Foundation
import Glibc
import PageoutMeasure
import PageoutTestSupport
import Synchronization

/// One guest of the realistic-workload test: a shape of working set, pageoutd at its defaults but a 10 s cold
/// age, and what the kernel shows of the result. Each runs in a thread of its own, with its own guest and daemon.
struct RealisticWorkloadRun: Sendable {
    /// The working set's shape.
    struct Shape: Sendable, CustomStringConvertible {
        let size: String
        let workingSetPercent: Int
        let runSize: String
        /// Seconds between working-set moves, 0 for never.
        let moveEvery: Int

        var description: String {
            "\(size), working set \(workingSetPercent)% in \(runSize) runs"
                + (moveEvery > 0 ? ", moving every \(moveEvery) s" : "")
        }
    }

    /// What one run saw.
    struct Outcome: Sendable {
        let shape: Shape
        /// The never-touched pages in swap when they first reached 90%, or at the deadline.
        var neverTouchedAtDeadline = PageShare(part: 0, whole: 0)
        /// When 90% of them were in swap, in seconds after the daemon started; nil if not by the deadline.
        var reachedAfter: Double?
        var neverTouchedAtEnd = PageShare(part: 0, whole: 0)
        /// Major faults after the first two minutes, without the 30 s after each move.
        var settledFaults: FaultRate?
        var allFaults: FaultRate?
        /// pageoutd's working-set figure in bytes; nil when its status has none.
        var reportedWorkingSetBytes: UInt64?
        /// The pages the guest accessed in its last three cold ages, in bytes.
        var trueWorkingSetBytes = 0
        var medianP999Microseconds: Double?
        var daemonCPUShare = 0.0
        var verified = (ok: 0, bad: 0)
        /// What stopped the run early, if anything did.
        var failure: String?

        init(shape: Shape) {
            self.shape = shape
        }
    }

    static let coldAgeSeconds = 10
    /// The guest's accesses a second: the rate of the realistic guest the policy was measured on.
    static let accessRate = 50_000
    /// Faults are counted from here to `endSeconds`.
    static let faultsFromSeconds = 120.0
    static let endSeconds = 180.0
    static let settleAfterMoveSeconds = 30.0
    /// 3 × cold age + 30 s.
    static var swapDeadlineSeconds: Double { Double(3 * coldAgeSeconds + 30) }

    let shape: Shape

    /// Runs the guest and its daemon to the end; a failure is kept in the outcome, not thrown, so that the other
    /// runs' figures are still reported.
    func run() -> Outcome {
        var outcome = Outcome(shape: shape)
        do {
            try run(into: &outcome)
        } catch {
            outcome.failure = "\(error)"
        }
        return outcome
    }

    private func run(into outcome: inout Outcome) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ws-\(UUID().uuidString)").path
        defer { unlink(path) }
        let guest = try GuestSim([
            "--size", shape.size, "--workload", "zipf", "--working-set-percent", "\(shape.workingSetPercent)",
            "--run-size", shape.runSize, "--access-rate", "\(Self.accessRate)", "--move-every", "\(shape.moveEvery)",
            "--recent-window", "\(3 * Self.coldAgeSeconds)", "--working-set-file", path,
        ])
        let daemon = try DaemonProcess(config: PolicyRunConfig.text(pid: guest.pid, memfd: guest.memfd,
                                                                    coldAgeSeconds: Self.coldAgeSeconds))
        let memory = try GuestMemoryReader(pid: guest.pid, memfd: guest.memfd)
        var watch = Watch(guest: guest, memory: memory, workingSetPath: path)
        try watch.waitForNeverTouchedInSwap(into: &outcome)
        try watch.readLines(until: Self.endSeconds)
        outcome.settledFaults = watch.history.faultRate(after: Self.faultsFromSeconds,
                                                        settleAfterMoves: Self.settleAfterMoveSeconds)
        outcome.allFaults = watch.history.faultRate(after: Self.faultsFromSeconds)
        outcome.medianP999Microseconds = watch.history.medianP999(after: 60)
        outcome.neverTouchedAtEnd = try watch.neverTouchedShare()
        outcome.trueWorkingSetBytes = (watch.history.last?.recentPages ?? 0) * memory.pageSize
        outcome.reportedWorkingSetBytes = try DaemonFigures.workingSetBytes(socket: daemon.socketPath,
                                                                            region: PolicyRunConfig.regionName)
        outcome.daemonCPUShare = try ProcessCPU.seconds(pid: daemon.pid) / watch.elapsed
        outcome.verified = try guest.verify()
        daemon.send(SIGTERM)
        _ = daemon.waitForExit(timeout: 10)
    }
}

/// Runs `jobs` at once, each on a thread of its own (they block), and returns their results in order.
func concurrently<Result: Sendable>(_ jobs: [@Sendable () -> Result]) -> [Result] {
    let results = ResultSlots<Result>()
    let group = DispatchGroup()
    for (index, job) in jobs.enumerated() {
        group.enter()
        Thread {
            results.set(index, job())
            group.leave()
        }.start()
    }
    group.wait()
    return jobs.indices.map { results.value(at: $0)! }
}

/// Results that threads deliver by index.
final class ResultSlots<Value: Sendable>: Sendable {
    private let values = Mutex<[Int: Value]>([:])

    func set(_ index: Int, _ value: Value) {
        values.withLock { $0[index] = value }
    }

    func value(at index: Int) -> Value? {
        values.withLock { $0[index] }
    }
}
