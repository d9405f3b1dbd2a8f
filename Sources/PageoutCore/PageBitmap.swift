/// One bit per page: the compact per-page state pageoutd keeps.
///
/// Bits are kept in chunks of 4,096 (`PageBitmap+Chunks.swift`): a chunk whose bits are all clear or all set costs
/// 4 bytes, a mixed one 516. A region's classes come in long runs (holes, swapped, resident), so a sparse or
/// converged 1 TiB region's bitmap costs about 256 KiB, and one with every chunk mixed 33 MiB.
public struct PageBitmap: Sendable {
    /// The number of pages (bits) the bitmap covers.
    public let count: Int
    /// Per chunk: `clearChunk`, `fullChunk`, or 2 + the slot in `pool` that holds its words.
    var directory: [UInt32]
    /// The words of the mixed chunks, `chunkWords` per slot; bit `i` of a chunk is bit `i & 63` of its word `i >> 6`.
    var pool: [UInt64]
    /// Slots of `pool` no chunk uses, taken before the pool grows.
    var freeSlots: [UInt32]

    /// Creates a bitmap of `count` bits, all clear.
    public init(count: Int) {
        precondition(count >= 0, "a bitmap cannot have a negative size")
        self.count = count
        self.directory = [UInt32](repeating: Self.clearChunk, count: Self.chunkCount(bits: count))
        self.pool = []
        self.freeSlots = []
    }

    /// The bytes the bitmap's storage holds (its directory and mixed chunks, free slots included).
    public var storageBytes: Int { directory.count * 4 + pool.count * 8 + freeSlots.count * 4 }

    /// The bit for page `index`.
    public subscript(index: Int) -> Bool {
        get {
            precondition(index >= 0 && index < count, "page index out of range")
            return word(at: index >> 6) & (1 << UInt64(index & 63)) != 0
        }
        set {
            precondition(index >= 0 && index < count, "page index out of range")
            let chunk = index >> Self.chunkShift
            let entry = directory[chunk]
            if entry == (newValue ? Self.fullChunk : Self.clearChunk) { return }
            let offset = materialize(chunk) + ((index >> 6) & (Self.chunkWords - 1))
            let mask: UInt64 = 1 << UInt64(index & 63)
            if newValue { pool[offset] |= mask } else { pool[offset] &= ~mask }
            normalize(chunk)
        }
    }

    /// Sets every bit in `range`.
    public mutating func set(_ range: Range<Int>) {
        fill(range, set: true)
    }

    /// Clears every bit in `range`.
    public mutating func clear(_ range: Range<Int>) {
        fill(range, set: false)
    }

    private mutating func fill(_ range: Range<Int>, set: Bool) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "page range out of bounds")
        Self.forEachChunkSpan(of: range) { chunk, low, high in
            if low == 0 && high == validBits(ofChunk: chunk) { return setUniform(chunk, set: set) }
            if directory[chunk] == (set ? Self.fullChunk : Self.clearChunk) { return }
            let offset = materialize(chunk)
            pool.withUnsafeMutableBufferPointer { words in
                Self.forEachWord(low: low, high: high) { index, mask in
                    if set { words[offset + index] |= mask } else { words[offset + index] &= ~mask }
                }
            }
            normalize(chunk)
        }
        compactIfSparse()
    }

    /// True when no bit is set.
    public var isEmpty: Bool { setCount == 0 }

    /// The number of set bits.
    public var setCount: Int {
        var total = 0
        for entry in directory where entry != Self.clearChunk {
            if entry == Self.fullChunk { total += Self.chunkBits; continue }
            let offset = Self.poolOffset(entry)
            pool.withUnsafeBufferPointer { words in
                for index in offset..<(offset + Self.chunkWords) { total += words[index].nonzeroBitCount }
            }
        }
        return total
    }

    /// The number of set bits in `range`.
    public func setCount(in range: Range<Int>) -> Int {
        intersectionCount(with: nil, in: range)
    }

    /// The number of bits in `range` set both here and in `other`.
    public func intersectionCount(with other: PageBitmap, in range: Range<Int>) -> Int {
        precondition(other.count == count, "bitmaps of different sizes")
        return intersectionCount(with: Optional(other), in: range)
    }

    /// The bits of `range` set here and in `other` (every bit of `other` when nil), counted chunk by chunk.
    private func intersectionCount(with other: PageBitmap?, in range: Range<Int>) -> Int {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "page range out of bounds")
        var total = 0
        Self.forEachChunkSpan(of: range) { chunk, low, high in
            let ours = directory[chunk]
            let theirs = other?.directory[chunk] ?? Self.fullChunk
            if ours == Self.clearChunk || theirs == Self.clearChunk { return }
            if ours == Self.fullChunk && theirs == Self.fullChunk { total += high - low; return }
            Self.forEachWord(low: low, high: high) { index, mask in
                let their = other?.word(chunk: chunk, index) ?? ~0
                total += (word(chunk: chunk, index) & their & mask).nonzeroBitCount
            }
        }
        return total
    }

    /// Calls `body` with each maximal run of set bits inside `range`, in order.
    ///
    /// Uniform chunks are skipped 4,096 bits at a time and mixed ones 64, so sparse and dense bitmaps are both cheap.
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
            let chunk = index >> Self.chunkShift
            let entry = directory[chunk]
            if entry <= Self.fullChunk {
                if (entry == Self.fullChunk) == set { return index }
                index = (chunk + 1) << Self.chunkShift
                continue
            }
            let offset = Self.poolOffset(entry)
            let chunkEnd = min((chunk + 1) << Self.chunkShift, limit)
            while index < chunkEnd {
                let wordIndex = index >> 6
                var word = pool[offset + (wordIndex & (Self.chunkWords - 1))]
                if !set { word = ~word }
                word &= ~((1 << UInt64(index & 63)) - 1)
                if word != 0 {
                    let found = (wordIndex << 6) + word.trailingZeroBitCount
                    return found < limit ? found : nil
                }
                index = (wordIndex + 1) << 6
            }
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

    /// The bits set here or in `other`.
    public func union(_ other: PageBitmap) -> PageBitmap {
        var copy = self
        copy.formUnion(other)
        return copy
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
}

