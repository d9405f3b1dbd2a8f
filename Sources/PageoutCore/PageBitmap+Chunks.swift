/// The storage of a `PageBitmap`: chunks of 4,096 bits (16 MiB of guest RAM), each either all clear, all set, or
/// 64 words in a shared pool.
///
/// A region's page classes come in long runs once it has converged: swapped, holes, resident and hot. A chunk
/// that is uniform costs 4 bytes (its directory entry) instead of 512, so a sparse or converged region's bitmaps
/// cost little, and a mixed chunk costs 516 bytes, 1% more than plain words.
extension PageBitmap {
    static let chunkShift = 12
    static let chunkBits = 1 << chunkShift
    static let chunkWords = chunkBits >> 6
    /// Directory entry of a chunk whose bits are all clear.
    static let clearChunk: UInt32 = 0
    /// Directory entry of a chunk whose bits are all set (never the short last chunk: bits past `count` stay 0).
    static let fullChunk: UInt32 = 1

    /// The number of chunks a bitmap of `count` bits has.
    static func chunkCount(bits count: Int) -> Int { (count + chunkBits - 1) >> chunkShift }

    /// The offset in `pool` of the words of a mixed chunk's directory entry.
    @inline(__always)
    static func poolOffset(_ entry: UInt32) -> Int { Int(entry - 2) * chunkWords }

    /// The bits of chunk `chunk` that are pages (4,096 for all but a short last chunk).
    @inline(__always)
    func validBits(ofChunk chunk: Int) -> Int { min(Self.chunkBits, count - (chunk << Self.chunkShift)) }

    /// Word `index` (of `chunkWords`) of chunk `chunk`.
    @inline(__always)
    func word(chunk: Int, _ index: Int) -> UInt64 {
        let entry = directory[chunk]
        if entry == Self.clearChunk { return 0 }
        if entry == Self.fullChunk { return ~0 }
        return pool[Self.poolOffset(entry) + index]
    }

    /// Calls `body` with a function giving word `index` of chunk `chunk`, read straight from the pool when the
    /// chunk is mixed (the loops over a chunk's words do not look its directory entry up again for each word).
    @inline(__always)
    func withChunkWords<Result>(_ chunk: Int, _ body: ((Int) -> UInt64) throws -> Result) rethrows -> Result {
        let entry = directory[chunk]
        if entry <= Self.fullChunk {
            let uniform: UInt64 = entry == Self.fullChunk ? ~0 : 0
            return try body { _ in uniform }
        }
        let offset = Self.poolOffset(entry)
        return try pool.withUnsafeBufferPointer { words in try body { words[offset + $0] } }
    }

    /// The word holding bits `wordIndex * 64 ..< wordIndex * 64 + 64`.
    @inline(__always)
    func word(at wordIndex: Int) -> UInt64 { word(chunk: wordIndex >> 6, wordIndex & (Self.chunkWords - 1)) }

