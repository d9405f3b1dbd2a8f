import Logging

/// One log event as a handler writes it: metadata from the handler, the metadata provider and the call merged
/// (later sources win), flattened to strings and sorted by key.
struct LogRecord: Sendable {
    /// The logger's label, e.g. `"pageoutd.scanner"`.
    var label: String
    /// The event's level.
    var level: Logger.Level
    /// The message text as logged.
    var message: String
    /// Metadata keys and their values' descriptions, sorted by key.
    var metadata: [(key: String, value: String)]
    /// The source file (`#fileID`) of the log call.
    var file: String
    /// The function of the log call.
    var function: String
    /// The line of the log call.
    var line: UInt

    /// Merges handler metadata, provider metadata and the event's metadata, in that order of precedence (the
    /// event's own metadata wins); an error attached to the event becomes the `error` key.
    init(
        event: LogEvent,
        label: String,
        handlerMetadata: Logger.Metadata,
        provider: Logger.MetadataProvider?
    ) {
        var merged = handlerMetadata
        if let provided = provider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, explicit in explicit }
        }
        if let error = event.error {
            merged["error"] = .string(String(describing: error))
        }
        self.label = label
        self.level = event.level
        self.message = event.message.description
        self.metadata = merged.map { (key: $0.key, value: $0.value.description) }.sorted { $0.key < $1.key }
        self.file = event.file
        self.function = event.function
        self.line = event.line
    }
}

extension Logger.Level {
    /// The syslog priority for this level (`LOG_DEBUG` 7 ... `LOG_CRIT` 2): the `<N>` prefix journald parses on
    /// a service's stderr and the journal's `PRIORITY=` field.
    ///
    /// swift-log has no emergency or alert level; `trace` has no syslog counterpart and maps to debug.
    var syslogPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
