/// A recognizer of TOML 1.0's grammar: the config text is checked here, whole, before toml++ (under TOMLKit) sees
/// it.
///
/// toml++ checks some of what its callers did not with an `assert`, not an error, and its assertions are compiled
/// into the daemon's debug and release builds alike: a malformed file aborted the process, so a typo would kill the
/// daemon at a reload. The fuzzer found one such input after another (a table header whose key cannot start, a
/// date-time whose `T` no digit follows, an array element starting with `}`, a header behind two byte order marks)
/// until the grammar as a whole, rather than each input, was checked first. toml++ now sees only text that follows
/// the grammar; what the grammar cannot tell (a key defined twice, a table redefined, an integer out of range)
/// stays toml++'s to report, with its own errors.
///
/// The recognizer builds nothing: it walks the bytes once, keeps no more than the nesting depth, and stops at the
/// first violation with its place and a message completing "invalid TOML: ". The text must hold no control
/// character but tab, line feed and carriage return (`ConfigLoader` refuses them first, with their own message).
struct TOMLGrammar {
    /// Where the text leaves the grammar (a byte offset) and what is wrong there.
    struct Violation: Error {
        var offset: Int
        var problem: String
    }

    /// The deepest arrays and inline tables may nest: far more than any configuration, shallow enough that the
    /// recursion of the recognizer (and of toml++, whose own limit is 256) stays small.
    static let maxDepth = 64

    let bytes: [UInt8]
    var index = 0
    var depth = 0

    /// The line and column (1-based; the column counts characters) of the first place `text` leaves TOML 1.0's
    /// grammar, and what is wrong there; nil when it follows the grammar.
    static func firstViolation(in text: String) -> (line: Int, column: Int, problem: String)? {
        var grammar = TOMLGrammar(bytes: Array(text.utf8))
        do throws(Violation) {
            try grammar.document()
            return nil
        } catch {
            let (line, column) = grammar.position(of: error.offset)
            return (line, column, error.problem)
        }
    }

    /// `toml = expression *( newline expression )`: each line is blank, a comment, a table header or a key/value
    /// pair, optionally followed by a comment.
    mutating func document() throws(Violation) {
        while index < bytes.count {
            skipBlanks()
            switch peek() {
            case nil, TOMLByte.hash, TOMLByte.lineFeed, TOMLByte.carriageReturn: break
            case TOMLByte.openBracket: try tableHeader()
            default:
                guard let byte = peek(), Self.canStartKey(byte) else {
                    throw violation("expected a key, a table header or a comment, found \(found())")
                }
                try keyValue()
            }
            try endOfLine()
        }
    }

    /// Blanks, an optional comment and a line end (or the end of the text).
    mutating func endOfLine() throws(Violation) {
        skipBlanks()
        if peek() == TOMLByte.hash { try skipComment() }
        guard index < bytes.count else { return }
        guard try newline() else { throw violation("expected the end of the line, found \(found())") }
    }

    /// Consumes a line feed or a carriage return and line feed and returns true; false when neither is next.
    mutating func newline() throws(Violation) -> Bool {
        switch peek() {
        case TOMLByte.lineFeed:
            index += 1
            return true
        case TOMLByte.carriageReturn:
            guard peek(1) == TOMLByte.lineFeed else {
                throw violation("a carriage return must be followed by a line feed")
            }
            index += 2
            return true
        default:
            return false
        }
    }

