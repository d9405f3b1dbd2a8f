/// One bit per page, packed into 64-bit words: the compact per-page state pageoutd keeps.
///
/// A 1 TiB region has 268,435,456 pages of 4 KiB, so one bitmap of it costs 32 MiB.
public struct PageBitmap: Sendable, Equatable {
    /// The number of pages (bits) the bitmap covers.
    public let count: Int
    /// The packed bits; bit `i` lives in `words[i >> 6]` at position `i & 63`. Bits past `count` stay 0.
    public private(set) var words: [UInt64]

    /// Creates a bitmap of `count` bits, all clear.
    public init(count: Int) {
        precondition(count >= 0, "a bitmap cannot have a negative size")
        self.count = count
        self.words = [UInt64](repeating: 0, count: (count + 63) >> 6)
    }

    /// The bit for page `index`.
    public subscript(index: Int) -> Bool {
        get {
            precondition(index >= 0 && index < count, "page index out of range")
            return words[index >> 6] & (1 << UInt64(index & 63)) != 0
        }
        set {
            precondition(index >= 0 && index < count, "page index out of range")
            let mask: UInt64 = 1 << UInt64(index & 63)
            if newValue { words[index >> 6] |= mask } else { words[index >> 6] &= ~mask }
        }
    }

    /// Sets every bit in `range`.
    public mutating func set(_ range: Range<Int>) {
        update(range) { $0 | $1 }
    }

    /// Clears every bit in `range`.
    public mutating func clear(_ range: Range<Int>) {
        update(range) { $0 & ~$1 }
    }

    /// Applies `combine(word, mask)` to every word that `range` touches, with `mask` selecting the range's bits.
    private mutating func update(_ range: Range<Int>, _ combine: (UInt64, UInt64) -> UInt64) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "page range out of bounds")
        guard !range.isEmpty else { return }
        let first = range.lowerBound >> 6
        let last = (range.upperBound - 1) >> 6
        words.withUnsafeMutableBufferPointer { words in
            for index in first...last {
                let low = index == first ? range.lowerBound & 63 : 0
                let high = index == last ? ((range.upperBound - 1) & 63) + 1 : 64
                words[index] = combine(words[index], Self.mask(low, high))
            }
        }
    }

    /// The bits `low..<high` of one word set, for `0 <= low < high <= 64`.
    @inline(__always)
    private static func mask(_ low: Int, _ high: Int) -> UInt64 {
        let upper: UInt64 = high == 64 ? ~0 : (1 << UInt64(high)) - 1
        return upper & ~((1 << UInt64(low)) - 1)
    }

    /// True when no bit is set.
    public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// The number of set bits.
    public var setCount: Int {
        words.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    /// The number of set bits in `range`.
    public func setCount(in range: Range<Int>) -> Int {
        countBits(in: range) { word, _ in word }
    }

    /// The number of bits in `range` set both here and in `other`.
    public func intersectionCount(with other: PageBitmap, in range: Range<Int>) -> Int {
        precondition(other.count == count, "bitmaps of different sizes")
        return other.words.withUnsafeBufferPointer { theirs in
            countBits(in: range) { word, index in word & theirs[index] }
        }
    }

    /// The population count of `select(word, wordIndex)` over the words of `range`, each masked to the range.
    private func countBits(in range: Range<Int>, _ select: (UInt64, Int) -> UInt64) -> Int {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "page range out of bounds")
        guard !range.isEmpty else { return 0 }
        let first = range.lowerBound >> 6
        let last = (range.upperBound - 1) >> 6
        return words.withUnsafeBufferPointer { words in
            var total = 0
            for index in first...last {
                let low = index == first ? range.lowerBound & 63 : 0
                let high = index == last ? ((range.upperBound - 1) & 63) + 1 : 64
                total += (select(words[index], index) & Self.mask(low, high)).nonzeroBitCount
            }
            return total
        }
    }

    /// Calls `body` with each maximal run of set bits inside `range`, in order.
    ///
    /// Whole words of zeros or ones are skipped 64 bits at a time, so sparse and dense bitmaps are both cheap.
    public func forEachRun(in range: Range<Int>? = nil, _ body: (Range<Int>) throws -> Void) rethrows {
        let bounds = range ?? 0..<count
        var index = bounds.lowerBound
        while index < bounds.upperBound {
            guard let start = nextBit(from: index, set: true, before: bounds.upperBound) else { return }
            let end = nextBit(from: start, set: false, before: bounds.upperBound) ?? bounds.upperBound
            try body(start..<end)
            index = end
        }
    }

    /// The first set pages as runs, in order, at most `budget` pages in all; they are taken from `budget`.
    public func runs(takingAtMost budget: inout Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        forEachRun { run in
            guard budget > 0 else { return }
            let taken = run.lowerBound..<(run.lowerBound + min(run.count, budget))
            result.append(taken)
            budget -= taken.count
        }
        return result
    }

    /// The maximal runs of set bits inside `range`, in order.
    public func runs(in range: Range<Int>? = nil) -> [Range<Int>] {
        var result: [Range<Int>] = []
        forEachRun(in: range) { result.append($0) }
        return result
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

    /// Sets every bit that is set in `other`.
    public mutating func formUnion(_ other: PageBitmap) {
        combine(other) { $0 | $1 }
    }

    /// Clears every bit that is not set in `other`.
    public mutating func formIntersection(_ other: PageBitmap) {
        combine(other) { $0 & $1 }
    }

    /// Clears every bit that is set in `other`.
    public mutating func subtract(_ other: PageBitmap) {
        combine(other) { $0 & ~$1 }
    }

    /// The bits set here and in `other`.
    public func intersection(_ other: PageBitmap) -> PageBitmap {
        var copy = self
        copy.formIntersection(other)
        return copy
    }

    /// The bits set here and not in `other`.
    public func subtracting(_ other: PageBitmap) -> PageBitmap {
        var copy = self
        copy.subtract(other)
        return copy
    }

    /// Sets the bits of `range` that are set in `other`.
    public mutating func formUnion(_ other: PageBitmap, in range: Range<Int>) {
        combine(other, in: range) { $0 | $1 }
    }

    /// Clears the bits of `range` that are set in `other`.
    public mutating func subtract(_ other: PageBitmap, in range: Range<Int>) {
        combine(other, in: range) { $0 & ~$1 }
    }

    /// Applies `operation(word, other's word masked to range)` to the words `range` touches.
    private mutating func combine(_ other: PageBitmap, in range: Range<Int>,
                                  _ operation: (UInt64, UInt64) -> UInt64) {
        precondition(other.count == count, "bitmaps of different sizes")
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "page range out of bounds")
        guard !range.isEmpty else { return }
        let first = range.lowerBound >> 6
        let last = (range.upperBound - 1) >> 6
        other.words.withUnsafeBufferPointer { theirs in
            words.withUnsafeMutableBufferPointer { ours in
                for index in first...last {
                    let low = index == first ? range.lowerBound & 63 : 0
                    let high = index == last ? ((range.upperBound - 1) & 63) + 1 : 64
                    ours[index] = operation(ours[index], theirs[index] & Self.mask(low, high))
                }
            }
        }
    }

    private mutating func combine(_ other: PageBitmap, _ operation: (UInt64, UInt64) -> UInt64) {
        precondition(other.count == count, "bitmaps of different sizes")
        other.words.withUnsafeBufferPointer { theirs in
            words.withUnsafeMutableBufferPointer { ours in
                for index in ours.indices { ours[index] = operation(ours[index], theirs[index]) }
            }
        }
    }
}
