import Foundation
import Testing
@testable import PageoutDaemon

/// The executor's thread carries its name where tools look for it (/proc/PID/task/TID/comm, `top -H`, ptrace).
@Suite struct ThreadExecutorTests {
    actor OnThread {
        let executor: ThreadExecutor
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

        init(name: String) {
            executor = ThreadExecutor(name: name)
        }

        /// The name of the thread this runs on, as the kernel shows it.
        func threadName() throws -> String {
            try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
                .trimmingCharacters(in: .newlines)
        }
    }

    @Test func theThreadHasItsName() async throws {
        #expect(try await OnThread(name: "pageoutd-test").threadName() == "pageoutd-test")
    }

    @Test func aLongNameIsCutToFifteenBytes() async throws {
        #expect(try await OnThread(name: "pageoutd-a-long-name").threadName() == "pageoutd-a-long")
    }
}
