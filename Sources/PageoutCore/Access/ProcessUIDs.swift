/// The user IDs of a process: the `Uid:` line of /proc/PID/status (real, effective, saved set, file system).
///
/// Every one of them is checked before a caller may act on the process: a set-user-ID program run by a tenant
/// keeps the tenant's real uid but acts as its owner.
public struct ProcessUIDs: Sendable, Hashable, CustomStringConvertible {
    /// The real, effective, saved set and file system uids, in the kernel's order.
    public var all: [UInt32]

    /// The uids in the kernel's order (real, effective, saved set, file system).
    public init(_ all: [UInt32]) {
        self.all = all
    }

    /// The real uid (the process's owner as `ps` shows it).
    public var real: UInt32 { all.first ?? 0 }

    public var description: String { all.map { "\($0)" }.joined(separator: "/") }

    /// Parses the text of /proc/PID/status for its `Uid:` line: four decimal uids separated by tabs.
    public static func parse(status text: String) throws(ProcTextParseError) -> ProcessUIDs {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.hasPrefix("Uid:") {
            let fields = line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " })
            let uids = fields.compactMap { UInt32($0) }
            guard fields.count == 4, uids.count == 4 else {
                throw ProcTextParseError(line: index + 1, problem: "expected four uids after Uid:", text: String(line))
            }
            return ProcessUIDs(uids)
        }
        throw ProcTextParseError(line: 0, problem: "no Uid: line")
    }
}
