import PageoutCore
import Testing

/// Numbers the kernel reports about files and processes a tenant controls, at their most hostile: every one
/// ends in an error, never a trap.
@Suite("Hostile numbers")
struct HostileNumberTests {
    private let bounds: Range<UInt64> = 4096..<(64 << 20)

    @Test func aDataExtentWithinTheRangeIsClippedToIt() throws {
        #expect(try DataExtentStep.extent(cursor: 4096, dataStart: 8192, holeStart: 16384, bounds: bounds)
            == 8192..<16384)
        #expect(try DataExtentStep.extent(cursor: 4096, dataStart: 8192, holeStart: .max, bounds: bounds)
            == 8192..<(64 << 20))
        #expect(try DataExtentStep.extent(cursor: 4096, dataStart: 64 << 20, holeStart: 0, bounds: bounds) == nil)
        #expect(try DataExtentStep.extent(cursor: 4096, dataStart: .max, holeStart: 0, bounds: bounds) == nil)
    }

    @Test(arguments: [
        (UInt64(8192), UInt64(4096), UInt64(16384)),  // SEEK_DATA went backwards
        (8192, 0, 0),  // SEEK_DATA went back to the file's start
        (8192, 12288, 12288),  // SEEK_HOLE did not advance: the walk would loop
        (8192, 12288, 4096),  // SEEK_HOLE went back before the data: the Range would trap
        (0, 0, 8192),  // data before the range
    ])
    func dataExtentsThatDoNotAdvanceAreErrors(cursor: UInt64, dataStart: UInt64, holeStart: UInt64) {
        #expect(throws: DataExtentError.self) {
            try DataExtentStep.extent(cursor: cursor, dataStart: dataStart, holeStart: holeStart, bounds: bounds)
        }
    }

    // Found by the swaps fuzz target: a row whose used KiB overflows in bytes trapped in usedBytes.
    @Test func swapFiguresThatOverflowInBytesAreErrors() throws {
        let header = "Filename Type Size Used Priority\n"
        for row in ["/dev/zram0 partition 4194300 6213023705161793535 -2",
                    "/dev/zram0 partition 18014398509481984 0 -2"] {
            #expect(throws: ProcTextParseError.self) { try SwapDevice.parseSwaps(header + row) }
        }
        let largest = UInt64.max / 1024
        #expect(try SwapDevice.parseSwaps(header + "/dev/zram0 partition \(largest) \(largest) -2").first?.usedBytes
            == largest * 1024)
    }

    @Test func anSmapsSwapFigureThatOverflowsInBytesIsAnError() {
        let text = "7f0000000000-7f0040000000 rw-s 0 00:01 7 /memfd:ram\nSwap: 18014398509481984 kB\n"
        #expect(throws: ProcTextParseError.self) {
            try SmapsSwap.swapBytes(in: text, mappingsStartingAt: [0x7f00_0000_0000])
        }
    }

    @Test func everyExtentAdvancesTheCursor() throws {
        var cursor = bounds.lowerBound
        for (data, hole) in [(UInt64(4096), UInt64(8192)), (8192, 12288), (20480, 1 << 40)] {
            guard let extent = try DataExtentStep.extent(cursor: cursor, dataStart: data, holeStart: hole,
                                                         bounds: bounds)
            else { break }
            #expect(extent.upperBound > cursor && extent.upperBound <= bounds.upperBound)
            cursor = extent.upperBound
        }
        #expect(cursor == bounds.upperBound)
    }

    @Test(arguments: [
        "7f0000000000-7f0000001000 rw-s ffffffffffffffff 00:01 1051 /memfd:x",
        "7f0000000000-7f0000001000 rw-s fffffffffffff001 00:01 1051 /memfd:x",
        "0-ffffffffffffffff rw-s 00000000 00:01 1051 /memfd:x",
    ])
    func mapsOffsetsThatOverflowAreRejected(line: String) {
        #expect(throws: MapsParseError.self) { try MapsParser.parse(line: line) }
    }

    @Test(arguments: [
        "ffffffffffffffff-0 rw-s 00000000 00:01 1 /memfd:x",
        "10000000000000000-20000000000000000 rw-s 0 00:01 1 x",
        "1000-2000 rw-s 10000000000000000 00:01 1 x",
        "1000-2000 rw-s 0 00:01 18446744073709551616 x",
        "1000-2000 rw-s -1 00:01 1 x",
    ])
    func mapsNumbersOutOfRangeAreRejected(line: String) {
        #expect(throws: MapsParseError.self) { try MapsParser.parse(line: line) }
    }

    @Test(arguments: [
        "1 (x) R 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 -1",
        "1 (x) R 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 18446744073709551616",
        "99999999999 (x) R 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1",
        "1 (x) R 4294967296 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1",
    ])
    func statNumbersOutOfRangeAreRejected(line: String) {
        #expect(throws: ProcTextParseError.self) { try ProcessStat.parse(line) }
    }

    @Test func aPidFileIsNeverQuoted() throws {
        let secret = "root:$6$salt$hash:20228:0:99999:7:::\n"
        let problem = try #require(PidFile.parse(secret).failure).problem
        #expect(problem == "does not hold a pid (\(secret.utf8.count) bytes)")
        #expect(!problem.contains("root") && !problem.contains("hash"))
        #expect(PidFile.parse("4294967296").failure?.problem == "does not hold a pid (10 bytes)")
    }

    @Test func fileSystemsAreNamed() {
        #expect("\(FileSystemMagic(rawValue: 0xef53))" == "ext4")
        #expect(FileSystemMagic(rawValue: 0x0102_1994) == .shmem)
        #expect("\(FileSystemMagic(rawValue: 0x1234))" == "a file system of type 0x1234")
    }
}

extension Result {
    /// The error, or nil on success.
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
