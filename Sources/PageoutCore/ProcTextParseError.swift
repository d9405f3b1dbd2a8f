/// Text from a /proc file (stat, swaps, meminfo, pressure) that is not what the kernel prints.
///
/// The parsers do not know which file the text came from; the reader that does wraps the error with the path,
/// so an operator reads `/proc/swaps: line 2: bad size "x" (expected KiB) in "..."`.
public struct ProcTextParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line number, counting from 1 (0 when the problem is the text as a whole, e.g. a missing field).
    public var line: Int
    /// What is wrong, e.g. `bad start time "x" (field 22)`.
    public var problem: String
    /// The offending line (empty when `line` is 0).
    public var text: String

    /// Creates the error for line `line` with content `text`.
    public init(line: Int, problem: String, text: String = "") {
        self.line = line
        self.problem = problem
        self.text = text
    }

    public var description: String {
        line == 0 ? problem : "line \(line): \(problem) in \"\(text)\""
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingBlanks: SubSequence {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }

    /// The columns of a line separated by runs of spaces and tabs.
    var blankSeparatedColumns: [SubSequence] {
        split(whereSeparator: { $0 == " " || $0 == "\t" })
    }
}
