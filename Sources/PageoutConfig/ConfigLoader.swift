import PageoutCore
import TOMLKit

/// Reads pageoutd's TOML config file into a `PageoutConfiguration`.
///
/// Every problem of a file is reported, not only the first, each as one line naming the file, the line, the key
/// and what is wrong. Nothing is ignored: an unknown key, a value of the wrong type or a value without a unit is an
/// error.
public enum ConfigLoader {
    /// The largest config file read: far more than any real one, small enough to hold in memory.
    public static let maxFileSize = 4 << 20

    /// Reads and decodes the file at `path`; messages name the file as `path` is written.
    ///
    /// - Throws: `ConfigErrors` when the file cannot be read, is not UTF-8 text, is not TOML, or does not describe
    ///   a valid configuration.
    public static func load(path: String) throws(ConfigErrors) -> PageoutConfiguration {
        let bytes: [UInt8]
        do throws(ConfigError) {
            bytes = try ConfigFile.contents(path: path, limit: maxFileSize)
        } catch {
            throw ConfigErrors([error])
        }
        return try parse(bytes: bytes, fileName: path)
    }

    /// Decodes a config file's bytes; `fileName` names it in messages.
    ///
    /// - Throws: `ConfigErrors` as `load(path:)`.
    public static func parse(bytes: [UInt8], fileName: String) throws(ConfigErrors) -> PageoutConfiguration {
        if let line = ConfigFile.invalidUTF8Line(bytes) {
            throw ConfigErrors([ConfigError(file: fileName, line: line, problem: "not valid UTF-8 text")])
        }
        return try parse(String(decoding: bytes, as: UTF8.self), fileName: fileName)
    }

    /// Decodes a config file's text; `fileName` names it in messages.
    ///
    /// - Throws: `ConfigErrors`, ordered by line: a TOML syntax error alone (with its column), or every problem of
    ///   keys and values.
    public static func parse(_ file: String, fileName: String) throws(ConfigErrors) -> PageoutConfiguration {
        // A byte order mark may start the file and starts no line: the grammar check below must see the first line
        // as toml++ does (a malformed table header behind one reached toml++'s assertion, found by the fuzzer).
        // toml++ is handed the text without it; a second one is a character the grammar refuses.
        let text = file.first == "\u{FEFF}" ? String(file.dropFirst()) : file
        // TOML allows no control character but tab outside escapes. Refused here, before TOMLKit: it hands the
        // text to C++ as a C string, which would silently end at a NUL, and toml++ asserts (aborts the process,
        // where its assertions are compiled in) on some in table headers.
        if let control = text.utf8.firstIndex(where: Self.isForbiddenControl) {
            let before = text.utf8[..<control]
            let line = before.count(where: { $0 == UInt8(ascii: "\n") }) + 1
            let column = before.count - (before.lastIndex(of: UInt8(ascii: "\n")).map { before.distance(
                from: before.startIndex, to: $0) + 1 } ?? 0) + 1
            let code = String(text.utf8[control], radix: 16, uppercase: true)
            let name = text.utf8[control] == 0 ? "a NUL character" : "a control character"
            let padded = String(repeating: "0", count: 4 - code.count) + code
            throw ConfigErrors([ConfigError(file: fileName, line: line, column: column,
                                            problem: "contains \(name) (U+\(padded)): TOML allows none but tab "
                                                + "outside escapes")])
        }
        // toml++ sees only text that follows TOML's grammar: it asserts (aborts the process) on some that does not.
        if let (line, column, problem) = TOMLGrammar.firstViolation(in: text) {
            throw ConfigErrors([ConfigError(file: fileName, line: line, column: column,
                                            problem: "invalid TOML: \(problem)")])
        }
        let root: ConfigDecoder.Table
        do {
            root = try TOMLNode.tableEntries(TOMLTable(string: text))
        } catch let error as TOMLParseError {
            let position = error.source.begin
            throw ConfigErrors([ConfigError(file: fileName, line: position.line, column: position.column,
                                            problem: "invalid TOML: \(error.description)")])
        } catch {
            throw ConfigErrors([ConfigError(file: fileName, problem: "invalid TOML: \(error)")])
        }
        var decoder = ConfigDecoder()
        let configuration = decoder.decode(root)
        guard !decoder.issues.isEmpty else { return configuration }
        let lines = KeyLines(text: text)
        let errors = decoder.issues.enumerated().map { order, issue in
            (order, ConfigError(file: fileName, line: lines.line(for: issue.key), key: issue.key,
                                problem: issue.problem))
        }
        throw ConfigErrors(errors.sorted { ($0.1.line ?? .max, $0.0) < ($1.1.line ?? .max, $1.0) }.map(\.1))
    }
}

extension ConfigLoader {
    /// True for a byte of a control character TOML never allows unescaped: U+0000-U+001F but tab, line feed and
    /// carriage return (line ends), and U+007F.
    static func isForbiddenControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F
    }
}

extension TOMLNode {
    /// The entries of a parsed document's top table.
    static func tableEntries(_ table: TOMLTable) -> ConfigDecoder.Table {
        guard case .table(let entries) = TOMLNode(table: table) else { return [] }
        return entries
    }
}
