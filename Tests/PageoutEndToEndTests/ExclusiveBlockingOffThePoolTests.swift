import Foundation
import Logging
import PageoutCore
@testable import PageoutDaemon
import PageoutLinux
import PageoutTestSupport
import Synchronization
import Testing

/// A 1 GiB pageout blocks in the kernel for most of a second; it runs on the supervisor's own thread, so a
/// status request on the cooperative pool keeps answering at once. It needs the cooperative pool to itself
/// (other tests block its threads), so it is an Exclusive* suite: scripts/test.sh runs those alone.
extension ExclusiveTests {
@Suite struct BlockingOffThePool {
    @Test func statusAnswersWithin100msWhileA1GiBPageoutIsInFlight() async throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 2 << 30)
        let guest = try GuestSim(["--size", "1GiB", "--hot-percent", "0"])
        let resolver = RegionResolver()
        let config = RegionConfig(name: "big", process: .pid(guest.pid), memory: .memfd(guest.memfd))
        let region = try resolver.open(config)
        var plan = PageoutPlan()
        plan.runs = [0..<region.layout.pageCount]
        let job = PageoutJob(name: "big", region: region, source: config.memory.regionSource,
                             snapshot: try SnapshotScanner(region: region).snapshot(), purpose: .round, plan: plan)
        let supervisor = Supervisor(configuration: PageoutConfiguration(), forceDryRun: false, procfs: ProcFS(),
                                    logger: Logger(label: "test"))
        let board = supervisor.statusBoard
        let clock = ContinuousClock()
        let started = clock.now
        let finished = Flag()
        let pageout = Task {
            defer { finished.set() }
            return await supervisor.carryOut(job)
        }
        var latencies: [Duration] = []
        while latencies.count < 10_000 {
            let asked = clock.now
            _ = await board.current()
            latencies.append(asked.duration(to: clock.now))
            try await Task.sleep(for: .milliseconds(5))
            if clock.now - started > .seconds(30) { break }
            if finished.isSet { break }
        }
        let receipt = await pageout.value
        let took = started.duration(to: clock.now)
        print("1 GiB pageout: \(took), \(latencies.count) status requests meanwhile, slowest \(latencies.max()!)")
        #expect(receipt.succeeded)
        #expect(receipt.advisedBytes == region.byteCount)
        #expect(took > .milliseconds(200), "the pageout was really in flight")
        #expect(latencies.count >= 10, "status was asked many times while the pageout ran")
        #expect(latencies.max()! < .milliseconds(100))
        let probe = try MemfdProbe(path: guest.mapFilesPath)
        defer { probe.close() }
        #expect(try probe.cacheStat(pages: 0..<guest.pages).evicted > guest.pages * 9 / 10, "the pageout happened")
    }
}
}

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
