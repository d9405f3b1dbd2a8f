import Testing
@testable import PageoutConfig

@Suite("TOML grammar: what toml++ is never handed")
struct TOMLGrammarTests {
    /// Documents that follow TOML 1.0's grammar, each construct at least once.
    static let valid: [String] = [
        "",
        "# only a comment\n\n   \t\n",
        "a = 1\r\nb = 2\r\n",
        "bare_key-1 = true\n\"quoted key\" = false\n'literal key' = 1\na . \"b\" . c = 2\n1234 = 3\n3.14 = 4\n",
        "[table]\n[ table . sub ]\n[[array]]\n[[ array ]] # comment\n['quoted'.\"key\"]\n",
        "s = \"tab\\there \\\"quoted\\\" \\\\ \\u00e9 \\U0001F600 \\b\\f\\n\\r\"\n",
        "s = 'C:\\path\\no escapes'\n",
        "s = \"\"\"\nline one\n  \\\n   joined \"quoted\" \"\"quoted\"\" \"\"\"\"\"\n",
        "s = '''\nraw \\ text '' ''''\n",
        "s = \"\"\"\\\n\t\n\n  \"\"\"\n",
        "i = [+1, -0, 0, 1_000, 0xDEAD_beef, 0o755, 0b1010]\n",
        "f = [1.0, -3.5e-2, 6E+23, 9_224.617_445, 1e06, inf, +inf, -nan, nan, 0.0]\n",
        "d = [1979-05-27, 1979-05-27T07:32:00Z, 1979-05-27t07:32:00.999999-07:00, 1979-05-27 07:32:00, 07:32:00.5]\n",
        "d = 2024-02-29T23:59:60+14:00\n",
        "a = [\n  1, # one\n  2,\n  # alone\n  [3, [4]],\n  { x = 1 },\n]\n",
        "t = {}\nu = { a = 1, b.c = \"x\", d = { e = [1,\n 2] } }\n",
        "a = [ ]\nb = [[], [[]]]\n",
        "k = \"é ü 中文\" # ünïcödé comment\n",
    ]

    @Test("documents that follow the grammar pass", arguments: valid)
    func validDocuments(_ text: String) {
        #expect(TOMLGrammar.firstViolation(in: text) == nil)
    }

