import PageoutCore

/// /proc/PID/maps: `MapsParser` and what the daemon does next with the mappings (finding a region's mappings).
///
/// Every mapping parsed starts at or before its end, its file range fits in 64 bits, and its single-spaced
/// rendering parses back to the same mapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMaps(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let mappings = try? MapsParser.parse(fuzzText(data, size)) else { return 0 }
    for mapping in mappings {
        invariant(mapping.start <= mapping.end, "\(mapping) ends before it starts")
        invariant(!mapping.offset.addingReportingOverflow(mapping.byteCount).overflow, "\(mapping): offset overflows")
        let again = try? MapsParser.parse(line: mapping.description)
        invariant(again == mapping, "\(mapping) parses back as \(again.map { "\($0)" } ?? "an error")")
        _ = (mapping.addresses, mapping.isShared, mapping.isDeleted, mapping.memfdName)
    }
    let sources: [RegionSource] = mappings.prefix(2).flatMap { mapping in
        [RegionSource.memfd(mapping.memfdName ?? ""), .shmPath(mapping.pathWithoutDeletedSuffix),
         .addressRange(start: mapping.start, end: mapping.end)]
    }
    for source in sources {
        guard let selected = try? source.mappings(in: mappings, pid: 1) else { continue }
        invariant(!selected.isEmpty, "\(source) selected no mapping without an error")
        invariant(zip(selected, selected.dropFirst()).allSatisfy { $0.start <= $1.start }, "\(source): not in order")
        invariant(selected.allSatisfy(\.isShared), "\(source) selected a private mapping")
    }
    return 0
}
