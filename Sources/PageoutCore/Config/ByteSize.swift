/// An amount of memory in bytes, as the config file writes it: a whole number and a binary unit, no space.
///
/// Units: `B`, `KiB`, `MiB`, `GiB`, `TiB`, and the one-letter forms `K`, `M`, `G`, `T` that systemd and the
/// kernel's command line use for the same powers of 1024. `KB`, `MB`, `GB`, `TB` are rejected as ambiguous (they
/// mean powers of 1000 elsewhere). A bare number, a decimal (`"1.5GiB"`: write `"1536MiB"`) or a negative value is
/// an error.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The size in bytes.
    public var bytes: UInt64

    /// Exactly `bytes` bytes; `configText` writes it in the largest unit that divides it.
    public init(bytes: UInt64) {
        self.bytes = bytes
    }

    /// `count` KiB.
    public static func kib(_ count: UInt64) -> ByteSize { ByteSize(bytes: count << 10) }
    /// `count` MiB.
    public static func mib(_ count: UInt64) -> ByteSize { ByteSize(bytes: count << 20) }
    /// `count` GiB.
    public static func gib(_ count: UInt64) -> ByteSize { ByteSize(bytes: count << 30) }

    /// No bytes.
    public static let zero = ByteSize(bytes: 0)

    /// The units of a config size, largest first.
    static let units: [(name: String, bytes: Int64)] = [
        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1),
    ]

    /// Parses a config size such as `"64MiB"` or `"2G"`.
    ///
    /// - Throws: `ConfigValueError` naming the text when it is not a size, has no unit, an unknown or ambiguous
    ///   unit, is negative, is not a whole number of its unit, or does not fit in 63 bits.
    public init(configText text: String) throws(ConfigValueError) {
        try self.init(text[...], quoted: text.configQuoted)
    }

    /// Parses a rate in bytes per second: a size, optionally followed by `/s` (`"256MiB"`, `"256MiB/s"`).
    ///
    /// - Throws: `ConfigValueError` as for a size, or when it is per something other than a second.
    public init(rateText text: String) throws(ConfigValueError) {
        let quoted = text.configQuoted
        let body = text.hasSuffix("/s") ? text.dropLast(2) : text[...]
        guard !body.contains("/") else {
            throw ConfigValueError("\(quoted) is not a rate: write bytes per second, e.g. \"256MiB\" or \"256MiB/s\"")
        }
        try self.init(body, quoted: quoted)
    }

    private init(_ text: Substring, quoted: String) throws(ConfigValueError) {
        guard let number = DecimalText(text) else {
            throw ConfigValueError("\(quoted) is not a size (use e.g. \"4096B\", \"64MiB\", \"2GiB\")")
        }
        let unitBytes: Int64
        switch number.rest {
        case "B": unitBytes = 1
        case "K", "KiB": unitBytes = 1 << 10
        case "M", "MiB": unitBytes = 1 << 20
        case "G", "GiB": unitBytes = 1 << 30
        case "T", "TiB": unitBytes = 1 << 40
        case "" where !number.negative:
            throw ConfigValueError("\(quoted) has no unit (use B, KiB, MiB, GiB or TiB, "
                + "e.g. \"\(number.magnitudeText)MiB\")")
        case "%" where !number.negative:
            throw ConfigValueError("\(quoted) is a percentage, not a size (use e.g. \"64MiB\")")
        case _ where number.negative || !number.restIsUnitLike:
            throw ConfigValueError("\(quoted) is not a size (use e.g. \"4096B\", \"64MiB\", \"2GiB\")")
        case _ where ["kb", "mb", "gb", "tb"].contains(number.rest.lowercased()):
            let binary = "\(number.rest.prefix(1).uppercased())iB"
            throw ConfigValueError("\(quoted) is ambiguous: sizes count in powers of 1024, "
                + "write \"\(number.magnitudeText)\(binary)\"")
        default:
            throw ConfigValueError("\(quoted) has an unknown unit \(String(number.rest).configQuoted) "
                + "(use B, KiB, MiB, GiB or TiB)")
        }
        guard !number.negative else { throw ConfigValueError("\(quoted) is negative") }
        guard let bytes = number.scaled(by: unitBytes) else { throw ConfigValueError("\(quoted) is too large") }
        guard number.fraction.isEmpty else {
            if let exact = number.scaled(by: unitBytes, exact: true) {
                throw ConfigValueError("\(quoted) is not a whole number (write \"\(ByteSize(bytes: UInt64(exact)))\")")
            }
            throw ConfigValueError("\(quoted) is not a whole number of bytes")
        }
        self.bytes = UInt64(bytes)
    }

    /// The size as the config file writes it: a whole number of the largest unit that fits exactly (`"64MiB"`,
    /// `"1536MiB"`, `"0B"`). Parses back to itself.
    public var configText: String {
        guard bytes != 0 else { return "0B" }
        for unit in Self.units where bytes % UInt64(unit.bytes) == 0 {
            return "\(bytes / UInt64(unit.bytes))\(unit.name)"
        }
        return "\(bytes)B"
    }

    /// Bytes per second as the config file writes a rate: `"256MiB/s"`.
    public var rateText: String { configText + "/s" }

    /// The config text (`"64MiB"`).
    public var description: String { configText }

    /// Orders by bytes.
    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }
}
