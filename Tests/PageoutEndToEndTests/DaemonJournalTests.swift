import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// pageoutd under systemd: its stderr is a journald stream and JOURNAL_STREAM names it, as systemd sets up a
/// service. The daemon must then log natively, with structured fields, and write nothing to the stream.
@Suite struct DaemonJournalTests {
    /// A journald stdout stream, connected as systemd connects a service's stderr, and the JOURNAL_STREAM value
    /// (`device:inode`) that names it.
    static func journalStream(identifier: String) throws -> (handle: FileHandle, environmentValue: String) {
        let path = "/run/systemd/journal/stdout"
        guard let fd = UnixStreamSocket.connect(to: path) else { throw TestFailure("connect \(path): errno \(errno)") }
        // The stream header: identifier, unit, priority, level prefix, forward to syslog, kmsg, console.
        let header = Array("\(identifier)\n\n6\n1\n0\n0\n0\n".utf8)
        guard header.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == header.count else {
            close(fd)
            throw TestFailure("writing the stream header: errno \(errno)")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TestFailure("fstat: errno \(errno)") }
        return (FileHandle(fileDescriptor: fd, closeOnDealloc: true), "\(info.st_dev):\(info.st_ino)")
    }

    @Test func underSystemdTheDaemonLogsToTheJournalWithStructuredFields() async throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireJournald()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "10"])
        let region = "journal-\(UUID().uuidString.prefix(8))"
        let identifier = "pageoutd-test-\(UUID().uuidString.prefix(8))"
        let stream = try Self.journalStream(identifier: identifier)
        let daemon = try DaemonProcess(config: """
            [daemon]
            scan_interval = "200ms"
            [[region]]
            name = "\(region)"
            pid = \(guest.pid)
            memfd = "\(guest.memfd)"
            """, environment: ["JOURNAL_STREAM": stream.environmentValue], standardError: stream.handle)
        let entry = try #require(await Journald.entry(field: "REGION", value: region),
                                 "no journal entry with REGION=\(region)")
        #expect(entry["MESSAGE"] as? String == "pageoutd: region resolved bytes=\(16 << 20) mappings=1 "
            + "pagemap=\(entry["PAGEMAP"] as? String ?? "?") region=\(region) vmm_pid=\(guest.pid)", "\(entry)")
        #expect(entry["VMM_PID"] as? String == "\(guest.pid)")
        #expect(entry["BYTES"] as? String == "\(16 << 20)")
        #expect(entry["PRIORITY"] as? String == "6")
        #expect(entry["SYSLOG_IDENTIFIER"] as? String == "pageoutd")
        #expect(entry["_TRANSPORT"] as? String == "journal", "sent with sd_journal_send, not through the stream")
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
        // Nothing went to the stream: no entry carries the stream's identifier.
        #expect(try await Journald.entry(field: "SYSLOG_IDENTIFIER", value: identifier, timeout: 2) == nil)
    }
}
