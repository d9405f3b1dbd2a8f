import Testing
@testable import PageoutCore

/// The chunked storage against a plain array of bits, through every operation, across chunk boundaries.
@Suite struct PageBitmapChunkTests {
    /// A bitmap and the plain bits it must equal.
    struct Pair {
        var bitmap: PageBitmap
        var plain: [Bool]

        init(count: Int) {
            bitmap = PageBitmap(count: count)
            plain = [Bool](repeating: false, count: count)
        }

        func check(_ step: String) {
            #expect(bitmap.setCount == plain.filter { $0 }.count, "\(step): setCount")
            let runs = bitmap.runs()
            var fromRuns = [Bool](repeating: false, count: plain.count)
            for run in runs { for index in run { fromRuns[index] = true } }
            #expect(fromRuns == plain, "\(step): runs")
            for pair in zip(runs, runs.dropFirst()) { #expect(pair.0.upperBound < pair.1.lowerBound, "\(step)") }
            for index in stride(from: 0, to: plain.count, by: 97) { #expect(bitmap[index] == plain[index], "\(step)") }
        }
    }

    /// A range biased to chunk-sized spans and their edges, where the storage changes form.
    static func randomRange(count: Int, using generator: inout some RandomNumberGenerator) -> Range<Int> {
        let chunk = PageBitmap.chunkBits
        let edges = stride(from: 0, through: count, by: chunk).map { $0 } + [count]
        func point() -> Int {
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: return edges.randomElement(using: &generator)!
            case 1: return min(count, max(0, edges.randomElement(using: &generator)! + Int.random(in: -70...70, using: &generator)))
            default: return Int.random(in: 0...count, using: &generator)
            }
        }
        let a = point()
        let b = point()
        return min(a, b)..<max(a, b)
    }

    @Test(arguments: [1, 63, 4096, 4097, 3 * 4096 + 777, 5 * 4096])
    func everyOperationAgreesWithPlainBits(count: Int) {
        var generator = SystemRandomNumberGenerator()
        var a = Pair(count: count)
        var b = Pair(count: count)
        for step in 0..<300 {
            let range = Self.randomRange(count: count, using: &generator)
            let name = "step \(step) \(range)"
            switch Int.random(in: 0..<11, using: &generator) {
            case 0: a.bitmap.set(range); for i in range { a.plain[i] = true }
            case 1: a.bitmap.clear(range); for i in range { a.plain[i] = false }
            case 2: b.bitmap.set(range); for i in range { b.plain[i] = true }
            case 3: b.bitmap.clear(range); for i in range { b.plain[i] = false }
            case 4: a.bitmap.formUnion(b.bitmap); a.plain = zip(a.plain, b.plain).map { $0 || $1 }
            case 5: a.bitmap.formIntersection(b.bitmap); a.plain = zip(a.plain, b.plain).map { $0 && $1 }
            case 6: a.bitmap.subtract(b.bitmap); a.plain = zip(a.plain, b.plain).map { $0 && !$1 }
            case 7: a.bitmap.formUnion(b.bitmap, in: range); for i in range where b.plain[i] { a.plain[i] = true }
            case 8: a.bitmap.subtract(b.bitmap, in: range); for i in range where b.plain[i] { a.plain[i] = false }
            case 9:
                let index = Int.random(in: 0..<count, using: &generator)
                let value = Bool.random(using: &generator)
                a.bitmap[index] = value
                a.plain[index] = value
            default: swap(&a, &b)
            }
            a.check(name)
            #expect(a.bitmap.setCount(in: range) == range.filter { a.plain[$0] }.count, "\(name): setCount(in:)")
            #expect(a.bitmap.intersectionCount(with: b.bitmap, in: range)
                    == range.filter { a.plain[$0] && b.plain[$0] }.count, "\(name): intersectionCount")
            #expect(a.bitmap.runs(in: range).reduce(0) { $0 + $1.count } == range.filter { a.plain[$0] }.count)
            #expect((a.bitmap == b.bitmap) == (a.plain == b.plain), "\(name): ==")
        }
    }

    @Test func equalityIgnoresHowBitsAreStored() {
        var built = PageBitmap(count: 3 * 4096)
        for index in 0..<4096 { built[index] = true }  // bit by bit: ends as a full chunk
        var filled = PageBitmap(count: 3 * 4096)
        filled.set(0..<4096)
        #expect(built == filled)
        filled.set(4096..<4097)
        #expect(built != filled)
        filled.clear(4096..<4097)
        #expect(built == filled)
    }

    @Test func uniformChunksCostTheirDirectoryEntryAlone() {
        let pages = 1 << 18  // 1 GiB of 4 KiB pages: 64 chunks
        var bitmap = PageBitmap(count: pages)
        bitmap.set(0..<(pages * 6 / 10))  // 60% in one run: chunks full, one mixed at the edge
        #expect(bitmap.storageBytes <= 64 * 4 + 512)
        var scattered = PageBitmap(count: pages)
        for page in stride(from: 0, to: pages, by: 16) { scattered.set(page..<(page + 1)) }
        #expect(scattered.storageBytes >= pages / 8)  // every chunk mixed: words as before
        scattered.clear(0..<pages)
        #expect(scattered.isEmpty)
        #expect(scattered.storageBytes == 64 * 4, "clearing gives the words back")
        var mixed = scattered
        mixed.set(0..<pages)
        mixed.subtract(bitmap)
        #expect(mixed.runs() == [(pages * 6 / 10)..<pages])
    }

    @Test func aShortLastChunkNeverSetsBitsPastTheEnd() {
        var bitmap = PageBitmap(count: 4096 + 10)
        bitmap.set(0..<(4096 + 10))
        #expect(bitmap.setCount == 4106)
        var other = PageBitmap(count: 4096 + 10)
        other.formUnion(bitmap)
        other.subtract(PageBitmap(count: 4096 + 10))
        #expect(other.setCount == 4106)
        #expect(other.runs() == [0..<4106])
        var complement = PageBitmap(count: 4106)
        complement.set(0..<4106)
        complement.subtract(other)
        #expect(complement.isEmpty)
    }
}
