import Foundation
import Logging
import PageoutCore
@testable import PageoutDaemon
import PageoutLinux
import Testing

/// A reload shows in the status as soon as it is done, not after the next round: `systemctl reload` returns when
/// the daemon answered, and a status read right then must not still name the previous refusal.
@Suite struct SupervisorReloadTests {
    @Test func aGoodReloadClearsTheReloadProblemAtOnce() async throws {
        var configuration = PageoutConfiguration.default
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        configuration.daemon.stateDirectory = state
        let supervisor = Supervisor(configuration: configuration, forceDryRun: false, procfs: ProcFS(),
                                    logger: Logger(label: "test"))
        await supervisor.start()

        await supervisor.reloadRefused("pageoutd.toml:3:1: bad value")
        #expect(await supervisor.statusBoard.current().reloadProblem == "pageoutd.toml:3:1: bad value")
        await supervisor.apply(configuration)
        #expect(await supervisor.statusBoard.current().reloadProblem == nil)
    }
}
