/// Durations as the config file writes them: a whole or decimal number and a unit, no space.
///
/// Units: `ms`, `s`, `m` (minutes), `h`. Examples: `"750ms"`, `"30s"`, `"1.5s"`, `"2m"`, `"1h"`. Values are kept
/// to the nanosecond (finer decimals are rounded). A bare number, a negative value or another unit is an error.
extension Duration {
    /// The units of a config duration, longest first, with their length in nanoseconds.
    static let configUnits: [(name: String, nanoseconds: Int64)] = [
        ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000),
    ]

    /// Parses a config duration such as `"750ms"`, `"2m"` or `"1.5s"`.
    ///
    /// - Throws: `ConfigValueError` naming the text when it is not a duration, has no unit or an unknown one, is
    ///   negative, or does not fit in 292 years.
    public init(configText text: String) throws(ConfigValueError) {
        let quoted = text.configQuoted
        guard let number = DecimalText(text[...]) else {
            throw ConfigValueError("\(quoted) is not a duration (use e.g. \"750ms\", \"30s\", \"2m\", \"1h\")")
        }
        guard let unit = Self.configUnits.first(where: { $0.name == number.rest }) else {
            if number.rest.isEmpty && !number.negative {
                let plain = number.magnitudeText
                throw ConfigValueError("\(quoted) has no unit (use e.g. \"\(plain)s\" or \"\(plain)ms\")")
            }
            if number.restIsUnitLike && !number.negative {
                throw ConfigValueError("\(quoted) has an unknown unit \(String(number.rest).configQuoted) "
                    + "(use ms, s, m or h)")
            }
            throw ConfigValueError("\(quoted) is not a duration (use e.g. \"750ms\", \"30s\", \"2m\", \"1h\")")
        }
        guard !number.negative else { throw ConfigValueError("\(quoted) is negative") }
        guard let nanoseconds = number.scaled(by: unit.nanoseconds) else {
            throw ConfigValueError("\(quoted) is too long")
        }
        self = .nanoseconds(nanoseconds)
    }

    /// Parses a duration given on a command line: the config file's syntax (`"60s"`, `"2m"`, `"750ms"`), or a
    /// bare number of seconds (`"90"`, `"1.5"`).
    ///
    /// - Throws: `ConfigValueError` as `init(configText:)` does.
    public init(commandLineText text: String) throws(ConfigValueError) {
        guard let number = DecimalText(text[...]), number.rest.isEmpty, !number.negative else {
            self = try Duration(configText: text)
            return
        }
        guard let nanoseconds = number.scaled(by: 1_000_000_000) else {
            throw ConfigValueError("\(text.configQuoted) is too long")
        }
        self = .nanoseconds(nanoseconds)
    }

    /// The duration in whole nanoseconds, saturating at the limits of `Int64`.
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !sumOverflow else { return seconds < 0 ? .min : .max }
        return sum
    }

    /// The duration as the config file writes it: a whole number of the longest unit that fits exactly
    /// (`"2m"`, `"90s"`, `"1500ms"`), or else seconds with decimals (`"0.0000015s"`). Parses back to itself.
    public var configText: String {
        let nanoseconds = wholeNanoseconds
        guard nanoseconds >= 0 else {
            return "-" + Duration.nanoseconds(nanoseconds == .min ? .max : -nanoseconds).configText
        }
        if nanoseconds == 0 { return "0s" }
        for unit in Self.configUnits where nanoseconds % unit.nanoseconds == 0 {
            return "\(nanoseconds / unit.nanoseconds)\(unit.name)"
        }
        let fraction = String(nanoseconds % 1_000_000_000)
        let padded = String(repeating: "0", count: 9 - fraction.count) + fraction
        let trimmed = padded.reversed().drop(while: { $0 == "0" }).reversed()
        return "\(nanoseconds / 1_000_000_000).\(String(trimmed))s"
    }
}
