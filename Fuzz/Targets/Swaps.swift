import PageoutCore

/// /proc/swaps: `SwapDevice.parseSwaps` and the byte figures the guards compute from its rows.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSwaps(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let devices = try? SwapDevice.parseSwaps(fuzzText(data, size)) else { return 0 }
    for device in devices {
        invariant(device.freeBytes <= device.sizeBytes, "\(device): more free than its size")
        invariant(device.sizeBytes / 1024 == device.sizeKiB, "\(device): size in bytes is not its KiB")
        invariant(device.usedBytes / 1024 == device.usedKiB, "\(device): used bytes are not its KiB")
    }
    let status = SwapStatus(devices: devices, totalBytes: devices.first?.sizeBytes ?? 0,
                            freeBytes: devices.first?.freeBytes ?? 0)
    invariant(status.usedBytes <= status.totalBytes, "\(status): more used than the total")
    _ = status.description
    return 0
}
