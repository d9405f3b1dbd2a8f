/// The lines `pageout-guestsim` prints: `KEYWORD key=value key=value ...`.
public enum GuestOutput {
    /// The `key=value` fields of `line`.
    public static func fields(of line: String) -> [String: String] {
        var result: [String: String] = [:]
        for word in line.split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }
}

/// The simulator's READY line: who it is and where its guest RAM lies.
public struct GuestReady: Sendable, Equatable {
    /// The simulator's pid: the VMM of the region.
    public let pid: Int32
    /// The first address of the guest RAM mapping.
    public let start: UInt64
    /// The address one past its end.
    public let end: UInt64
    /// The memfd's name.
    public let memfd: String
    /// Pages of guest RAM.
    public let pages: Int
    /// The hot set's pages (the zipf workload's working set).
    public let hotPages: Int
    /// Pages never written.
    public let holePages: Int

    /// Parses `line`, which starts with `READY`.
    public init(_ line: String) throws {
        let fields = GuestOutput.fields(of: line)
        let hex = { (key: String) -> UInt64? in
            guard let text = fields[key], text.hasPrefix("0x") else { return nil }
            return UInt64(text.dropFirst(2), radix: 16)
        }
        guard line.hasPrefix("READY "), let pid = fields["pid"].flatMap({ Int32($0) }), let start = hex("start"),
              let end = hex("end"), let memfd = fields["memfd"], let pages = fields["pages"].flatMap({ Int($0) }),
              let hot = fields["hot_pages"].flatMap({ Int($0) }), let holes = fields["hole_pages"].flatMap({ Int($0) })
        else { throw MeasureError("unparseable READY line: \(line)") }
        (self.pid, self.start, self.end, self.memfd) = (pid, start, end, memfd)
        (self.pages, hotPages, holePages) = (pages, hot, holes)
    }

    /// The path through which another process opens the guest's memfd.
    public var mapFilesPath: String {
        "/proc/\(pid)/map_files/" + String(start, radix: 16) + "-" + String(end, radix: 16)
    }
}
