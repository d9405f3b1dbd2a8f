import PageoutCore

/// /proc/pressure/memory: `MemoryPressure.parse`; every average it accepts is a percentage.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPressure(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let pressure = try? MemoryPressure.parse(fuzzText(data, size)) else { return 0 }
    for stall in [pressure.some, pressure.full] {
        for average in [stall.avg10, stall.avg60, stall.avg300] {
            invariant(average >= 0 && average <= 100, "average \(average) is not a percentage")
        }
    }
    return 0
}
