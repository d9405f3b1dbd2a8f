/// The walk over a /proc/PID/smaps text that its parsers share: each mapping's header line, then its field lines.
enum SmapsText {
    /// Calls `body` with the start address, line number and text of every field line of the mappings in `text`
    /// whose start address is in `starts`.
    static func forEachField(
        in text: String, mappingsStartingAt starts: Set<UInt64>,
        _ body: (UInt64, Int, Substring) throws(ProcTextParseError) -> Void
    ) throws(ProcTextParseError) {
        var current: UInt64?
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            guard let first = line.first else { continue }
            if first.isHexDigit, let dash = line.firstIndex(of: "-"),
               let start = UInt64(line[line.startIndex..<dash], radix: 16), line[dash...].contains(" ") {
                current = starts.contains(start) ? start : nil
                continue
            }
            guard let mapping = current else { continue }
            try body(mapping, lineNumber, line)
        }
    }

    /// The bytes of a `Name:   1234 kB` field line.
    ///
    /// - Throws: `ProcTextParseError` when the line does not end in a size in kB.
    static func kilobytes(_ line: Substring, number: Int) throws(ProcTextParseError) -> UInt64 {
        let fields = line.split(separator: " ")
        guard fields.count >= 3, fields[2] == "kB", let kib = UInt64(fields[1]) else {
            throw ProcTextParseError(line: number, problem: "a \(fields.first ?? "") line without a size in kB",
                                     text: String(line))
        }
        let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
        guard !overflow else { throw ProcTextParseError(line: number, problem: "a size that overflows 64 bits") }
        return bytes
    }
}
