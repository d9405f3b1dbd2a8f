import Foundation

/// Text for people and JSON for scripts from the control API's replies: pure, so tests check it without a socket.
public enum Rendering {
    /// `count` bytes for a table: "0 B", "512 B", "1.5 KiB", "1.0 GiB", "412 MiB". One decimal below 10 of a
    /// unit, whole numbers above; powers of 1024.
    public static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        guard count >= 1024 else { return "\(count) B" }
        var unit = 0
        var value = Double(count)
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if value < 9.95 {
            return String(format: "%.1f %@", value, units[unit])
        }
        let whole = value.rounded()
        if whole >= 1024, unit < units.count - 1 {
            return "1.0 \(units[unit + 1])"
        }
        return "\(Int(whole)) \(units[unit])"
    }

    /// The daemon's one-line summary: regions, scans, totals, and what holds pageout back.
    ///
    /// E.g. `2 regions (1 active), 15 scans, 1.0 GiB swapped, 412 MiB paged out, dry run`.
    public static func summary(_ status: WireStatus) -> String {
        let active = status.regions.filter { $0.state == "active" }.count
        let noun = status.regions.count == 1 ? "region" : "regions"
        var line = "\(status.regions.count) \(noun) (\(active) active), \(status.scans) scans, "
            + "\(bytes(status.swapped)) swapped, \(bytes(status.paged_out)) paged out"
        if let held = status.held_by { line += ", pageout held: \(held)" }
        if status.dry_run { line += ", dry run" }
        if let problem = status.reload_problem {
            line += ", reload failed: \(problem) (running on the previous configuration)"
        }
        return oneLine(line)
    }

    /// The column headings of a region table.
    public static let regionColumns = [
        "REGION", "PID", "SIZE", "WORKING SET", "MAPPED", "SWAPPED", "COLD", "HOT", "WARM", "PAGED OUT", "REFAULTS",
        "REFAULTS/MIN", "STATE",
    ]

    /// One table row: the cells under `regionColumns`. STATE is the state and, when there is one, its reason.
    public static func regionRow(_ region: WireRegion) -> [String] {
        [
            region.name,
            region.pid.map(String.init) ?? "-",
            bytes(region.size),
            bytes(region.working_set),
            bytes(region.mapped),
            bytes(region.swapped),
            bytes(region.cold),
            bytes(region.hot),
            bytes(region.warm),
            bytes(region.paged_out),
            String(region.refaults),
            "\(region.refault_rate)/\(region.refault_target)",
            region.reason.map { "\(region.state) (\(oneLine($0)))" } ?? region.state,
        ]
    }

    /// A table of `regions`: a heading line and a line per region; names and states left-aligned, numbers
    /// right-aligned, two spaces between columns, no trailing spaces. Ends with a newline.
    public static func regionTable(_ regions: [WireRegion]) -> String {
        table(header: regionColumns, rows: regions.map(regionRow), leftAligned: [0, regionColumns.count - 1])
    }

    /// `pageoutctl status`: the summary line, the region table, then a line per region whose memory other
    /// processes map (why memory stays resident).
    public static func statusText(_ status: WireStatus) -> String {
        summary(status) + "\n" + regionTable(status.regions)
            + status.regions.compactMap(otherMappersLine).map { $0 + "\n" }.joined()
    }

    /// E.g. `vm1: 58 MiB held by other mappers (the kernel will not page out pages two processes map): pid 812
    /// (virtiofsd)`; nil when no other process maps the region's memory.
    public static func otherMappersLine(_ region: WireRegion) -> String? {
        guard region.held_by_other_mappers > 0 || !region.other_mappers.isEmpty else { return nil }
        let mappers = region.other_mappers.map { "pid \($0.pid) (\($0.command))" }.joined(separator: ", ")
        return oneLine("\(region.name): \(bytes(region.held_by_other_mappers)) held by other mappers (the kernel "
            + "will not page out pages two processes map): \(mappers.isEmpty ? "not found yet" : mappers)")
    }

    /// A table of `rows` under `header`, columns padded to their widest cell. The columns in `leftAligned` are
    /// padded on the right, the others on the left.
    public static func table(header: [String], rows: [[String]], leftAligned: Set<Int>) -> String {
        let lines = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for line in lines {
            for (column, cell) in line.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.count)
            }
        }
        var text = ""
        for line in lines {
            var cells: [String] = []
            for (column, cell) in line.enumerated() where column < widths.count {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                cells.append(leftAligned.contains(column) ? cell + padding : padding + cell)
            }
            var row = cells.joined(separator: "  ")
            while row.hasSuffix(" ") { row.removeLast() }
            text += row + "\n"
        }
        return text
    }

    /// `value` as JSON text with sorted keys and unescaped slashes: indented for people, or on one line (for
    /// one object per line). No trailing newline.
    public static func json(_ value: JSONValue, pretty: Bool) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty
            ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            : [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            preconditionFailure("a JSONValue always encodes: \(error)")
        }
    }

    /// `text` with line breaks and tabs turned into spaces, so a message from the daemon stays on one line.
    public static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }
}
