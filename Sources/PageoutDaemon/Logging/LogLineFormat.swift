/// The one-line text form of a log record: `<6>pageoutd.scanner: Scanned region region=vm1 bytes=4096`.
///
/// `<N>` is the syslog priority, which journald strips and stores as `PRIORITY=` when it reads a service's stderr
/// (`SyslogLevelPrefix=yes`, the default). No timestamp: journald adds its own. Control characters in the message
/// and in values are escaped, so one record is always exactly one line.
enum LogLineFormat {
    /// The full line for stderr: priority prefix, ``body(_:)`` and a newline.
    static func line(_ record: LogRecord) -> String {
        "<\(record.level.syslogPriority)>" + body(record) + "\n"
    }

    /// `label: message key=value ...` without priority or newline; also the journal's `MESSAGE=`, so
    /// `journalctl -u pageoutd` reads the same whichever handler wrote the line.
    static func body(_ record: LogRecord) -> String {
        var text = record.label.isEmpty ? "" : record.label + ": "
        text += escapingControls(record.message)
        for (key, value) in record.metadata {
            text += " " + self.key(key) + "=" + self.value(value)
        }
        return text
    }

    /// A metadata key with whitespace, `=`, `"` and control characters replaced by `_` (never empty).
    static func key(_ key: String) -> String {
        guard !key.isEmpty else { return "_" }
        var scalars = String.UnicodeScalarView()
        for scalar in key.unicodeScalars {
            let plain = !(scalar.properties.isWhitespace || scalar == "=" || scalar == "\"" || isControl(scalar))
            scalars.append(plain ? scalar : "_")
        }
        return String(scalars)
    }

    /// A metadata value, in double quotes (with `\` and `"` escaped) when it is empty or contains whitespace, `=`,
    /// `"` or control characters; otherwise as it is.
    static func value(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains {
            $0.properties.isWhitespace || $0 == "=" || $0 == "\"" || isControl($0)
        }
        guard needsQuotes else { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            default: quoted += escapingControls(scalar)
            }
        }
        return quoted + "\""
    }

    /// `text` with newline, carriage return and other control characters (except tab) written as escapes.
    static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && $0 != "\t" }) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            escaped += escapingControls(scalar)
        }
        return escaped
    }

    private static func escapingControls(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": "\\n"
        case "\r": "\\r"
        case "\t": "\t"
        case _ where isControl(scalar): "\\u{" + String(scalar.value, radix: 16) + "}"
        default: String(scalar)
        }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7f
    }
}
