/// One LOAD line of the zipf workload: the figures of one second.
public struct GuestLoad: Sendable {
    /// Accesses done in that second.
    public let accesses: Int
    /// Accesses slower than 20 µs.
    public let slow: Int
    /// The 99.9th percentile access latency, in microseconds (to within 12.5%).
    public let p999Microseconds: Double
    /// Major page faults of the guest in that second.
    public let majorFaults: Int
    /// Of those, faults of pages that had faulted before: paged out again after the guest brought them back.
    public let repeatFaults: Int
    /// The largest delay behind the access schedule in that second, in milliseconds.
    public let lagMilliseconds: Double
    /// Pages of the working set.
    public let workingSetPages: Int
    /// Working-set moves so far.
    public let moves: Int
    /// Distinct pages accessed in the last `--recent-window` seconds: the guest's true recent working set.
    public let recentPages: Int

    /// Parses `line`, which starts with `LOAD`.
    public init(_ line: String) throws {
        let fields = GuestOutput.fields(of: line)
        let int = { (key: String) in Int(fields[key] ?? "") }
        let double = { (key: String) in Double(fields[key] ?? "") }
        guard line.hasPrefix("LOAD "), let accesses = int("accesses"), let slow = int("slow"),
              let p999 = double("p999_us"), let faults = int("majflt"),
              let repeats = int("majflt_repeat"), let lag = double("lag_ms"),
              let pages = int("ws_pages"), let moves = int("moves"), let recent = int("recent_pages")
        else { throw MeasureError("unparseable LOAD line: \(line)") }
        (self.accesses, self.slow, p999Microseconds, majorFaults) = (accesses, slow, p999, faults)
        repeatFaults = repeats
        (lagMilliseconds, workingSetPages, self.moves, recentPages) = (lag, pages, moves, recent)
    }
}
