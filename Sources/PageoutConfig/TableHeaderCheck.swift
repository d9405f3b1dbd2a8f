/// The one malformed table header toml++ does not report but asserts on.
///
/// toml++ (under TOMLKit) checks the first character of a table header's first key with an `assert`, not an
/// error: `[\region]` aborts the process wherever its assertions are compiled in (the daemon's debug and
/// release builds alike), so a typo in the file would kill the daemon at a reload. Such headers are refused
/// here first, with the line and column. Every other malformed key reaches toml++'s own errors.
enum TableHeaderCheck {
    /// The line and column (1-based) of the first table header whose first key starts with a character that can
    /// start no key, or nil. A `[` that starts a line inside a multi-line string is passed over; one inside a
    /// multi-line array is judged like a header.
    static func firstMalformed(in text: String) -> (line: Int, column: Int)? {
        var insideMultilineString = false
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let bytes = Array(line.utf8)
            if !insideMultilineString, let column = malformedHeaderColumn(bytes) {
                return (index + 1, column)
            }
            // A `"""` or `'''` opens or closes a multi-line string (an odd count toggles).
            if multilineDelimiters(in: bytes) % 2 == 1 { insideMultilineString.toggle() }
        }
        return nil
    }

    /// The column of the offending character when `line` is a header `[` or `[[` whose first key cannot start.
    private static func malformedHeaderColumn(_ line: [UInt8]) -> Int? {
        var index = 0
        while index < line.count, line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t") { index += 1 }
        guard index < line.count, line[index] == UInt8(ascii: "[") else { return nil }
        index += 1
        if index < line.count, line[index] == UInt8(ascii: "[") { index += 1 }
        while index < line.count, line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t") { index += 1 }
        // A `[` that ends its line asserts too.
        guard index < line.count else { return index + 1 }
        return mayFollowOpeningBracket(line[index]) ? nil : index + 1
    }

    /// True for what may follow `[`: a key's first character (bare, or a quote), or `]` (toml++ reports an empty
    /// header). Anything else after a `[` that starts a line asserts in toml++ (a comment, `{`, `+`, a third
    /// `[`, a carriage return were all measured to); inside a multi-line array that refuses only elements a
    /// configuration never holds (nested arrays or inline tables starting a line with such a character).
    private static func mayFollowOpeningBracket(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
             UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }

    /// How many `"""` and `'''` runs `line` holds.
    private static func multilineDelimiters(in line: [UInt8]) -> Int {
        var count = 0
        var index = 0
        while index + 2 < line.count {
            let byte = line[index]
            let quote = byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
            if quote, line[index + 1] == byte, line[index + 2] == byte {
                count += 1
                index += 3
            } else {
                index += 1
            }
        }
        return count
    }
}
