import PageoutCore

/// /proc/meminfo: `MemInfo.parse` and the swap summary built from it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMemInfo(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let info = try? MemInfo.parse(fuzzText(data, size)) else { return 0 }
    invariant(info.fields["MemTotal"] == info.totalBytes, "MemTotal is not the parsed field")
    let status = SwapStatus(devices: [], memInfo: info)
    invariant(status.usedBytes <= status.totalBytes, "\(status): more used than the total")
    _ = status.description
    return 0
}
