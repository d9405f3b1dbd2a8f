/// Memory pressure stall information: /proc/pressure/memory.
///
/// ```
/// some avg10=0.00 avg60=0.00 avg300=0.09 total=4456937
/// full avg10=0.00 avg60=0.00 avg300=0.09 total=4456937
/// ```
/// `some` is the share of time at least one task stalled on memory, `full` the share all non-idle tasks did
/// (Documentation/accounting/psi.rst).
public struct MemoryPressure: Sendable, Hashable {
    /// The `some` line: time at least one task waited for memory.
    public var some: PressureStall
    /// The `full` line: time every non-idle task waited for memory at once.
    public var full: PressureStall

    /// The figures of both lines.
    public init(some: PressureStall, full: PressureStall) {
        self.some = some
        self.full = full
    }

    /// Parses /proc/pressure/memory: one `some` and one `full` line, in either order.
    public static func parse(_ text: String) throws(ProcTextParseError) -> MemoryPressure {
        var some: PressureStall?
        var full: PressureStall?
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let columns = line.blankSeparatedColumns
            guard let kind = columns.first else { continue }
            let stall = try PressureStall(columns: columns.dropFirst(), line: number, text: line)
            switch kind {
            case "some" where some == nil: some = stall
            case "full" where full == nil: full = stall
            case "some", "full":
                throw ProcTextParseError(line: number, problem: "second \"\(kind)\" line", text: String(line))
            default:
                throw ProcTextParseError(line: number, problem: "unknown line \"\(kind)\" (expected some or full)",
                                         text: String(line))
            }
        }
        guard let some else { throw ProcTextParseError(line: 0, problem: "no \"some\" line") }
        guard let full else { throw ProcTextParseError(line: 0, problem: "no \"full\" line") }
        return MemoryPressure(some: some, full: full)
    }
}

/// One line of a PSI file: stall-time percentages averaged over 10 s, 60 s and 300 s, and the total.
public struct PressureStall: Sendable, Hashable {
    /// Percent of the last 10 seconds stalled.
    public var avg10: Double
    /// Percent of the last 60 seconds stalled.
    public var avg60: Double
    /// Percent of the last 300 seconds stalled.
    public var avg300: Double
    /// Total stall time since boot, in microseconds.
    public var totalMicroseconds: UInt64

    /// The figures of one line; the averages are percentages (0...100), the total in microseconds.
    public init(avg10: Double, avg60: Double, avg300: Double, totalMicroseconds: UInt64) {
        self.avg10 = avg10
        self.avg60 = avg60
        self.avg300 = avg300
        self.totalMicroseconds = totalMicroseconds
    }

    /// Parses `avg10=.. avg60=.. avg300=.. total=..` (the columns after `some` or `full`) of line `line`.
    init(columns: ArraySlice<Substring>, line: Int, text: Substring) throws(ProcTextParseError) {
        func fail(_ problem: String) -> ProcTextParseError {
            ProcTextParseError(line: line, problem: problem, text: String(text))
        }
        var values: [Substring: Substring] = [:]
        for column in columns {
            let pair = column.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, values[pair[0]] == nil else {
                throw fail("bad column \"\(column)\" (expected key=value, each key once)")
            }
            values[pair[0]] = pair[1]
        }
        func average(_ key: Substring) throws(ProcTextParseError) -> Double {
            guard let text = values[key] else { throw fail("no \(key)=") }
            guard let value = Double(text), value >= 0, value <= 100 else {
                throw fail("bad \(key) \"\(text)\" (expected a percentage)")
            }
            return value
        }
        avg10 = try average("avg10")
        avg60 = try average("avg60")
        avg300 = try average("avg300")
        guard let totalText = values["total"] else { throw fail("no total=") }
        guard let total = UInt64(totalText) else { throw fail("bad total \"\(totalText)\" (expected microseconds)") }
        totalMicroseconds = total
    }
}
