import PageoutCore

/// /proc/PID/smaps: `SmapsSwap.swapBytes` for the mappings whose start addresses the text itself names.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSmaps(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = fuzzText(data, size)
    let starts = Set(text.split(separator: "\n").compactMap { line in
        line.split(separator: "-", maxSplits: 1).first.flatMap { UInt64($0, radix: 16) }
    })
    guard let swapped = try? SmapsSwap.swapBytes(in: text, mappingsStartingAt: starts) else { return 0 }
    for (start, bytes) in swapped {
        invariant(starts.contains(start), "a figure for 0x\(String(start, radix: 16)), which was not asked for")
        invariant(bytes % 1024 == 0, "\(bytes) bytes is not a number of KiB")
    }
    return 0
}
