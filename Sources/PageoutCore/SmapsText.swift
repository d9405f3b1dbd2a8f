/// The walk over a /proc/PID/smaps text that its parsers share: each mapping's header line, then its field lines.
enum SmapsText {
    /// Calls `body` with the start address, line number and text of every field line of the mappings in `text`
    /// whose start address is in `starts`.
    ///
    /// The text is walked as bytes and only the chosen mappings' lines become strings: the daemon reads its own
    /// smaps, hundreds of mappings of which it wants one or two, for every region scan, and a walk by
    /// characters cost more than the pagemap scan itself.
    static func forEachField(
        in text: String, mappingsStartingAt starts: Set<UInt64>,
        _ body: (UInt64, Int, Substring) throws(ProcTextParseError) -> Void
    ) throws(ProcTextParseError) {
        var chosen: [(mapping: UInt64, number: Int, line: Substring)] = []
        var text = text
        text.withUTF8 { bytes in
            var current: UInt64?
            var lineNumber = 0
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                lineNumber += 1
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if let header = headerStart(line) {
                    current = starts.contains(header) ? header : nil
                } else if let mapping = current, !line.isEmpty {
                    chosen.append((mapping, lineNumber, String(decoding: line, as: UTF8.self)[...]))
                }
                start = end + 1
            }
        }
        for field in chosen {
            try body(field.mapping, field.number, field.line)
        }
    }

    /// The start address of a mapping header line (`7f0000000000-7f0040000000 rw-s ...`): hex digits up to the
    /// first `-`, a space after it; nil for any other line.
    private static func headerStart(_ line: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard let first = line.first, hexValue(first) != nil else { return nil }
        var value: UInt64 = 0
        var index = 0
        while index < line.count, line[index] != UInt8(ascii: "-") {
            guard let digit = hexValue(line[index]), value <= UInt64.max >> 4 else { return nil }
            value = value << 4 | UInt64(digit)
            index += 1
        }
        guard index < line.count, line[index...].contains(UInt8(ascii: " ")) else { return nil }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
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
