/// A size in bytes given on the command line as a whole number with an optional binary unit.
///
/// Accepted: `4096`, `4096B`, `64KiB`, `256MiB`, `1GiB`, `2TiB`. Units are binary (powers of 1024) and spelled
/// exactly like that; decimal units (`MB`, `GB`) and fractions are rejected rather than guessed at.
struct ByteSize: Equatable, Sendable, CustomStringConvertible {
    /// The number of bytes.
    let bytes: Int

    /// The accepted unit suffixes and their multipliers, longest suffix first so `B` never shadows `KiB`.
    static let units: [(suffix: String, multiplier: Int)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40), ("B", 1),
    ]

    init(bytes: Int) {
        self.bytes = bytes
    }

    /// Parses `text`, or throws a `ByteSizeError` that says what is accepted.
    init(parsing text: String) throws(ByteSizeError) {
        var digits = Substring(text)
        var multiplier = 1
        if let unit = Self.units.first(where: { text.hasSuffix($0.suffix) }) {
            digits = digits.dropLast(unit.suffix.count)
            multiplier = unit.multiplier
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ByteSizeError(text: text)
        }
        guard let count = Int(digits) else { throw ByteSizeError(text: text, tooLarge: true) }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw ByteSizeError(text: text, tooLarge: true) }
        self.bytes = bytes
    }

    /// The size in the largest binary unit that divides it exactly, e.g. `256MiB` or `12288B`.
    var description: String {
        for unit in Self.units.dropLast().reversed() where bytes != 0 && bytes % unit.multiplier == 0 {
            return "\(bytes / unit.multiplier)\(unit.suffix)"
        }
        return "\(bytes)B"
    }
}

/// A command-line size that could not be parsed. The description completes "The value 'X' is invalid: ".
struct ByteSizeError: Error, CustomStringConvertible {
    /// The text as given.
    let text: String
    /// The number was well formed but does not fit in a 64-bit byte count.
    var tooLarge = false

    var description: String {
        if tooLarge {
            return "too large for a 64-bit byte count"
        }
        let decimal = ["KB", "kB", "MB", "GB", "TB", "K", "M", "G", "T"].contains { text.hasSuffix($0) }
        let hint = decimal ? " (units are binary: write MiB, not MB or M)" : ""
        return "expected a whole number with an optional unit B, KiB, MiB, GiB or TiB, for example 256MiB\(hint)"
    }
}
