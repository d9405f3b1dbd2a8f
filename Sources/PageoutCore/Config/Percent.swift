/// A percentage from 0 to 100, kept exactly to the millionth of a percent.
///
/// The config file writes it as a string with `%` (`"10%"`, `"2.5%"`) or, where a key says so, as a plain
/// number (`90`, `12.5`). Finer decimals are rounded.
public struct Percent: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Millionths of a percent: 1_000_000 is 1%.
    private var millionths: Int64

    private init(millionths: Int64) {
        self.millionths = millionths
    }

    /// A whole percentage; `percent` must lie in 0...100.
    public init(_ percent: Int) {
        precondition((0...100).contains(percent), "a percentage lies in 0...100, not \(percent)")
        self.millionths = Int64(percent) * 1_000_000
    }

    /// The percentage `value` rounded to a millionth of a percent, or nil unless it lies in 0...100.
    public init?(value: Double) {
        guard value.isFinite, (0...100).contains(value) else { return nil }
        self.millionths = Int64((value * 1_000_000).rounded())
    }

    /// No percent.
    public static let zero = Percent(0)
    /// All of it.
    public static let hundred = Percent(100)

    /// The percentage: 10 for 10%.
    public var value: Double { Double(millionths) / 1_000_000 }
    /// The share: 0.1 for 10%.
    public var fraction: Double { Double(millionths) / 100_000_000 }

    /// This share of `total`, rounded down.
    public func of(_ total: UInt64) -> UInt64 {
        let product = total.multipliedFullWidth(by: UInt64(millionths))
        return UInt64(100_000_000).dividingFullWidth(product).quotient
    }

    /// Parses a config percentage such as `"10%"` or `"2.5%"`.
    ///
    /// - Throws: `ConfigValueError` naming the text when it is not a percentage, lacks the `%`, is negative or is
    ///   more than 100%.
    public init(configText text: String) throws(ConfigValueError) {
        let quoted = text.configQuoted
        guard let number = DecimalText(text[...]), number.rest == "%" || number.rest.isEmpty else {
            throw ConfigValueError("\(quoted) is not a percentage (use e.g. \"10%\")")
        }
        guard !number.negative else { throw ConfigValueError("\(quoted) is negative") }
        guard number.rest == "%" else {
            throw ConfigValueError("\(quoted) has no \"%\" (write \"\(number.magnitudeText)%\")")
        }
        guard let millionths = number.scaled(by: 1_000_000), millionths <= 100_000_000 else {
            throw ConfigValueError("\(quoted) is more than 100%")
        }
        self.millionths = millionths
    }

    /// Takes a plain number as a percentage (`90` for 90%); `shown` is the number as written, for the message.
    ///
    /// - Throws: `ConfigValueError` when it is negative, more than 100, or not a number.
    public init(number: Double, shown: String) throws(ConfigValueError) {
        guard number.isFinite else { throw ConfigValueError("\(shown) is not a number from 0 to 100") }
        guard number >= 0 else { throw ConfigValueError("\(shown) is negative") }
        guard let percent = Percent(value: number) else { throw ConfigValueError("\(shown) is more than 100") }
        self = percent
    }

    /// The number without `%`: `"10"`, `"2.5"`.
    public var numberText: String {
        let whole = millionths / 1_000_000
        let fraction = millionths % 1_000_000
        guard fraction != 0 else { return "\(whole)" }
        let digits = String(fraction)
        let padded = String(repeating: "0", count: 6 - digits.count) + digits
        return "\(whole)." + String(padded.reversed().drop(while: { $0 == "0" }).reversed())
    }

    /// The config text: `"10%"`. Parses back to itself.
    public var configText: String { numberText + "%" }

    /// The config text (`"10%"`).
    public var description: String { configText }

    /// Orders by value.
    public static func < (lhs: Percent, rhs: Percent) -> Bool { lhs.millionths < rhs.millionths }
}

/// An amount of swap: a size, or a share of all swap (`min_free_swap`).
public enum SwapAmount: Sendable, Hashable, CustomStringConvertible {
    /// A fixed size, whatever the total swap.
    case size(ByteSize)
    /// This share of the total swap.
    case percent(Percent)

    /// Parses a size (`"512MiB"`) or a percentage (`"10%"`).
    ///
    /// - Throws: `ConfigValueError` naming the text when it is neither.
    public init(configText text: String) throws(ConfigValueError) {
        if text.hasSuffix("%") {
            self = .percent(try Percent(configText: text))
        } else if let number = DecimalText(text[...]), number.rest.isEmpty || number.restIsUnitLike {
            self = .size(try ByteSize(configText: text))
        } else {
            throw ConfigValueError("\(text.configQuoted) is neither a size nor a percentage "
                + "(use e.g. \"512MiB\" or \"10%\")")
        }
    }

    /// The amount in bytes when all swap together is `totalBytes`.
    public func bytes(ofSwapTotal totalBytes: UInt64) -> UInt64 {
        switch self {
        case .size(let size): size.bytes
        case .percent(let percent): percent.of(totalBytes)
        }
    }

    /// The config text: `"512MiB"` or `"10%"`.
    public var configText: String {
        switch self {
        case .size(let size): size.configText
        case .percent(let percent): percent.configText
        }
    }

    /// The config text.
    public var description: String { configText }
}
