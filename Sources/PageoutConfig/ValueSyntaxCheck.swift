/// The malformed values toml++ does not report but asserts on.
///
/// toml++ (under TOMLKit) checks some characters its callers did not with an `assert`, not an error, which aborts
/// the process wherever its assertions are compiled in (the daemon's debug and release builds alike), as the
/// fuzzer found:
/// - a value with a date, a `T` and a `:` after it is taken for a date-time, and a digit must follow the `T`:
///   `x = 1980-05-27T:00` aborts (pageoutd takes no dates at all);
/// - an array element must not start with `}`: `x = [}]` and `x = [1, }]` abort.
/// Such values are refused here first, with their line and column.
enum ValueSyntaxCheck {
    /// What is wrong with a value, completing "invalid TOML: ".
    enum Problem: String {
        case dateWithoutTime = "a date-time needs a time (HH:MM:SS) after its T (and pageoutd takes no dates)"
        case braceForElement = "expected an array element or ']', found '}'"
    }

    /// The line and column (1-based) of the first malformed value (text after a `=`, or inside an array, outside
    /// strings and comments), and what is wrong with it; nil if none.
    static func firstProblem(in text: String) -> (line: Int, column: Int, problem: Problem)? {
        let bytes = Array(text.utf8)
        var line = 1
        var lineStart = 0
        var index = 0
        var inValue = false
        // The arrays and inline tables the scan is inside, innermost last: `[` or `{`.
        var open: [UInt8] = []
        // True right after an array's `[` or `,`, until the element's first character.
        var expectingElement = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                lineStart = index + 1
                if open.isEmpty { inValue = false }
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                expectingElement = false
                let end = endOfString(bytes, at: index)
                for newline in bytes[index..<end].indices where bytes[newline] == UInt8(ascii: "\n") {
                    line += 1
                    lineStart = newline + 1
                }
                index = end
            default:
                guard inValue else {
                    if byte == UInt8(ascii: "=") { inValue = true }
                    index += 1
                    continue
                }
                if expectingElement, byte == UInt8(ascii: "}") {
                    return (line, index - lineStart + 1, .braceForElement)
                }
                expectingElement = false
                switch byte {
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    open.append(byte)
                    expectingElement = byte == UInt8(ascii: "[")
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if !open.isEmpty { open.removeLast() }
                case UInt8(ascii: ","):
                    expectingElement = open.last == UInt8(ascii: "[")
                default:
                    if dateWithoutTime(bytes, at: index) {
                        return (line, index - lineStart + 1, .dateWithoutTime)
                    }
                }
                index += 1
            }
        }
        return nil
    }

    /// True when `YYYY-MM-DD`, `T` or `t`, and a byte that is not a digit (or the end) start at `index`.
    private static func dateWithoutTime(_ bytes: [UInt8], at index: Int) -> Bool {
        let shape = Array("0000-00-00T".utf8)
        guard index + shape.count <= bytes.count else { return false }
        for (offset, expected) in shape.enumerated() {
            let byte = bytes[index + offset]
            switch expected {
            case UInt8(ascii: "0"): guard isDigit(byte) else { return false }
            case UInt8(ascii: "T"): guard byte == UInt8(ascii: "T") || byte == UInt8(ascii: "t") else { return false }
            default: guard byte == expected else { return false }
            }
        }
        let next = index + shape.count
        return next == bytes.count || !isDigit(bytes[next])
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The index just past the string that starts at `start` (`"`, `'`, `"""` or `'''`), or the end of the text
    /// when it is not closed (toml++ reports that). A basic string's `\` escapes the next byte.
    private static func endOfString(_ bytes: [UInt8], at start: Int) -> Int {
        let quote = bytes[start]
        let multiline = start + 2 < bytes.count && bytes[start + 1] == quote && bytes[start + 2] == quote
        var index = start + (multiline ? 3 : 1)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                index += 2
                continue
            }
            if !multiline, byte == UInt8(ascii: "\n") { return index }
            if byte == quote {
                if !multiline { return index + 1 }
                if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote { return index + 3 }
            }
            index += 1
        }
        return bytes.count
    }
}