    /// `[key]` or `[[key]]`.
    mutating func tableHeader() throws(Violation) {
        index += 1
        let arrayOfTables = peek() == TOMLByte.openBracket
        if arrayOfTables { index += 1 }
        skipBlanks()
        guard let byte = peek(), Self.canStartKey(byte) else {
            throw violation("a table header must begin with a key")
        }
        try key()
        skipBlanks()
        guard peek() == TOMLByte.closeBracket, !arrayOfTables || peek(1) == TOMLByte.closeBracket else {
            throw violation("expected '\(arrayOfTables ? "]]" : "]")' to end the table header, found \(found())")
        }
        index += arrayOfTables ? 2 : 1
    }

    /// `key = value`, the key's first character already known to start a key.
    mutating func keyValue() throws(Violation) {
        try key()
        skipBlanks()
        guard peek() == TOMLByte.equals else { throw violation("expected '=' after the key, found \(found())") }
        index += 1
        skipBlanks()
        try value()
    }

    /// A simple key or dotted keys: `a`, `"a b"`, `'a'`, `a . "b" . c`.
    mutating func key() throws(Violation) {
        try simpleKey()
        while true {
            let before = index
            skipBlanks()
            guard peek() == TOMLByte.dot else {
                index = before
                return
            }
            index += 1
            skipBlanks()
            guard let byte = peek(), Self.canStartKey(byte) else {
                throw violation("expected a key after '.', found \(found())")
            }
            try simpleKey()
        }
    }

    /// A bare key (`A-Z a-z 0-9 _ -`) or a one-line quoted one.
    mutating func simpleKey() throws(Violation) {
        switch peek() {
        case TOMLByte.quote, TOMLByte.apostrophe: try singleLineString()
        default:
            while let byte = peek(), Self.isBareKeyByte(byte) { index += 1 }
        }
    }

    /// Any value, at `index`.
    mutating func value() throws(Violation) {
        guard let byte = peek() else { throw violation("expected a value, found the end of the file") }
        switch byte {
        case TOMLByte.quote, TOMLByte.apostrophe:
            try peek(1) == byte && peek(2) == byte ? multilineString(quote: byte) : singleLineString()
        case TOMLByte.openBracket: try array()
        case TOMLByte.openBrace: try inlineTable()
        case UInt8(ascii: "t"): try word("true")
        case UInt8(ascii: "f"): try word("false")
        case UInt8(ascii: "i"): try word("inf")
        case UInt8(ascii: "n"): try word("nan")
        case UInt8(ascii: "+"), UInt8(ascii: "-"), TOMLByte.zero...TOMLByte.nine: try numberOrDateTime()
        default: throw violation("expected a value, found \(found())")
        }
    }

    /// `[ values, ]`: elements may spread over lines, with comments between them, and end with a comma.
    mutating func array() throws(Violation) {
        let open = index
        try enterNesting()
        index += 1
        while true {
            try skipBlanksCommentsAndNewlines()
            guard let byte = peek() else {
                throw Violation(offset: open, problem: "the array is not closed (expected ']')")
            }
            if byte == TOMLByte.closeBracket { break }
            guard Self.canStartValue(byte) else {
                throw violation("expected an array element or ']', found \(found())")
            }
            try value()
            try skipBlanksCommentsAndNewlines()
            if peek() == TOMLByte.comma {
                index += 1
            } else if peek() == TOMLByte.closeBracket {
                break
            } else if index < bytes.count {
                throw violation("expected ',' or ']' after an array element, found \(found())")
            }
        }
        index += 1
        depth -= 1
    }

    /// `{ key = value, ... }` on one line (TOML 1.0: no line break between its entries, no trailing comma).
    mutating func inlineTable() throws(Violation) {
        try enterNesting()
        index += 1
        skipBlanks()
        if peek() == TOMLByte.closeBrace {
            index += 1
            depth -= 1
            return
        }
        while true {
            guard let byte = peek(), Self.canStartKey(byte) else {
                throw violation(peek() == nil || peek() == TOMLByte.lineFeed || peek() == TOMLByte.carriageReturn
                    ? "an inline table must end on the line where it starts (expected '}')"
                    : "expected a key in the inline table, found \(found())")
            }
            try keyValue()
            skipBlanks()
            if peek() == TOMLByte.comma {
                index += 1
                skipBlanks()
            } else if peek() == TOMLByte.closeBrace {
                index += 1
                depth -= 1
                return
            } else {
                throw violation(peek() == nil || peek() == TOMLByte.lineFeed || peek() == TOMLByte.carriageReturn
                    ? "an inline table must end on the line where it starts (expected '}')"
                    : "expected ',' or '}' after a value in the inline table, found \(found())")
            }
        }
    }

    mutating func enterNesting() throws(Violation) {
        depth += 1
        guard depth <= Self.maxDepth else {
            throw violation("arrays and inline tables nest more than \(Self.maxDepth) deep")
        }
    }

    /// `true`, `false`, `inf` or `nan`, exactly.
    mutating func word(_ word: StaticString) throws(Violation) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected)
        else { throw violation("expected a value, found \(found())") }
        index += expected.count
    }
}
