/// A pid file's contents: one positive decimal pid, optionally followed by a newline (and nothing else).
public enum PidFile {
    /// The most bytes a pid file may hold: a pid and a newline with room to spare.
    public static let sizeLimit = 64

    /// The pid in `text`, or a sentence saying what is wrong with it.
    ///
    /// The sentence never quotes the text: a pid file may be a link to a file the caller must not read.
    public static func parse(_ text: String) -> Result<Int32, PidFileError> {
        let trimmed = text.trimmingWhitespaceAndNewlines
        guard !trimmed.isEmpty else { return .failure(PidFileError(problem: "is empty")) }
        guard let pid = Int32(trimmed), pid > 0 else {
            return .failure(PidFileError(problem: "does not hold a pid (\(text.utf8.count) bytes)"))
        }
        return .success(pid)
    }
}

/// What is wrong with a pid file's contents.
public struct PidFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A phrase completing "the pid file ...".
    public var problem: String
    public var description: String { problem }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespaceAndNewlines: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
