import Foundation

/// The zipf workload's page classes, as `pageout-guestsim --working-set-file` writes them.
public struct GuestWorkingSet: Equatable, Sendable {
    /// What a page is to the workload.
    public enum PageClass: String, Sendable {
        /// In the working set: accessed with Zipf popularity.
        case ws
        /// In an earlier working set, no longer accessed.
        case retired
        /// Written before READY and never accessed.
        case never
        /// Never written.
        case hole
    }

    /// Working-set moves when the file was written.
    public let moves: Int
    /// Every page's class, by page index from the mapping's start.
    public let classes: [PageClass]

    /// Reads and checks the file at `path`: the runs must cover every page once and match the header's counts.
    public init(contentsOf path: String) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        guard let header = lines.first.map({ GuestSim.fields(of: String($0)) }),
              let moves = header["moves"].flatMap({ Int($0) }), let pageCount = header["pages"].flatMap({ Int($0) })
        else { throw TestFailure("\(path): no header line") }
        var classes: [PageClass] = []
        classes.reserveCapacity(pageCount)
        for line in lines.dropFirst() {
            let words = line.split(separator: " ")
            guard words.count == 3, let pageClass = PageClass(rawValue: String(words[0])),
                  let first = Int(words[1]), let count = Int(words[2]), first == classes.count, count > 0
            else { throw TestFailure("\(path): bad run line '\(line)'") }
            classes += repeatElement(pageClass, count: count)
        }
        (self.moves, self.classes) = (moves, classes)
        let counts = ["ws_pages": PageClass.ws, "retired_pages": .retired, "never_pages": .never, "hole_pages": .hole]
        for (key, pageClass) in counts where header[key].flatMap({ Int($0) }) != pages(pageClass).count {
            throw TestFailure("\(path): \(key) does not match the runs")
        }
        guard classes.count == pageCount else {
            throw TestFailure("\(path): runs cover \(classes.count) of \(pageCount) pages")
        }
    }

    /// The indices of the pages of class `pageClass`, in address order.
    public func pages(_ pageClass: PageClass) -> [Int] {
        classes.indices.filter { classes[$0] == pageClass }
    }
}

/// One LOAD line of the zipf workload: the figures of one second.
public struct GuestLoad: Sendable {
    public let accesses: Int
    public let slow: Int
    public let p999Microseconds: Double
    public let majorFaults: Int
    public let lagMilliseconds: Double
    public let workingSetPages: Int
    public let moves: Int
    public let recentPages: Int

    /// Parses `line`, which starts with `LOAD`.
    public init(_ line: String) throws {
        let fields = GuestSim.fields(of: line)
        let int = { (key: String) in Int(fields[key] ?? "") }
        let double = { (key: String) in Double(fields[key] ?? "") }
        guard line.hasPrefix("LOAD "), let accesses = int("accesses"), let slow = int("slow"),
              let p999 = double("p999_us"), let faults = int("majflt"), let lag = double("lag_ms"),
              let pages = int("ws_pages"), let moves = int("moves"), let recent = int("recent_pages")
        else { throw TestFailure("unparseable LOAD line: \(line)") }
        (self.accesses, self.slow, p999Microseconds, majorFaults) = (accesses, slow, p999, faults)
        (lagMilliseconds, workingSetPages, self.moves, recentPages) = (lag, pages, moves, recent)
    }
}

extension GuestSim {
    /// The next LOAD line of a zipf workload.
    public func nextLoad(timeout: Double = 10) throws -> GuestLoad {
        try GuestLoad(output.line(startingWith: "LOAD", timeout: timeout))
    }
}
