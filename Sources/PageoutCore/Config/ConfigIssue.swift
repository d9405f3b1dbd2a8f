/// One thing wrong with a configuration, found by validation of the model, before anyone knows which file or
/// line it came from (the file layer adds those).
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// The key whose value is wrong, or where a missing key belongs.
    public var key: ConfigKeyPath
    /// What is wrong: one sentence, no trailing period (`must be more than zero`).
    public var problem: String
    /// Other keys whose values the check read (the `max_backoff` a `min_backoff` was compared with). A file
    /// layer that could not read one of them drops the issue rather than report a consequence of that.
    public var relatedKeys: [ConfigKeyPath]

    /// An issue of `key`; `relatedKeys` names the keys whose values the check compared it with.
    public init(key: ConfigKeyPath, problem: String, relatedKeys: [ConfigKeyPath] = []) {
        self.key = key
        self.problem = problem
        self.relatedKeys = relatedKeys
    }

    /// `key: problem`.
    public var description: String { "\(key): \(problem)" }
}

/// A configuration value, as written, that does not mean what its key needs: `"5 minutes"` for a duration.
public struct ConfigValueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the value, naming the value: `"5 minutes" is not a duration (use e.g. ...)`.
    public var message: String

    /// An error worded by `message`, which names the value as written.
    public init(_ message: String) {
        self.message = message
    }

    /// The message as is.
    public var description: String { message }
}

/// A number as the config file writes it in front of a unit: an optional `-`, digits, and optionally a `.` and
/// more digits. What follows is the unit.
struct DecimalText {
    /// Whether a `-` came first.
    var negative: Bool
    /// The digits before the point (never empty).
    var whole: Substring
    /// The digits after the point (empty when there is no point).
    var fraction: Substring
    /// Everything after the number.
    var rest: Substring

    /// Splits `text`, or returns nil when it does not start with a number.
    init?(_ text: Substring) {
        var rest = text
        negative = rest.first == "-"
        if negative { rest = rest.dropFirst() }
        whole = rest.prefix(while: \.isASCIIDigit)
        guard !whole.isEmpty else { return nil }
        rest = rest.dropFirst(whole.count)
        fraction = ""
        if rest.first == ".", let next = rest.dropFirst().first, next.isASCIIDigit {
            fraction = rest.dropFirst().prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(1 + fraction.count)
        }
        self.rest = rest
    }

    /// The number without its sign, as written.
    var magnitudeText: String {
        fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
    }

    /// Whether the rest is a word of ASCII letters (a unit, known or not), or `%`.
    var restIsUnitLike: Bool {
        !rest.isEmpty && (rest == "%" || rest.allSatisfy { $0.isASCII && $0.isLetter })
    }

    /// The value times `unit`, rounded to the nearest whole number, or nil when it does not fit in 63 bits.
    /// With `exact`, also nil when the value times `unit` is not a whole number.
    func scaled(by unit: Int64, exact: Bool = false) -> Int64? {
        guard let wholeValue = Int64(whole) else { return nil }
        let (wholeScaled, overflow) = wholeValue.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        // 18 decimals are far below anything a unit of ours can express; more digits are cut off.
        let digits = fraction.prefix(18)
        guard !digits.isEmpty, let fractionValue = Int64(digits) else { return wholeScaled }
        var scale: Int64 = 1
        for _ in 0..<digits.count { scale *= 10 }
        let product = unit.multipliedFullWidth(by: fractionValue)
        let (quotient, remainder) = scale.dividingFullWidth(product)
        if exact && (remainder != 0 || digits.count < fraction.count) { return nil }
        let rounded = quotient + (remainder * 2 >= scale ? 1 : 0)
        let (sum, sumOverflow) = wholeScaled.addingReportingOverflow(rounded)
        return sumOverflow ? nil : sum
    }
}

extension Character {
    /// Whether this is one of `0`-`9`.
    var isASCIIDigit: Bool { isASCII && isNumber }
}
