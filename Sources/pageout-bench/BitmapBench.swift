import ArgumentParser
import PageoutCore

/// `pageout-bench bitmap`: what the chunked `PageBitmap` costs against plain words, per shape of page classes.
struct BitmapBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bitmap",
        abstract: "Times a scan's bitmap operations on PageBitmap against plain words, per shape of page classes.",
        discussion: """
            For each shape (converged: one long run; sample: one page in 16 of the first 40%, as warm pages of a \
            probed hot set; scattered: runs of 16 pages every 32, every chunk mixed) it builds two bitmaps of \
            --size of guest RAM in 4 KiB pages and times, median of --runs, one scan's worth of the policy's \
            operations (union, subtraction, intersection, counts, runs) on PageBitmap and on a plain array of \
            words built the same way, and prints the ratio and the bytes each holds.
            """)

    @Option(help: "Guest RAM the bitmaps cover (e.g. 4GiB).")
    var size = "4GiB"

    @Option(help: "Timed repetitions; the median is reported.")
    var runs = 21

    func validate() throws {
        guard let bytes = parseSize(size), bytes >= 1 << 20 else {
            throw ValidationError("--size must be 1MiB or more.")
        }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1.") }
    }

    func run() throws {
        let pages = parseSize(size)! / 4096
        print("pageout-bench bitmap --size \(size) --runs \(runs)\n")
        print("| shape | PageBitmap ms | plain words ms | ratio | PageBitmap KiB | plain KiB |")
        print("| --- | --- | --- | --- | --- | --- |")
        for shape in BitmapShape.allCases {
            let (a, b) = shape.runs(pages: pages)
            var chunked = (PageBitmap(count: pages), PageBitmap(count: pages))
            var plain = (PlainWords(count: pages), PlainWords(count: pages))
            for run in a { chunked.0.set(run); plain.0.set(run) }
            for run in b { chunked.1.set(run); plain.1.set(run) }
            var checks = (0, 0)
            let chunkedMs = medianMilliseconds(runs: runs) {
                var union = chunked.0
                union.formUnion(chunked.1)
                var rest = union
                rest.subtract(chunked.0)
                let both = chunked.0.intersection(chunked.1)
                var runCount = 0
                rest.forEachRun { _ in runCount += 1 }
                checks.0 = union.setCount + both.setCount + rest.setCount + runCount
            }
            let plainMs = medianMilliseconds(runs: runs) {
                var union = plain.0
                union.combine(plain.1) { $0 | $1 }
                var rest = union
                rest.combine(plain.0) { $0 & ~$1 }
                var both = plain.0
                both.combine(plain.1) { $0 & $1 }
                checks.1 = union.setCount + both.setCount + rest.setCount + rest.runCount
            }
            guard checks.0 == checks.1 else {
                throw BenchError("\(shape): PageBitmap counted \(checks.0), plain words \(checks.1)")
            }
            print("| \(shape) | \(formatted(chunkedMs)) | \(formatted(plainMs)) | "
                  + "\(formatted(chunkedMs / max(plainMs, 1e-6)))× | "
                  + "\((chunked.0.storageBytes + chunked.1.storageBytes) / 1024) | \(2 * pages / 8 / 1024) |")
        }
    }
}

/// The shapes of page classes the bitmap benchmark times.
enum BitmapShape: String, CaseIterable, CustomStringConvertible {
    case converged, sample, scattered

    var description: String { rawValue }

    /// The set runs of the two bitmaps of `pages` pages.
    func runs(pages: Int) -> ([Range<Int>], [Range<Int>]) {
        switch self {
        case .converged:
            return ([0..<(pages * 4 / 10)], [(pages * 4 / 10)..<pages])
        case .sample:
            let hot = pages * 4 / 10
            return (stride(from: 0, to: hot, by: 16).map { $0..<($0 + 1) },
                    stride(from: 8, to: hot, by: 16).map { $0..<($0 + 1) } + [hot..<pages])
        case .scattered:
            return (stride(from: 0, to: pages - 16, by: 32).map { $0..<($0 + 16) },
                    stride(from: 8, to: pages - 16, by: 32).map { $0..<($0 + 16) })
        }
    }
}

/// The baseline: one bit per page in a plain array of words, every word visited by every operation (how
/// `PageBitmap` kept its bits before it was chunked).
struct PlainWords {
    var words: [UInt64]

    init(count: Int) { words = [UInt64](repeating: 0, count: (count + 63) / 64) }

    mutating func set(_ range: Range<Int>) {
        for page in range { words[page >> 6] |= 1 << UInt64(page & 63) }
    }

    mutating func combine(_ other: PlainWords, _ operation: (UInt64, UInt64) -> UInt64) {
        other.words.withUnsafeBufferPointer { theirs in
            words.withUnsafeMutableBufferPointer { ours in
                for index in ours.indices { ours[index] = operation(ours[index], theirs[index]) }
            }
        }
    }

    var setCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The number of maximal runs of set bits, found one after another as the policy walks them.
    var runCount: Int {
        var count = 0
        var index = 0
        let limit = words.count * 64
        while let start = nextBit(from: index, set: true, before: limit) {
            count += 1
            index = nextBit(from: start, set: false, before: limit) ?? limit
        }
        return count
    }

    /// The first index `>= from` and `< limit` whose bit equals `set`, or nil.
    private func nextBit(from: Int, set: Bool, before limit: Int) -> Int? {
        var index = from
        while index < limit {
            let wordIndex = index >> 6
            var word = set ? words[wordIndex] : ~words[wordIndex]
            word &= ~((1 << UInt64(index & 63)) - 1)
            if word != 0 {
                let found = (wordIndex << 6) + word.trailingZeroBitCount
                return found < limit ? found : nil
            }
            index = (wordIndex + 1) << 6
        }
        return nil
    }
}
