/// The figures of /proc/meminfo that pageoutd uses, in bytes.
public struct MemInfo: Sendable, Hashable {
    /// MemTotal: usable RAM.
    public var totalBytes: UInt64
    /// MemAvailable: the kernel's estimate of memory available for new work without swapping.
    public var availableBytes: UInt64
    /// Shmem: shared memory in the page cache (memfd and /dev/shm guest RAM is counted here).
    public var shmemBytes: UInt64
    /// SwapTotal: the size of all active swap.
    public var swapTotalBytes: UInt64
    /// SwapFree: the unused part of it.
    public var swapFreeBytes: UInt64
    /// Every field of the file: `kB` figures converted to bytes, figures without a unit (HugePages_Total) as printed.
    public var fields: [String: UInt64]

    /// The five figures in bytes; `fields` defaults to exactly these five under their meminfo names.
    public init(
        totalBytes: UInt64, availableBytes: UInt64, shmemBytes: UInt64, swapTotalBytes: UInt64, swapFreeBytes: UInt64,
        fields: [String: UInt64]? = nil
    ) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.shmemBytes = shmemBytes
        self.swapTotalBytes = swapTotalBytes
        self.swapFreeBytes = swapFreeBytes
        self.fields = fields ?? [
            "MemTotal": totalBytes, "MemAvailable": availableBytes, "Shmem": shmemBytes,
            "SwapTotal": swapTotalBytes, "SwapFree": swapFreeBytes,
        ]
    }

    /// Parses /proc/meminfo: lines `Name:   12345 kB` (or without unit).
    ///
    /// - Throws: `ProcTextParseError` for a malformed line, or when MemTotal, MemAvailable, Shmem, SwapTotal or
    ///   SwapFree is missing.
    public static func parse(_ text: String) throws(ProcTextParseError) -> MemInfo {
        var fields: [String: UInt64] = [:]
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if line.trimmingBlanks.isEmpty { continue }
            func fail(_ problem: String) -> ProcTextParseError {
                ProcTextParseError(line: number, problem: problem, text: String(line))
            }
            guard let colon = line.firstIndex(of: ":") else { throw fail("no colon (expected Name: value [kB])") }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].blankSeparatedColumns
            guard !name.isEmpty, value.count == 1 || (value.count == 2 && value[1] == "kB") else {
                throw fail("bad field (expected Name: value [kB])")
            }
            guard let figure = UInt64(value[0]) else { throw fail("bad value \"\(value[0])\" for \(name)") }
            if value.count == 2 {
                let (bytes, overflow) = figure.multipliedReportingOverflow(by: 1024)
                guard !overflow else { throw fail("value \(figure) kB of \(name) overflows 64 bits") }
                fields[name] = bytes
            } else {
                fields[name] = figure
            }
        }
        func required(_ name: String) throws(ProcTextParseError) -> UInt64 {
            guard let bytes = fields[name] else { throw ProcTextParseError(line: 0, problem: "no \(name) line") }
            return bytes
        }
        return MemInfo(
            totalBytes: try required("MemTotal"), availableBytes: try required("MemAvailable"),
            shmemBytes: try required("Shmem"), swapTotalBytes: try required("SwapTotal"),
            swapFreeBytes: try required("SwapFree"), fields: fields)
    }
}
