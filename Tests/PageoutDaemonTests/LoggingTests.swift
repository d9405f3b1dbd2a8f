import Foundation
import Logging
import PageoutTestSupport
import SystemPackage
import Testing
@testable import PageoutDaemon

/// The stderr line format, read back through a pipe from a real `StderrLogHandler`.
@Suite struct StderrLogHandlerTests {
    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func levelsMapToSyslogPriorities(level: Logger.Level, priority: Int) throws {
        #expect(level.syslogPriority == priority)
        let pipe = try TestPipe()
        let logger = pipe.logger(level: .trace)
        logger.log(level: level, "Checked")
        #expect(try pipe.readLines() == ["<\(priority)>pageoutd.test: Checked"])
    }

    @Test func metadataIsSortedAndQuotedWhenNeeded() throws {
        let pipe = try TestPipe()
        let logger = pipe.logger()
        logger.info("Paged out region", metadata: [
            "region": "vm 1", "vmm_pid": "4242", "bytes": "1048576", "note": "", "path": "a=b", "quote": "say \"hi\"",
        ])
        #expect(try pipe.readLines() == [
            #"<6>pageoutd.test: Paged out region bytes=1048576 note="" path="a=b" quote="say \"hi\"" region="vm 1" "#
                + "vmm_pid=4242",
        ])
    }

    @Test func handlerProviderAndCallMetadataMergeWithTheCallWinning() throws {
        let pipe = try TestPipe()
        let provider = Logger.MetadataProvider { ["task": "scan", "region": "from-provider"] }
        var logger = Logger(label: "pageoutd.scanner") {
            StderrLogHandler(label: $0, descriptor: pipe.write, metadataProvider: provider)
        }
        logger[metadataKey: "region"] = "from-handler"
        logger[metadataKey: "daemon"] = "pageoutd"
        logger.warning("Refault", metadata: ["region": "vm1"])
        logger.notice("Plain")
        #expect(try pipe.readLines() == [
            "<4>pageoutd.scanner: Refault daemon=pageoutd region=vm1 task=scan",
            "<5>pageoutd.scanner: Plain daemon=pageoutd region=from-provider task=scan",
        ])
    }

    @Test func oneRecordIsAlwaysOneLine() throws {
        let pipe = try TestPipe()
        let logger = pipe.logger()
        logger.error("first\nsecond\r", error: TestError(), metadata: ["detail": "a\nb", "key with space": "1"])
        #expect(try pipe.readLines() == [
            #"<3>pageoutd.test: first\nsecond\r detail="a\nb" error="test failure" key_with_space=1"#,
        ])
    }

    @Test func levelBelowTheHandlersIsNotWritten() throws {
        let pipe = try TestPipe()
        let logger = pipe.logger(level: .warning)
        logger.info("Hidden")
        logger.debug("Hidden")
        logger.warning("Shown")
        #expect(try pipe.readLines() == ["<4>pageoutd.test: Shown"])
    }

    @Test func concurrentLoggersNeverInterleave() async throws {
        let pipe = try TestPipe()
        let logger = pipe.logger()
        // 4 × 100 lines of ~60 bytes stay below the pipe's 64 KiB buffer, so nothing blocks before the read.
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for index in 0..<100 {
                        logger.info("Line", metadata: ["writer": "\(writer)", "index": "\(index)", "pad": "xxxxxxxx"])
                    }
                }
            }
        }
        let lines = try pipe.readLines()
        #expect(lines.count == 400)
        let pattern = /<6>pageoutd\.test: Line index=\d+ pad=x{8} writer=\d/
        #expect(lines.allSatisfy { $0.wholeMatch(of: pattern) != nil })
    }
}

/// Journal field names and entries, and the real journal where one runs.
@Suite struct JournalLogHandlerTests {
    @Test(arguments: [
        ("region", "REGION"), ("vmm_pid", "VMM_PID"), ("bytes", "BYTES"), ("errno", "ERRNO"),
        ("error.message", "ERROR_MESSAGE"), ("Mixed-Case key", "MIXED_CASE_KEY"), ("_trusted", "TRUSTED"),
        ("__pid", "PID"), ("9lives", "F_9LIVES"), ("région", "R_GION"),
    ])
    func metadataKeysBecomeFieldNames(key: String, name: String) {
        #expect(JournalFields.fieldName(forMetadataKey: key) == name)
    }

    @Test func keysWithNothingUsableAreDropped() {
        for key in ["", "_", "___", "é", "."] {
            #expect(JournalFields.fieldName(forMetadataKey: key) == nil, "\(key)")
        }
        let long = String(repeating: "a", count: 100)
        #expect(JournalFields.fieldName(forMetadataKey: long) == String(repeating: "A", count: 64))
    }