extension PageBitmap {
    /// Applies the bitwise `operation(ours, theirs)` to every chunk. `operation(0, 0)` must be 0 (bits past
    /// `count` stay clear).
    @inline(__always)
    private mutating func combine(_ other: PageBitmap, _ operation: (UInt64, UInt64) -> UInt64) {
        precondition(other.count == count, "bitmaps of different sizes")
        for chunk in directory.indices { combineChunk(chunk, with: other, operation) }
        compactIfSparse()
    }

    /// Applies the bitwise `operation(ours, theirs & mask)` to the words `range` touches, `mask` selecting the
    /// range's bits. `operation(x, 0)` must be `x` (bits outside the range are left alone).
    private mutating func combine(_ other: PageBitmap, in range: Range<Int>,
                                  _ operation: (UInt64, UInt64) -> UInt64) {
        precondition(other.count == count, "bitmaps of different sizes")
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "page range out of bounds")
        Self.forEachChunkSpan(of: range) { chunk, low, high in
            if low == 0 && high == validBits(ofChunk: chunk) { return combineChunk(chunk, with: other, operation) }
            let theirs = other.directory[chunk]
            if theirs == Self.clearChunk { return }
            let ours = directory[chunk]
            if ours <= Self.fullChunk {
                let uniform: UInt64 = ours == Self.fullChunk ? ~0 : 0
                if operation(uniform, ~0) == uniform { return }  // ours absorbs whatever theirs holds
            }
            let offset = materialize(chunk)
            pool.withUnsafeMutableBufferPointer { words in
                Self.forEachWord(low: low, high: high) { index, mask in
                    words[offset + index] = operation(words[offset + index], other.word(chunk: chunk, index) & mask)
                }
            }
            normalize(chunk)
        }
        compactIfSparse()
    }

    /// Applies the bitwise `operation` to the whole of chunk `chunk`, without touching words when either side is
    /// uniform and decides the result.
    @inline(__always)
    private mutating func combineChunk(_ chunk: Int, with other: PageBitmap,
                                       _ operation: (UInt64, UInt64) -> UInt64) {
        let theirs = other.directory[chunk]
        if theirs <= Self.fullChunk {
            // A bitwise operation against a uniform operand leaves ours, clears, sets or flips each bit alike.
            let uniform: UInt64 = theirs == Self.fullChunk ? ~0 : 0
            let fromClear = operation(0, uniform)
            let fromSet = operation(~0, uniform)
            if fromClear == 0 && fromSet == ~0 { return }
            if fromClear == fromSet { return setUniform(chunk, set: fromSet != 0) }
        }
        let ours = directory[chunk]
        if ours <= Self.fullChunk {
            let uniform: UInt64 = ours == Self.fullChunk ? ~0 : 0
            let withClear = operation(uniform, 0)
            let withSet = operation(uniform, ~0)
            if withClear == withSet {
                if withSet != uniform { setUniform(chunk, set: withSet != 0) }
                return
            }
        }
        let offset = materialize(chunk)
        var anyBits: UInt64 = 0
        var allBits: UInt64 = ~0
        other.withChunkWords(chunk) { theirs in
            pool.withUnsafeMutableBufferPointer { words in
                for index in 0..<Self.chunkWords {
                    let word = operation(words[offset + index], theirs(index))
                    words[offset + index] = word
                    anyBits |= word
                    allBits &= word
                }
            }
        }
        settle(chunk, anySet: anyBits != 0, allSet: allBits == ~0)
    }
}

extension PageBitmap: Equatable {
    /// Two bitmaps are equal when they have the same size and the same bits set, however they are stored.
    public static func == (lhs: PageBitmap, rhs: PageBitmap) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for chunk in lhs.directory.indices {
            let left = lhs.directory[chunk]
            let right = rhs.directory[chunk]
            if left <= fullChunk && right <= fullChunk {
                if left != right { return false }
                continue
            }
            for index in 0..<chunkWords where lhs.word(chunk: chunk, index) != rhs.word(chunk: chunk, index) {
                return false
            }
        }
        return true
    }
}
