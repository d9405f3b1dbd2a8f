import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// Tests that change machine-wide state: they run in a `swift test` of their own (scripts/test.sh runs every
/// suite named Exclusive* after the others, alone), and restore what they found.
extension ExclusiveTests {
@Suite struct Swapoff {
    /// The active swap devices and their priorities, from /proc/swaps.
    static func activeSwaps() throws -> [(device: String, priority: Int)] {
        let text = try String(contentsOfFile: "/proc/swaps", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 5, let priority = Int(fields[4]) else { return nil }
            return (String(fields[0]), priority)
        }
    }

    static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/sbin/" + arguments[0])
        process.arguments = Array(arguments.dropFirst())
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("\(arguments.joined(separator: " ")) failed") }
    }

    @Test func withSwapOffNothingIsPagedOutAndStatusSaysWhy() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let found = try Swapoff.activeSwaps()
        let guest = try GuestSim(["--size", "64MiB", "--hot-percent", "0"])
        for swap in found { try Swapoff.run(["swapoff", swap.device]) }
        defer {  // whatever happened: every device found is swapped on again
            let active = Set(((try? Swapoff.activeSwaps()) ?? []).map(\.device))
            for swap in found where !active.contains(swap.device) {
                try? Swapoff.run(["swapon", "--priority", "\(swap.priority)", swap.device])
            }
        }
        #expect(try Swapoff.activeSwaps().isEmpty)
        let notify = try NotifyListener()
        let config = """
            [daemon]
            scan_interval = "500ms"
            [policy]
            cold_age = "1s"
            probe_budget = "64MiB"
            [[region]]
            name = "vm1"
            pid = \(guest.pid)
            memfd = "\(guest.memfd)"
            """
        let daemon = try DaemonProcess(config: config, environment: ["NOTIFY_SOCKET": notify.path])
        let status = try notify.wait(for: "STATUS naming the guard", timeout: 30) { $0.contains("no swap is active") }
        print("status without swap: \(status.text)")
        // Eight rounds of 500 ms: cold_age passed several times over, and everything would be paged out.
        let client = try VarlinkTestClient(path: daemon.socketPath)
        try client.waitForRounds(8, after: try client.scans())
        let entries = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.pages)
        #expect(entries.allSatisfy { $0 & (1 << 63) != 0 }, "no page was even unmapped")
        #expect(daemon.stderrText.contains("pageout held back"))
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
        for swap in found { try Swapoff.run(["swapon", "--priority", "\(swap.priority)", swap.device]) }
        #expect(try Swapoff.activeSwaps().map(\.device) == found.map(\.device), "swap restored as found")
    }
}
}
