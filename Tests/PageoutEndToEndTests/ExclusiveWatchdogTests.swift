import Foundation
import PageoutTestSupport
import Testing

/// The watchdog pings are a promise in time (systemd kills a service that misses WATCHDOG_USEC), so the test needs
/// the machine to itself: an Exclusive* suite.
extension ExclusiveTests {
@Suite struct Watchdog {
    @Test func pingsNeverMoreThanHalfTheWatchdogIntervalApart() throws {
        try HostRequirements.requireRoot()
        let notify = try NotifyListener()
        let (guest, daemon, _) = try DaemonNotifyTests.watchdogDaemon(notify: notify)
        let pings = { notify.messages.filter { $0.text == "WATCHDOG=1" }.map(\.at) }
        try Eventually.wait(for: "ten watchdog pings", describe: { "\(pings().count) pings" }) { pings().count >= 10 }
        let received = pings()
        let widest = zip(received, received.dropFirst()).map { $0.0.duration(to: $0.1) }.max() ?? .zero
        print("watchdog: \(received.count) pings, widest gap \(widest)")
        // WATCHDOG_USEC/2 plus scheduling slack.
        #expect(widest <= .milliseconds(1_100), "widest gap between pings \(widest)")
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
        withExtendedLifetime(guest) {}
    }
}
}
