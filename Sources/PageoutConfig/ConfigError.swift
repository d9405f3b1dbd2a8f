import PageoutCore

/// One thing wrong with a config file, as one line: `pageoutd.toml:12: policy.cold_age: "5 minutes" is not a
/// duration (use e.g. "750ms", "30s", "2m", "1h")`.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file, as the caller named it.
    public var file: String
    /// The line (from 1) of the key, or of the table where a missing key belongs; nil when the problem is the
    /// file as a whole.
    public var line: Int?
    /// The column (from 1), for TOML syntax errors only.
    public var column: Int?
    /// The key in dotted form; nil for syntax errors and problems with the file as a whole.
    public var key: ConfigKeyPath?
    /// What is wrong: one sentence, no trailing period.
    public var problem: String

    /// An error in `file`, with its line, column and key where they are known.
    public init(file: String, line: Int? = nil, column: Int? = nil, key: ConfigKeyPath? = nil, problem: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.problem = problem
    }

    /// `file:line[:column]: [key: ]problem`.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": "
        if let key { text += "\(key): " }
        return text + problem
    }
}

/// Everything wrong with a config file, in line order: what `ConfigLoader` throws.
public struct ConfigErrors: Error, Sendable, Hashable, CustomStringConvertible {
    /// The errors, at least one, ordered by line.
    public var errors: [ConfigError]

    /// The list of `errors`: at least one, ordered by line.
    public init(_ errors: [ConfigError]) {
        self.errors = errors
    }

    /// One error per line.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