    @Test func entryHasMessagePriorityIdentifierLocationAndMetadata() {
        let event = LogEvent(level: .warning, message: "Swap nearly full", metadata: [
            "region": "vm1", "message": "shadow", "percent": "93",
        ], source: nil, file: "PageoutDaemon/Guards.swift", function: "check()", line: 42)
        let record = LogRecord(event: event, label: "pageoutd.guard", handlerMetadata: ["vmm_pid": "4242"],
                               provider: nil)
        #expect(JournalFields.fields(record, identifier: "pageoutd") == [
            "MESSAGE=pageoutd.guard: Swap nearly full message=shadow percent=93 region=vm1 vmm_pid=4242",
            "PRIORITY=4",
            "SYSLOG_IDENTIFIER=pageoutd",
            "CODE_FILE=PageoutDaemon/Guards.swift",
            "CODE_LINE=42",
            "CODE_FUNC=check()",
            "LOGGER=pageoutd.guard",
            "META_MESSAGE=shadow",
            "PERCENT=93",
            "REGION=vm1",
            "VMM_PID=4242",
        ])
    }

    @Test func sendFailuresAreReportedAsErrno() {
        // libsystemd rejects a field without "=" before it touches the socket.
        #expect(JournalLogHandler.send(["NO_ASSIGNMENT"]) == .invalidArgument)
    }

    @Test(.enabled(if: !Journald.isRunning, "journald runs here; this checks the behaviour without it"))
    func withoutJournaldEntriesAreDroppedSilently() throws {
        // libsystemd treats a missing journal socket (ENOENT) as success, so the fallback does not see it.
        #expect(JournalLogHandler.send(["MESSAGE=nobody listens"]) == nil)
        let pipe = try TestPipe()
        let logger = Logger(label: "pageoutd.test") {
            JournalLogHandler(label: $0, fallbackDescriptor: pipe.write, metadataProvider: nil)
        }
        logger.notice("Dropped", metadata: ["region": "vm1"])
        #expect(try pipe.readLines().isEmpty)
    }

    @Test func entryArrivesInTheJournalWithItsFields() async throws {
        try HostRequirements.requireJournald()
        let marker = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let pipe = try TestPipe()
        let logger = Logger(label: "pageoutd.test") {
            JournalLogHandler(label: $0, identifier: "pageoutd-test", fallbackDescriptor: pipe.write,
                              metadataProvider: nil)
        }
        logger.warning("Journal round trip\nsecond line", metadata: [
            "pageoutd_test_marker": "\(marker)", "region": "vm 1", "vmm_pid": "4242", "errno": "28",
        ])
        let entry = try #require(await Journald.entry(field: "PAGEOUTD_TEST_MARKER", value: marker))
        #expect(entry["MESSAGE"] as? String == #"pageoutd.test: Journal round trip\nsecond line errno=28 "#
            + #"pageoutd_test_marker=\#(marker) region="vm 1" vmm_pid=4242"#)
        #expect(entry["PRIORITY"] as? String == "4")
        #expect(entry["SYSLOG_IDENTIFIER"] as? String == "pageoutd-test")
        #expect(entry["REGION"] as? String == "vm 1")
        #expect(entry["VMM_PID"] as? String == "4242")
        #expect(entry["ERRNO"] as? String == "28")
        #expect(entry["LOGGER"] as? String == "pageoutd.test")
        #expect((entry["CODE_FILE"] as? String)?.hasSuffix("LoggingTests.swift") == true)
        #expect(try pipe.readLines().isEmpty)
    }
}

/// `JOURNAL_STREAM` parsing and matching, and the handler choice.
@Suite struct LoggingSetupTests {
    @Test(arguments: [("8:123456", 8, 123_456), ("0:0", 0, 0), ("18446744073709551615:1", UInt64.max, 1)])
    func journalStreamParses(value: String, device: UInt64, inode: UInt64) {
        #expect(JournalStream(environmentValue: value) == JournalStream(device: device, inode: inode))
    }

    @Test(arguments: ["", "8", "8:", ":5", "8:5:1", " 8:5", "8:5\n", "-1:5", "+1:5", "8:x", "18446744073709551616:1"])
    func malformedJournalStreamIsRejected(value: String) {
        #expect(JournalStream(environmentValue: value) == nil)
    }

    @Test func streamMatchesOnlyItsOwnDescriptor() throws {
        let pipe = try TestPipe()
        let stream = try JournalStream(descriptor: pipe.write)
        let published = "\(stream.device):\(stream.inode)"
        #expect(JournalStream.isConnected(pipe.write, environmentValue: published))
        #expect(!JournalStream.isConnected(pipe.write, environmentValue: "\(stream.device):\(stream.inode + 1)"))
        #expect(!JournalStream.isConnected(pipe.write, environmentValue: nil))
        #expect(!JournalStream.isConnected(pipe.write, environmentValue: "garbage"))
        let other = try TestPipe()
        #expect(!JournalStream.isConnected(other.write, environmentValue: published))
        #expect(throws: Errno.badFileDescriptor) { try JournalStream(descriptor: FileDescriptor(rawValue: -1)) }
    }

    @Test func factoryBuildsTheHandlerForTheDestination() {
        let journal = LoggingSetup.makeHandler(label: "a", level: .debug, destination: .journal)
        let stderr = LoggingSetup.makeHandler(label: "b", level: .error, destination: .standardError)
        #expect((journal as? JournalLogHandler)?.logLevel == .debug)
        #expect((journal as? JournalLogHandler)?.identifier == "pageoutd")
        #expect((stderr as? StderrLogHandler)?.logLevel == .error)
        #expect((stderr as? StderrLogHandler)?.descriptor == .standardError)
    }
}

/// An error with a fixed description.
struct TestError: Error, CustomStringConvertible {
    var description: String { "test failure" }
}

/// A pipe whose write end a handler logs to; the test reads the lines back after closing it.
final class TestPipe: Sendable {
    let read: FileDescriptor
    let write: FileDescriptor

    init() throws {
        (read, write) = try FileDescriptor.pipe()
        // Reads must not wait for more: the test reads only after its writes returned.
        _ = fcntl(read.rawValue, F_SETFL, fcntl(read.rawValue, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        try? read.close()
        try? write.close()
    }

    /// A logger labelled `pageoutd.test` writing to this pipe.
    func logger(level: Logger.Level = .info) -> Logger {
        Logger(label: "pageoutd.test") {
            StderrLogHandler(label: $0, logLevel: level, descriptor: self.write, metadataProvider: nil)
        }
    }

    /// Everything written so far, split into lines; each line must end with a newline.
    func readLines() throws -> [String] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(read.rawValue, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.isEmpty || text.hasSuffix("\n"), "unterminated line")
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}
