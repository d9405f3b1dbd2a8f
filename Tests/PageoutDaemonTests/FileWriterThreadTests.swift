import Foundation
import Logging
import PageoutTestSupport
import Testing
@testable import PageoutDaemon

/// The file writer's thread: a write that hangs (a slow or hung disk) holds up neither the caller nor the
/// contents handed over meanwhile, only the newest of those is written, and `flush()` waits for it.
@Suite struct FileWriterThreadTests {
    /// What the writes did, in order, and a gate that holds the first write until the test opens it.
    final class Disk: @unchecked Sendable {
        private let lock = NSLock()
        private var contents: [String] = []
        let gate = DispatchSemaphore(value: 0)

        func write(_ content: String, waitForGate: Bool) {
            if waitForGate { gate.wait() }
            lock.withLock { contents.append(content) }
        }

        var written: [String] { lock.withLock { contents } }
    }

    /// The names of this process's threads, as the kernel shows them.
    static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap {
            try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8)
                .trimmingCharacters(in: .newlines)
        }
    }

    @Test func aHungWriteHoldsNobodyAndTheNewestContentWins() async throws {
        let writer = FileWriterThread(threadName: "pageoutd-wtest", what: "the test file",
                                      logger: Logger(label: "test"))
        let disk = Disk()
        writer.submit { disk.write("first", waitForGate: true) }
        // The first write is under way (its thread exists) and hangs; handing more over returns at once.
        try Eventually.wait(for: "the writer's thread") { Self.threadNames().contains("pageoutd-wtest") }
        writer.submit { disk.write("second", waitForGate: false) }
        writer.submit { disk.write("third", waitForGate: false) }
        #expect(disk.written.isEmpty)

        let flushed = Task { await writer.flush() }
        disk.gate.signal()
        await flushed.value
        #expect(disk.written == ["first", "third"], "the second was overtaken before it started")

        // With nothing left to write, the thread ends; the next content starts another.
        try Eventually.wait(for: "the writer's thread to end") { !Self.threadNames().contains("pageoutd-wtest") }
        writer.submit { disk.write("fourth", waitForGate: false) }
        await writer.flush()
        #expect(disk.written == ["first", "third", "fourth"])
    }

    @Test func aFailedWriteIsLoggedAndFlushStillReturns() async throws {
        let records = LogMessages()
        let writer = FileWriterThread(threadName: "pageoutd-wfail", what: "the test file",
                                      logger: Logger(label: "test") { _ in records })
        writer.submit { throw CocoaError(.fileWriteNoPermission) }
        await writer.flush()
        #expect(records.messages.contains { $0.hasPrefix("cannot write the test file") }, "\(records.messages)")
        await writer.flush()  // nothing pending: returns at once
    }
}

/// A log handler that keeps the messages it is given.
final class LogMessages: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { kept.append("\(event.message)") }
    }

    var messages: [String] { lock.withLock { kept } }
}
