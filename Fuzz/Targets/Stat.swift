import PageoutCore

/// /proc/PID/stat: `ProcessStat.parse`, whose command field may hold spaces and parentheses.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStat(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = fuzzText(data, size)
    guard let stat = try? ProcessStat.parse(text) else { return 0 }
    invariant(text.contains("(\(stat.command))"), "command \"\(stat.command)\" is not the text's")
    _ = stat.hasExited
    return 0
}
