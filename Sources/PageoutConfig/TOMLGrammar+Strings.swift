/// TOML's four kinds of string.
extension TOMLGrammar {
    /// `"…"` (`\` starts an escape) or `'…'` (no escapes): one line.
    mutating func singleLineString() throws(Violation) {
        let open = index
        let quote = bytes[index]
        index += 1
        while true {
            guard let byte = peek() else {
                throw Violation(offset: open, problem: quote == TOMLByte.quote
                    ? "the string is not closed (expected '\"')" : "the string is not closed (expected \"'\")")
            }
            switch byte {
            case quote:
                index += 1
                return
            case TOMLByte.backslash where quote == TOMLByte.quote:
                try escape(multiline: false)
            case TOMLByte.lineFeed, TOMLByte.carriageReturn:
                let multiline = String(repeating: Character(Unicode.Scalar(quote)), count: 3)
                throw violation("a string must end on the line where it starts (use \(multiline) for text of "
                    + "several lines)")
            default:
                try character()
            }
        }
    }

    /// `"""…"""` (escapes, and a `\` ending a line) or `'''…'''` (none). One or two quotes may stand right before
    /// the closing three, so a run of three to five quotes closes the string; six or more cannot.
    mutating func multilineString(quote: UInt8) throws(Violation) {
        let open = index
        let delimiter = String(repeating: Character(Unicode.Scalar(quote)), count: 3)
        index += 3
        while true {
            guard let byte = peek() else {
                throw Violation(offset: open, problem: "the string is not closed (expected \(delimiter))")
            }
            switch byte {
            case quote:
                var run = 0
                while peek(run) == quote { run += 1 }
                guard run <= 5 else {
                    throw violation("a string can end with at most two quotes before its closing \(delimiter)")
                }
                index += run
                if run >= 3 { return }
            case TOMLByte.backslash where quote == TOMLByte.quote:
                try escape(multiline: true)
            case TOMLByte.lineFeed, TOMLByte.carriageReturn:
                _ = try newline()
            default:
                try character()
            }
        }
    }

    /// `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`, or in a multi-line string a `\` that ends its line (blanks may
    /// follow it), which also takes the blanks and line ends after it.
    mutating func escape(multiline: Bool) throws(Violation) {
        let backslash = index
        index += 1
        switch peek() {
        case UInt8(ascii: "b"), UInt8(ascii: "t"), UInt8(ascii: "n"), UInt8(ascii: "f"), UInt8(ascii: "r"),
             TOMLByte.quote, TOMLByte.backslash:
            index += 1
        case UInt8(ascii: "u"):
            try unicodeEscape(digits: 4, at: backslash)
        case UInt8(ascii: "U"):
            try unicodeEscape(digits: 8, at: backslash)
        case let byte? where multiline
            && (Self.isBlank(byte) || byte == TOMLByte.lineFeed || byte == TOMLByte.carriageReturn):
            skipBlanks()
            guard try newline() else { throw escapeViolation(at: backslash) }
            while true {
                skipBlanks()
                guard try newline() else { return }
            }
        default:
            throw escapeViolation(at: backslash)
        }
    }

    private func escapeViolation(at backslash: Int) -> Violation {
        Violation(offset: backslash, problem: "'\\' followed by \(found(at: backslash + 1)) is not an escape of TOML "
            + "(use \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX or \\UXXXXXXXX)")
    }

    /// `u` or `U` and `digits` hex digits naming a Unicode scalar value (not a surrogate, at most U+10FFFF).
    private mutating func unicodeEscape(digits: Int, at backslash: Int) throws(Violation) {
        index += 1
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let byte = peek(), let digit = Self.hexValue(byte) else {
                throw Violation(offset: backslash, problem: "a \\\(digits == 4 ? "u" : "U") escape needs \(digits) "
                    + "hex digits")
            }
            value = value << 4 | digit
            index += 1
        }
        guard Unicode.Scalar(value) != nil else {
            throw Violation(offset: backslash, problem: "\\\(digits == 4 ? "u" : "U") escape of a value that is no "
                + "Unicode character (a surrogate, or past U+10FFFF)")
        }
    }

    /// One character of a string or comment: tab or any character but a control one.
    mutating func character() throws(Violation) {
        guard let byte = peek() else { return }
        if byte == TOMLByte.tab || byte >= TOMLByte.space && byte != 0x7F {
            index += 1
        } else {
            throw violation("a control character must be escaped")
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case TOMLByte.zero...TOMLByte.nine: UInt32(byte - TOMLByte.zero)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