    /// A document that leaves the grammar, and where and why.
    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var line: Int
        var column: Int
        var problem: String
        var testDescription: String { problem }
    }

    static let invalid: [Case] = [
        Case(text: "= 1\n", line: 1, column: 1, problem: "expected a key, a table header or a comment, found '='"),
        Case(text: "a = \n", line: 1, column: 5, problem: "expected a value, found the end of the line"),
        Case(text: "a = 1 2\n", line: 1, column: 7, problem: "expected the end of the line, found '2'"),
        Case(text: "a 1\n", line: 1, column: 3, problem: "expected '=' after the key, found '1'"),
        Case(text: "a. = 1\n", line: 1, column: 4, problem: "expected a key after '.', found '='"),
        Case(text: "a = 1\rb = 2\n", line: 1, column: 6, problem: "a carriage return must be followed by a line feed"),
        Case(text: "[a\n", line: 1, column: 3, problem: "expected ']' to end the table header, found the end of the line"),
        Case(text: "[[a] ]\n", line: 1, column: 4, problem: "expected ']]' to end the table header, found ']'"),
        Case(text: "[]\n", line: 1, column: 2, problem: "a table header must begin with a key"),
        Case(text: "[a]\n[\\b]\n", line: 2, column: 2, problem: "a table header must begin with a key"),
        Case(text: "[a] b = 1\n", line: 1, column: 5, problem: "expected the end of the line, found 'b'"),
        Case(text: "s = \"open\n", line: 1, column: 10,
             problem: "a string must end on the line where it starts (use \"\"\" for text of several lines)"),
        Case(text: "s = \"open", line: 1, column: 5, problem: "the string is not closed (expected '\"')"),
        Case(text: "s = \"\\q\"\n", line: 1, column: 6,
             problem: "'\\' followed by 'q' is not an escape of TOML (use \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX or \\UXXXXXXXX)"),
        Case(text: "s = \"\\u12\"\n", line: 1, column: 6, problem: "a \\u escape needs 4 hex digits"),
        Case(text: "s = \"\\uD800\"\n", line: 1, column: 6,
             problem: "\\u escape of a value that is no Unicode character (a surrogate, or past U+10FFFF)"),
        Case(text: "s = \"\"\"a \\ b\"\"\"\n", line: 1, column: 10,
             problem: "'\\' followed by ' ' is not an escape of TOML (use \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX or \\UXXXXXXXX)"),
        Case(text: "s = \"\"\"a\"\"\"\"\"\"\n", line: 1, column: 9,
             problem: "a string can end with at most two quotes before its closing \"\"\""),
        Case(text: "s = '''open\n", line: 1, column: 5, problem: "the string is not closed (expected ''')"),
        Case(text: "s = 'a\u{7F}'\n", line: 1, column: 7, problem: "a control character must be escaped"),
        Case(text: "i = 012\n", line: 1, column: 5, problem: "a number must not start with a zero (leading zeros are not allowed)"),
        Case(text: "i = 1__0\n", line: 1, column: 6, problem: "an underscore in a number must stand between two digits"),
        Case(text: "i = 1_\n", line: 1, column: 6, problem: "an underscore in a number must stand between two digits"),
        Case(text: "i = -0x1\n", line: 1, column: 5, problem: "a hexadecimal, octal or binary integer takes no sign"),
        Case(text: "i = 0b102\n", line: 1, column: 9, problem: "expected the end of the line, found '2'"),
        Case(text: "f = 1.\n", line: 1, column: 7, problem: "expected a digit after the decimal point, found the end of the line"),
        Case(text: "f = .5\n", line: 1, column: 5, problem: "expected a value, found '.'"),
        Case(text: "f = 1e\n", line: 1, column: 7, problem: "expected a digit after the exponent's e, found the end of the line"),
        Case(text: "b = True\n", line: 1, column: 5, problem: "expected a value, found 'T'"),
        Case(text: "b = tru\n", line: 1, column: 5, problem: "expected a value, found 't'"),
        Case(text: "d = 1979-13-01\n", line: 1, column: 5, problem: "1979-13-01 is not a date of the calendar"),
        Case(text: "d = 2023-02-29\n", line: 1, column: 5, problem: "2023-02-29 is not a date of the calendar"),
        Case(text: "d = 1979-05-27T24:00:00\n", line: 1, column: 5, problem: "24:00:00 is not a time of the day"),
        Case(text: "d = 1979-05-27T07:32\n", line: 1, column: 5, problem: "expected a time as HH:MM:SS"),
        Case(text: "d = 1979-05-27T07:32:00+7:00\n", line: 1, column: 24, problem: "expected a time offset as +HH:MM or -HH:MM"),
        Case(text: "d = 1979-05-27T\n", line: 1, column: 5,
             problem: "a date-time needs a time (HH:MM:SS) after its T (and pageoutd takes no dates)"),
        // Found by the config fuzz target: toml++ asserts (aborts) on a date, a space and a digit that starts no time.
        Case(text: "[don]\nckesot_ppid =1981-05-02 2 d~anam\n", line: 2, column: 25,
             problem: "expected the end of the line, found '2'"),
        Case(text: "d = 1981-05-02 22:\n", line: 1, column: 5, problem: "expected a time as HH:MM:SS"),
        Case(text: "a = [1 2]\n", line: 1, column: 8, problem: "expected ',' or ']' after an array element, found '2'"),
        Case(text: "a = [1,,2]\n", line: 1, column: 8, problem: "expected an array element or ']', found ','"),
        Case(text: "a = [}]\n", line: 1, column: 6, problem: "expected an array element or ']', found '}'"),
        Case(text: "a = [1,\n2\n", line: 1, column: 5, problem: "the array is not closed (expected ']')"),
        Case(text: "t = {a = 1,}\n", line: 1, column: 12, problem: "expected a key in the inline table, found '}'"),
        Case(text: "t = {a = 1\n}\n", line: 1, column: 11,
             problem: "an inline table must end on the line where it starts (expected '}')"),
        Case(text: "t = {a = 1 b = 2}\n", line: 1, column: 12,
             problem: "expected ',' or '}' after a value in the inline table, found 'b'"),
        Case(text: "\u{FEFF}a = 1\n", line: 1, column: 1, problem: "expected a key, a table header or a comment, found U+FEFF"),
        Case(text: "a = 1\n\u{3000}b = 2\n", line: 2, column: 1,
             problem: "expected a key, a table header or a comment, found U+3000"),
        Case(text: "a = é\n", line: 1, column: 5, problem: "expected a value, found 'é'"),
        Case(text: "é = 1\n", line: 1, column: 1, problem: "expected a key, a table header or a comment, found 'é'"),
        Case(text: "k = \"é\" x\n", line: 1, column: 9, problem: "expected the end of the line, found 'x'"),
        Case(text: String(repeating: "a = [", count: 1) + String(repeating: "[", count: 64) + "\n", line: 1, column: 69,
             problem: "arrays and inline tables nest more than 64 deep"),
    ]

    @Test("documents that leave the grammar: the first place, and why", arguments: invalid)
    func invalidDocuments(_ example: Case) {
        let violation = TOMLGrammar.firstViolation(in: example.text)
        #expect(violation?.line == example.line)
        #expect(violation?.column == example.column)
        #expect(violation?.problem == example.problem)
    }

    @Test("the loader reports a violation with the file, line and column, and toml++ never sees the text")
    func loaderMessage() {
        #expect(errorLines("[policy]\ncold_age = \"3s\" trailing\n") == [
            "pageoutd.toml:2:17: invalid TOML: expected the end of the line, found 't'",
        ])
        // One byte order mark starts the file and is no character of it; a second one is.
        #expect(errorLines("\u{FEFF}[policy]\n") == [])
        #expect(errorLines("\u{FEFF}\u{FEFF}[policy]\n") == [
            "pageoutd.toml:1:1: invalid TOML: expected a key, a table header or a comment, found U+FEFF",
        ])
    }
}
