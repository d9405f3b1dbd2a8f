import Logging

/// A log handler that keeps its own metadata and writes each event as a `LogRecord`: the part the stderr and the
/// journal handlers share.
public protocol RecordLogHandler: LogHandler {
    /// The logger's label, written with every record.
    var label: String { get }
}

extension RecordLogHandler {
    /// Gets or sets one metadata value of this handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The record of `event`: the handler's metadata, the provider's and the event's merged.
    func record(of event: LogEvent) -> LogRecord {
        LogRecord(event: event, label: label, handlerMetadata: metadata, provider: metadataProvider)
    }
}
