/// One active swap device or file: a row of /proc/swaps.
///
/// ```
/// Filename                                Type            Size            Used            Priority
/// /dev/zram0                              partition       2097148         496             -2
/// ```
public struct SwapDevice: Sendable, Hashable {
    /// The device or file path (the kernel's octal escapes of spaces, tabs, newlines and backslashes undone).
    public var filename: String
    /// `partition` or `file`.
    public var type: String
    /// The size in KiB.
    public var sizeKiB: UInt64
    /// The used part in KiB.
    public var usedKiB: UInt64
    /// Higher is used first; negative values are the kernel's defaults.
    public var priority: Int

    /// A row with sizes in KiB, as /proc/swaps prints them.
    public init(filename: String, type: String, sizeKiB: UInt64, usedKiB: UInt64, priority: Int) {
        self.filename = filename
        self.type = type
        self.sizeKiB = sizeKiB
        self.usedKiB = usedKiB
        self.priority = priority
    }

    /// The size in bytes.
    public var sizeBytes: UInt64 { sizeKiB * 1024 }
    /// The used part in bytes.
    public var usedBytes: UInt64 { usedKiB * 1024 }
    /// The free part in bytes.
    public var freeBytes: UInt64 { sizeBytes - min(usedBytes, sizeBytes) }

    /// Parses /proc/swaps: a header line, then one row per active device (none when swap is off).
    public static func parseSwaps(_ text: String) throws(ProcTextParseError) -> [SwapDevice] {
        var devices: [SwapDevice] = []
        var sawHeader = false
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let columns = line.blankSeparatedColumns
            if columns.isEmpty { continue }
            guard sawHeader else {
                guard columns.first == "Filename" else {
                    throw ProcTextParseError(line: number, problem: "missing header (expected Filename Type ...)",
                                             text: String(line))
                }
                sawHeader = true
                continue
            }
            func fail(_ problem: String) -> ProcTextParseError {
                ProcTextParseError(line: number, problem: problem, text: String(line))
            }
            guard columns.count == 5 else { throw fail("\(columns.count) columns (expected 5)") }
            guard let size = UInt64(columns[2]) else { throw fail("bad size \"\(columns[2])\" (expected KiB)") }
            guard let used = UInt64(columns[3]) else { throw fail("bad used \"\(columns[3])\" (expected KiB)") }
            guard let priority = Int(columns[4]) else { throw fail("bad priority \"\(columns[4])\"") }
            // sizeBytes and usedBytes multiply by 1024: a figure that overflows there is not a real device's.
            guard size <= UInt64.max / 1024, used <= UInt64.max / 1024 else {
                throw fail("size or used KiB overflows 64 bits in bytes")
            }
            devices.append(SwapDevice(
                filename: unescapeOctal(columns[0]), type: String(columns[1]),
                sizeKiB: size, usedKiB: used, priority: priority))
        }
        guard sawHeader else { throw ProcTextParseError(line: 0, problem: "empty text (expected a header line)") }
        return devices
    }

    /// Undoes the kernel's `\ooo` escapes (`mangle_path`): `/swap\040file` is `/swap file`.
    static func unescapeOctal(_ text: Substring) -> String {
        guard text.contains("\\") else { return String(text) }
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count,
               let value = octalByte(utf8[(index + 1)..<(index + 4)]) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Three octal digits as a byte; nil for anything else.
    private static func octalByte(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }
}

/// Whether swap can take pages right now: without it, MADV_PAGEOUT on shmem only unmaps pages and saves nothing.
public struct SwapStatus: Sendable, Hashable, CustomStringConvertible {
    /// The active devices, as /proc/swaps lists them.
    public var devices: [SwapDevice]
    /// SwapTotal from /proc/meminfo, in bytes.
    public var totalBytes: UInt64
    /// SwapFree from /proc/meminfo, in bytes.
    public var freeBytes: UInt64

    /// The summary of `devices`, with meminfo's totals in bytes.
    public init(devices: [SwapDevice], totalBytes: UInt64, freeBytes: UInt64) {
        self.devices = devices
        self.totalBytes = totalBytes
        self.freeBytes = freeBytes
    }

    /// Creates the summary from /proc/swaps's devices and /proc/meminfo's SwapTotal and SwapFree.
    public init(devices: [SwapDevice], memInfo: MemInfo) {
        self.init(devices: devices, totalBytes: memInfo.swapTotalBytes, freeBytes: memInfo.swapFreeBytes)
    }

    /// The number of active swap devices.
    public var deviceCount: Int { devices.count }

    /// The used part in bytes.
    public var usedBytes: UInt64 { totalBytes - min(freeBytes, totalBytes) }

    /// True when at least one device is active and some of it is free.
    public var isUsable: Bool { unusableReason == nil }

    /// Why swap cannot take pages, as a sentence for the daemon's status; nil when it can.
    public var unusableReason: String? {
        if devices.isEmpty { return "no swap is active" }
        if freeBytes == 0 { return "swap is full (\(totalBytes / 1024) KiB on \(deviceCount) device(s))" }
        return nil
    }

    public var description: String {
        unusableReason ?? "\(freeBytes / 1024) KiB of \(totalBytes / 1024) KiB swap free on \(deviceCount) device(s)"
    }
}
