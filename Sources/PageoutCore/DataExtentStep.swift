/// One step of a SEEK_DATA/SEEK_HOLE walk over a file range, checked: the offsets come from the kernel about a
/// file the VMM's owner controls (a FUSE file can answer anything), so a step that does not advance or leaves
/// the range ends the walk with an error instead of looping or building an invalid `Range` (which traps).
public enum DataExtentStep {
    /// The data extent found from `cursor`: SEEK_DATA answered `dataStart`, SEEK_HOLE from there `holeStart`.
    ///
    /// - Returns: the extent clipped to `bounds` (never empty), or nil when the data starts past `bounds`.
    /// - Throws: `DataExtentError` when the answers go backwards or do not advance.
    public static func extent(
        cursor: UInt64, dataStart: UInt64, holeStart: UInt64, bounds: Range<UInt64>
    ) throws(DataExtentError) -> Range<UInt64>? {
        guard dataStart >= cursor else { throw DataExtentError(cursor: cursor, dataStart: dataStart, holeStart: nil) }
        if dataStart >= bounds.upperBound { return nil }
        guard dataStart >= bounds.lowerBound, holeStart > dataStart else {
            throw DataExtentError(cursor: cursor, dataStart: dataStart, holeStart: holeStart)
        }
        return dataStart..<min(holeStart, bounds.upperBound)
    }
}

/// The file's SEEK_DATA/SEEK_HOLE answers made no progress: what the kernel said from which offset.
public struct DataExtentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offset the walk was at.
    public var cursor: UInt64
    /// SEEK_DATA's answer.
    public var dataStart: UInt64
    /// SEEK_HOLE's answer, nil when SEEK_DATA's was already wrong.
    public var holeStart: UInt64?

    public var description: String {
        guard let holeStart else { return "SEEK_DATA from offset \(cursor) went back to \(dataStart)" }
        return "SEEK_HOLE from data at offset \(dataStart) answered \(holeStart) (SEEK_DATA from \(cursor))"
    }
}
