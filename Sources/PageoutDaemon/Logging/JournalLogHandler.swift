import CSystemd
import Glibc
import Logging
import SystemPackage

/// A swift-log handler that sends each message to journald as a structured entry over the native protocol
/// (`sd_journal_sendv`), with every metadata key as its own field.
///
/// An entry has `MESSAGE=` (the same text ``StderrLogHandler`` writes), `PRIORITY=`, `SYSLOG_IDENTIFIER=`,
/// `CODE_FILE=`/`CODE_LINE=`/`CODE_FUNC=`, `LOGGER=` (the logger's label) and one field per metadata key
/// (`region` → `REGION=`, `vmm_pid` → `VMM_PID=`). When sending fails (journald's socket refuses the datagram, the
/// entry is too large for it), the line goes to the fallback descriptor in the stderr format instead.
///
/// libsystemd reports a *missing* journal socket (`ENOENT`) as success and drops the entry, so use this handler only
/// where journald runs: ``LogDestination/detect()`` picks it only when stderr is connected to the journal.
public struct JournalLogHandler: RecordLogHandler {
    /// The logger's label, sent as `LOGGER=` and in `MESSAGE=`.
    public let label: String
    /// The `SYSLOG_IDENTIFIER=` of every entry, which `journalctl -t` filters on.
    public let identifier: String
    /// Where a message goes in the stderr format when journald does not take it; `nil` drops it.
    public let fallbackDescriptor: FileDescriptor?
    /// The least severe level this handler's logger emits.
    public var logLevel: Logger.Level
    /// Metadata added to every message of this handler's logger.
    public var metadata: Logger.Metadata = [:]
    /// Supplies metadata for each message, e.g. from task-locals; defaults to the one given at bootstrap.
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler for the logger `label` whose entries carry `SYSLOG_IDENTIFIER=<identifier>`.
    public init(
        label: String,
        identifier: String = "pageoutd",
        logLevel: Logger.Level = .info,
        fallbackDescriptor: FileDescriptor? = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.identifier = identifier
        self.fallbackDescriptor = fallbackDescriptor
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    /// Sends the event to the journal, or writes it to the fallback descriptor if that fails.
    public func log(event: LogEvent) {
        let record = self.record(of: event)
        if Self.send(JournalFields.fields(record, identifier: identifier)) != nil, let fallbackDescriptor {
            StderrLogHandler.write(LogLineFormat.line(record), to: fallbackDescriptor)
        }
    }

    /// Sends one entry of `NAME=value` fields; returns the errno of `sd_journal_sendv` on failure, else `nil` (also
    /// when the journal socket does not exist: libsystemd then drops the entry and reports success).
    ///
    /// `sd_journal_send` is variadic and cannot be called from Swift; `sd_journal_sendv` takes the fields as iovecs
    /// and itself switches to the binary-safe encoding for values that contain newlines.
    static func send(_ fields: [String]) -> Errno? {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        let result = bytes.withUnsafeMutableBytes { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -EINVAL }
            var vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return sd_journal_sendv(&vectors, Int32(vectors.count))
        }
        return result < 0 ? Errno(rawValue: -result) : nil
    }
}