    /// Gives chunk `chunk` words of its own in the pool (holding its bits as they are) and returns their offset.
    mutating func materialize(_ chunk: Int) -> Int {
        let entry = directory[chunk]
        if entry > Self.fullChunk { return Self.poolOffset(entry) }
        let fill: UInt64 = entry == Self.fullChunk ? ~0 : 0
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
            let offset = Int(slot) * Self.chunkWords
            pool.withUnsafeMutableBufferPointer { words in
                for index in offset..<(offset + Self.chunkWords) { words[index] = fill }
            }
        } else {
            slot = UInt32(pool.count / Self.chunkWords)
            pool.append(contentsOf: repeatElement(fill, count: Self.chunkWords))
        }
        directory[chunk] = slot + 2
        return Int(slot) * Self.chunkWords
    }

    /// Makes every bit of chunk `chunk` clear, or set (a short last chunk keeps words, its bits past `count` clear).
    mutating func setUniform(_ chunk: Int, set: Bool) {
        let bits = validBits(ofChunk: chunk)
        guard set, bits < Self.chunkBits else {
            release(chunk)
            directory[chunk] = set ? Self.fullChunk : Self.clearChunk
            return
        }
        let offset = materialize(chunk)
        pool.withUnsafeMutableBufferPointer { words in
            for index in 0..<Self.chunkWords {
                let low = index << 6
                let word: UInt64 = bits >= low + 64 ? ~0 : bits > low ? (1 << UInt64(bits - low)) - 1 : 0
                words[offset + index] = word
            }
        }
    }

    /// Returns a mixed chunk's words to the free slots and leaves it all clear.
    mutating func release(_ chunk: Int) {
        let entry = directory[chunk]
        guard entry > Self.fullChunk else { return }
        freeSlots.append(entry - 2)
        directory[chunk] = Self.clearChunk
    }

    /// Folds a mixed chunk whose bits turned out all clear or all set back into a directory entry.
    mutating func normalize(_ chunk: Int) {
        let entry = directory[chunk]
        guard entry > Self.fullChunk else { return }
        let offset = Self.poolOffset(entry)
        var anySet = false
        var allSet = true
        pool.withUnsafeBufferPointer { words in
            for index in offset..<(offset + Self.chunkWords) {
                anySet = anySet || words[index] != 0
                allSet = allSet && words[index] == ~0
            }
        }
        settle(chunk, anySet: anySet, allSet: allSet)
    }

    /// Folds mixed chunk `chunk` into a directory entry when its words are all clear (`!anySet`) or all set.
    @inline(__always)
    mutating func settle(_ chunk: Int, anySet: Bool, allSet: Bool) {
        if !anySet { release(chunk) } else if allSet { release(chunk); directory[chunk] = Self.fullChunk }
    }

    /// Gives the pool back when at least half of it is free slots: the live chunks are copied to a pool of their size.
    mutating func compactIfSparse() {
        let slots = pool.count / Self.chunkWords
        guard !freeSlots.isEmpty, freeSlots.count * 2 >= slots else { return }
        var compacted: [UInt64] = []
        compacted.reserveCapacity((slots - freeSlots.count) * Self.chunkWords)
        for chunk in directory.indices where directory[chunk] > Self.fullChunk {
            let offset = Self.poolOffset(directory[chunk])
            directory[chunk] = UInt32(compacted.count / Self.chunkWords) + 2
            compacted.append(contentsOf: pool[offset..<(offset + Self.chunkWords)])
        }
        pool = compacted
        freeSlots = []
    }

    /// Calls `body(chunk, low, high)` for each chunk `range` overlaps, with the range's bits in it as `low..<high`.
    static func forEachChunkSpan(of range: Range<Int>, _ body: (Int, Int, Int) throws -> Void) rethrows {
        guard !range.isEmpty else { return }
        for chunk in (range.lowerBound >> chunkShift)...((range.upperBound - 1) >> chunkShift) {
            let start = chunk << chunkShift
            try body(chunk, max(range.lowerBound, start) - start, min(range.upperBound, start + chunkBits) - start)
        }
    }

    /// The bits `low..<high` of one word set, for `0 <= low < high <= 64`.
    @inline(__always)
    static func mask(_ low: Int, _ high: Int) -> UInt64 {
        let upper: UInt64 = high == 64 ? ~0 : (1 << UInt64(high)) - 1
        return upper & ~((1 << UInt64(low)) - 1)
    }

    /// Calls `body(wordInChunk, mask)` for the words of a chunk that bits `low..<high` touch.
    @inline(__always)
    static func forEachWord(low: Int, high: Int, _ body: (Int, UInt64) -> Void) {
        let first = low >> 6
        let last = (high - 1) >> 6
        for index in first...last {
            body(index, mask(index == first ? low & 63 : 0, index == last ? ((high - 1) & 63) + 1 : 64))
        }
    }
}
