import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// What a client sends cannot crash the daemon or stall other clients. The verdict is a latency (another client's
/// slowest GetStatus), so it needs the machine to itself: an Exclusive* suite.
extension ExclusiveTests {
@Suite struct ControlServerAbuse {
    @Test func badClientsNeverStallAnotherClientsStatus() throws {
        try HostRequirements.requireRoot()
        let daemon = try ControlDaemon()
        let probe = try StatusProbe(client: daemon.client())
        let thread = Thread { probe.run() }
        thread.start()
        defer { probe.stop() }

        // Garbage bytes (with NULs): an error reply, then the connection is closed.
        let garbage = try daemon.client()
        var generator = SystemRandomNumberGenerator()
        garbage.send((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) } + [0])
        #expect(garbage.isClosed(within: 5))

        // Truncated JSON: InvalidParameter naming the message, then closed.
        let truncated = try daemon.client()
        truncated.send(Array(#"{"method": "io.pageoutd.GetSt"#.utf8) + [0])
        let reply = try #require(try truncated.read())
        #expect(reply.errorName == "io.pageoutd.InvalidParameter" && reply.parameters["parameter"] as? String == "message",
                "\(reply)")
        #expect(truncated.isClosed(within: 5))
        // Truncated without a NUL, then the client leaves.
        do {
            let leaving = try daemon.client()
            leaving.send(Array(#"{"method": "io.pa"#.utf8))
        }

        // 10 MiB without a NUL: refused after 1 MiB, answered, closed.
        let huge = try daemon.client()
        huge.send([UInt8](repeating: UInt8(ascii: "a"), count: 10 << 20), timeout: 5)
        let refused = try huge.read()
        #expect(refused?.errorName == "io.pageoutd.InvalidParameter", "\(refused ?? [:])")
        #expect((refused?.parameters["reason"] as? String)?.contains("longer than") == true)
        #expect(huge.isClosed(within: 5))

        // A client that sends calls and never reads the replies.
        let deaf = try daemon.client()
        let call = Array(#"{"method":"io.pageoutd.GetStatus"}"#.utf8) + [0]
        deaf.send(Array([[UInt8]](repeating: call, count: 20_000).joined()), timeout: 3)

        // 200 clients at once: the limit serves some (64 connections in all), the rest are closed at once.
        var crowd: [VarlinkTestClient] = []
        for _ in 0..<200 { crowd.append(try daemon.client(timeout: 5)) }
        for client in crowd { client.send(method: "io.pageoutd.GetStatus") }
        var answered = 0
        var closed = 0
        for client in crowd {
            if (try? client.read(timeout: 5)).flatMap({ $0 }) != nil { answered += 1 } else { closed += 1 }
        }
        print("200 clients: \(answered) answered, \(closed) closed")
        #expect(answered >= 50 && answered <= 64 && answered + closed == 200)
        crowd.removeAll()

        let sampled = probe.latencies.count
        try Eventually.wait(for: "20 more status calls after the abuse") { probe.latencies.count >= sampled + 20 }
        probe.stop()
        let latencies = probe.latencies.sorted()
        let worst = latencies.last ?? .infinity
        let p99 = latencies.isEmpty ? .infinity : latencies[latencies.count * 99 / 100]
        print("probe: \(latencies.count) GetStatus calls, median \(Int(latencies[latencies.count / 2] * 1000)) ms, "
              + "99th percentile \(Int(p99 * 1000)) ms, worst \(Int(worst * 1000)) ms; failures \(probe.failures)")
        #expect(probe.failures == 0)
        #expect(latencies.count > 20)
        // A client that stalled the status would stall it for as long as it misbehaves (its sends run for seconds);
        // one slow answer among hundreds is the scheduler of a 2-core machine, which the test itself loads.
        #expect(p99 < 0.1, "the separate client's GetStatus, 99th percentile \(p99) s")
        #expect(worst < 1, "the separate client's slowest GetStatus took \(worst) s")

        // The daemon is alive, takes new clients, and its RSS stayed small.
        #expect(daemon.daemon.process.isRunning)
        #expect(try daemon.client().call("io.pageoutd.GetStatus").errorName == nil)
        let usage = try ProcessUsage(pid: daemon.daemon.pid)
        print("daemon RSS after the abuse: \(usage.residentKiB / 1024) MiB")
        #expect(usage.residentKiB < 64 * 1024)
        _ = deaf
    }
}
}

/// Calls GetStatus every 20 ms on its own connection and records how long each took.
final class StatusProbe: @unchecked Sendable {
    private let client: VarlinkTestClient
    private let lock = NSLock()
    private var running = true
    private var recorded: [Double] = []
    private var failed = 0

    init(client: VarlinkTestClient) {
        self.client = client
    }

    var latencies: [Double] { lock.withLock { recorded } }
    var failures: Int { lock.withLock { failed } }

    func stop() { lock.withLock { running = false } }

    func run() {
        while lock.withLock({ running }) {
            let started = Date()
            let ok = (try? client.call("io.pageoutd.GetStatus", timeout: 5))?.errorName == nil
            let took = Date().timeIntervalSince(started)
            lock.withLock {
                if ok { recorded.append(took) } else { failed += 1 }
            }
            usleep(20_000)
        }
    }
}
