import Logging
import PageoutLinux
import SystemPackage

/// A swift-log handler that writes one line per message to stderr (or another descriptor), in the form journald
/// understands when it reads a service's output: `<6>pageoutd: Started region=vm1 bytes=4096`.
///
/// The priority prefix `<N>` carries the level into the journal's `PRIORITY=`; metadata follows the message as
/// `key=value`, sorted by key, values with spaces quoted. There is no timestamp (journald and terminals' scroll-back
/// add their own). Each line goes out in a single `write(2)`, so lines from concurrent loggers never interleave
/// (writes to a pipe of up to `PIPE_BUF`, 4096 bytes, are atomic). A failed write is dropped: logging must not fail.
public struct StderrLogHandler: RecordLogHandler {
    /// The logger's label; written before the message.
    public let label: String
    /// Where lines go: stderr unless a test or tool passes another descriptor. The handler never closes it.
    public let descriptor: FileDescriptor
    /// The least severe level this handler's logger emits.
    public var logLevel: Logger.Level
    /// Metadata added to every message of this handler's logger.
    public var metadata: Logger.Metadata = [:]
    /// Supplies metadata for each message, e.g. from task-locals; defaults to the one given at bootstrap.
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler for the logger `label` that writes to `descriptor`.
    public init(
        label: String,
        logLevel: Logger.Level = .info,
        descriptor: FileDescriptor = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.descriptor = descriptor
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    /// Writes the event as one line.
    public func log(event: LogEvent) {
        let record = self.record(of: event)
        Self.write(LogLineFormat.line(record), to: descriptor)
    }

    /// Writes `line` with one `write(2)` (more only after a partial write), retrying on EINTR, ignoring failure.
    static func write(_ line: String, to descriptor: FileDescriptor) {
        var line = line
        line.withUTF8 { bytes in
            try? FileSystem.writeAll(UnsafeRawBufferPointer(bytes), to: descriptor, target: "log descriptor")
        }
    }
}
