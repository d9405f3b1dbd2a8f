/// The journal fields of one log record, as `NAME=value` strings for `sd_journal_sendv`.
///
/// Journal field names are `[A-Z0-9_]`, at most 64 characters, not starting with a digit; names starting with `_`
/// are trusted fields that journald sets itself and drops when a client sends them. Metadata keys are mapped onto
/// that alphabet (`vmm_pid` → `VMM_PID`, `error.message` → `ERROR_MESSAGE`) so operators can filter with
/// `journalctl REGION=vm1`.
enum JournalFields {
    /// The fields this handler sets itself; a metadata key that maps onto one is renamed to `META_<NAME>`.
    static let reservedNames: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER",
    ]

    /// The longest field name journald accepts.
    static let maximumNameLength = 64

    /// `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, the code location, `LOGGER` (the logger's label) and one field
    /// per metadata key. `MESSAGE` is the same text the stderr handler writes, without the priority prefix.
    static func fields(_ record: LogRecord, identifier: String) -> [String] {
        var fields = [
            "MESSAGE=" + LogLineFormat.body(record),
            "PRIORITY=\(record.level.syslogPriority)",
            "SYSLOG_IDENTIFIER=" + identifier,
            "CODE_FILE=" + record.file,
            "CODE_LINE=\(record.line)",
            "CODE_FUNC=" + record.function,
            "LOGGER=" + record.label,
        ]
        for (key, value) in record.metadata {
            guard var name = fieldName(forMetadataKey: key) else { continue }
            if reservedNames.contains(name) {
                name = String(("META_" + name).prefix(maximumNameLength))
            }
            fields.append(name + "=" + value)
        }
        return fields
    }

    /// The journal field name for a metadata key: ASCII letters uppercased, every other character except digits
    /// and `_` replaced by `_`, leading `_` removed, `F_` put before a leading digit, cut to 64 characters;
    /// `nil` when nothing is left.
    static func fieldName(forMetadataKey key: String) -> String? {
        var name = String.UnicodeScalarView()
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": name.append(Unicode.Scalar(scalar.value - 0x20) ?? "_")
            case "A"..."Z", "0"..."9", "_": name.append(scalar)
            default: name.append("_")
            }
        }
        var text = Substring(String(name))
        text = text.drop { $0 == "_" }
        guard let first = text.first else { return nil }
        let prefixed = first.isNumber ? "F_" + text : String(text)
        return String(prefixed.prefix(maximumNameLength))
    }
}
