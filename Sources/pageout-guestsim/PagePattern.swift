/// The deterministic content of a data page, derived from its page index alone.
///
/// Word 0 is a header, `pageIndex ^ magic`, which is never zero. The rest of the first half of the page comes
/// from a xorshift64 stream seeded by the page index; the second half stays zero. Random bytes do not compress
/// and zeros compress to almost nothing, so zram stores such a page at roughly half its size. That matters for
/// realism: zram stores a page whose words are all equal as a single word ("same-filled"), which would make
/// swapping unrealistically cheap, and every page here differs from every other one.
struct PagePattern: Sendable {
    /// XORed into the page index for the header; odd and with high bits set, so no real index maps to zero.
    static let magic: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// 64-bit words per page.
    let wordsPerPage: Int

    /// Words at the start of the page that hold the header and the xorshift stream; the rest are zero.
    var patternWords: Int { wordsPerPage / 2 }

    /// The header word of page `page`.
    @inline(__always)
    static func header(_ page: Int) -> UInt64 {
        UInt64(truncatingIfNeeded: page) ^ magic
    }

    /// A non-zero xorshift seed for page `page` (splitmix64 of the index, so neighbouring pages differ in
    /// every bit).
    @inline(__always)
    static func seed(_ page: Int) -> UInt64 {
        var generator = SplitMix64(seed: UInt64(truncatingIfNeeded: page))
        let z = generator.next()
        return z == 0 ? 1 : z
    }

    /// One xorshift64 step (Marsaglia 13/7/17): never reaches zero from a non-zero state.
    @inline(__always)
    static func next(_ state: inout UInt64) -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    /// Writes page `page`'s pattern to `words`, which points at the start of that page. The second half is
    /// left alone: a fresh memfd page is already zero, and writing it would only cost time.
    func write(page: Int, to words: UnsafeMutablePointer<UInt64>) {
        words[0] = Self.header(page)
        var state = Self.seed(page)
        for index in 1..<patternWords {
            words[index] = Self.next(&state)
        }
    }

    /// Whether `words`, the start of page `page`, holds exactly the pattern (or all zeros for a hole).
    func matches(page: Int, isHole: Bool, words: UnsafePointer<UInt64>) -> Bool {
        var start = 0
        if !isHole {
            guard words[0] == Self.header(page) else { return false }
            var state = Self.seed(page)
            for index in 1..<patternWords where words[index] != Self.next(&state) {
                return false
            }
            start = patternWords
        }
        var bits: UInt64 = 0
        for index in start..<wordsPerPage {
            bits |= words[index]
        }
        return bits == 0
    }
}
