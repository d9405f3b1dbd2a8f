/// The bytes TOML's grammar names.
enum TOMLByte {
    static let tab = UInt8(ascii: "\t")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let hash = UInt8(ascii: "#")
    static let apostrophe = UInt8(ascii: "'")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let colon = UInt8(ascii: ":")
    static let equals = UInt8(ascii: "=")
    static let openBracket = UInt8(ascii: "[")
    static let backslash = UInt8(ascii: "\\")
    static let closeBracket = UInt8(ascii: "]")
    static let underscore = UInt8(ascii: "_")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
}

/// Looking at the text: the next bytes, blanks, comments, and what was found where the grammar is left.
extension TOMLGrammar {
    /// The byte `ahead` bytes after the current one, or nil past the end.
    func peek(_ ahead: Int = 0) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    mutating func skipBlanks() {
        while let byte = peek(), Self.isBlank(byte) { index += 1 }
    }

    /// A `#` and the rest of its line (not the line end).
    mutating func skipComment() throws(Violation) {
        index += 1
        while let byte = peek(), byte != TOMLByte.lineFeed, byte != TOMLByte.carriageReturn { try character() }
    }

    /// What may stand between an array's elements: blanks, comments and line ends.
    mutating func skipBlanksCommentsAndNewlines() throws(Violation) {
        while true {
            skipBlanks()
            if peek() == TOMLByte.hash { try skipComment() }
            guard try newline() else { return }
        }
    }

    /// The violation `problem` at the current byte.
    func violation(_ problem: String) -> Violation {
        Violation(offset: index, problem: problem)
    }

    /// What stands at `offset` (the current byte by default), for a message: `'x'`, "a tab", "the end of the
    /// line" or "the end of the file".
    func found(at offset: Int? = nil) -> String {
        let offset = offset ?? index
        guard offset < bytes.count else { return "the end of the file" }
        let byte = bytes[offset]
        switch byte {
        case TOMLByte.lineFeed, TOMLByte.carriageReturn: return "the end of the line"
        case TOMLByte.tab: return "a tab"
        default:
            // The whole character, when it takes more than one byte.
            var end = offset + 1
            while end < bytes.count, end - offset < 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
            let character = String(decoding: bytes[offset..<end], as: UTF8.self)
            // A character that shows as nothing (a byte order mark, a no-break or ideographic space) is named.
            guard let scalar = character.unicodeScalars.first,
                  scalar.isASCII || scalar.properties.isGraphemeBase
                      && scalar.properties.generalCategory != .spaceSeparator
            else { return character.unicodeScalars.first.map { "U+" + Self.hex($0.value) } ?? "'\(character)'" }
            return "'\(character)'"
        }
    }

    /// The line and column (1-based, counting characters) of a byte offset.
    func position(of offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == TOMLByte.lineFeed {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    /// `value` in upper-case hex, at least four digits.
    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == TOMLByte.space || byte == TOMLByte.tab
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= TOMLByte.zero && byte <= TOMLByte.nine
    }

    /// `A-Z a-z 0-9 _ -`: what a bare key is made of.
    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             TOMLByte.zero...TOMLByte.nine,
             TOMLByte.underscore, TOMLByte.minus:
            true
        default:
            false
        }
    }

    static func canStartKey(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == TOMLByte.quote || byte == TOMLByte.apostrophe
    }

    static func canStartValue(_ byte: UInt8) -> Bool {
        switch byte {
        case TOMLByte.quote, TOMLByte.apostrophe, TOMLByte.openBracket, TOMLByte.openBrace,
             UInt8(ascii: "t"), UInt8(ascii: "f"),
             UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "+"), TOMLByte.minus, TOMLByte.zero...TOMLByte.nine:
            true
        default:
            false
        }
    }
}
