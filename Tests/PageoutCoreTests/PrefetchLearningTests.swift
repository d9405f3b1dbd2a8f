import Testing
@testable import PageoutCore

/// The prefetch in a region's first cold ages, while every page is probed once and the working set comes back
/// page by page (`PrefetchState.readingInBulk`).
struct PrefetchLearningTests {
    static let pageCount = 65_536

    /// Every eighth page came back; all the others are out.
    static func everyEighthBack() -> (back: PageBitmap, out: PageBitmap) {
        var out = PageBitmap(count: pageCount)
        out.set(0..<pageCount)
        var back = PageBitmap(count: pageCount)
        for page in stride(from: 4, to: pageCount, by: 8) { back[page] = true }
        out.subtract(back)
        return (back, out)
    }

    static func pages(_ runs: [Range<Int>]) -> PageBitmap {
        var pages = PageBitmap(count: pageCount)
        runs.forEach { pages.set($0) }
        return pages
    }

    @Test func aRegionsFirstColdAgesReadInBulkAndThenNoMore() {
        let (back, out) = Self.everyEighthBack()
        var prefetch = PrefetchState(pageCount: Self.pageCount, now: 0)
        #expect(prefetch.readingInBulk && !prefetch.settlingAfterMove)
        #expect(prefetch.allowances(warmPages: 64_000, blockPages: 512) == (gaps: 16_000, rings: 4_000))
        let read = prefetch.plan(around: back, among: out).reduce(0) { $0 + $1.count }
        #expect(read == PrefetchState.pagesPerScanAfterMove)
        for coldAge in 1...PrefetchState.learningGenerations {
            _ = prefetch.account(mapped: back, out: out, at: Int64(coldAge) * 1_000, coldAge: 1_000)
        }
        #expect(!prefetch.readingInBulk)
        #expect(prefetch.allowances(warmPages: 64_000, blockPages: 512) == (gaps: 4_000, rings: 4_000))
        var next = PageBitmap(count: Self.pageCount)
        for page in stride(from: 1, to: Self.pageCount, by: 8) { next[page] = true }
        let readAfter = prefetch.plan(around: next, among: out.subtracting(next).subtracting(prefetch.waiting))
        #expect(readAfter.reduce(0) { $0 + $1.count } == PrefetchState.pagesPerScan)
    }

    /// Unlike after a working-set move, what the first cold ages read and the guest leaves unused expires as usual:
    /// beside a working set that never moved it is as often never-touched memory at the edges of its runs.
    @Test func whatTheFirstColdAgesReadExpiresAsUsual() {
        var out = PageBitmap(count: Self.pageCount)
        out.set(0..<Self.pageCount)
        var back = PageBitmap(count: Self.pageCount)
        back[100] = true
        out[100] = false
        var prefetch = PrefetchState(pageCount: Self.pageCount, now: 0)
        let read = Self.pages(prefetch.plan(around: back, among: out))
        #expect(read.setCount == 2 * PrefetchState.initialReach)
        var expired = PageBitmap(count: Self.pageCount)
        for coldAge in 1...2 {
            expired.formUnion(prefetch.account(mapped: back, out: out, at: Int64(coldAge) * 1_000,
                                               coldAge: 1_000).expired)
        }
        #expect(expired == read)
        #expect(prefetch.waitingCount == 0)
    }

    /// While the region learns, the gaps have their larger share of their own: what the rings read beside single
    /// pages does not crowd out the gaps between pages that came back, which the first probes' returns leave by
    /// the thousand. Once it has learned, all that waits counts against the gaps' allowance.
    @Test func whileTheRegionLearnsTheRingsLeaveTheGapsTheirRoom() {
        // Page 100 came back alone among pages out; 200 and 203 are mapped, 201 and 202 out, 201 came back.
        var out = PageBitmap(count: Self.pageCount)
        out.set(0..<Self.pageCount)
        var mapped = PageBitmap(count: Self.pageCount)
        [100, 200, 201, 203].forEach { mapped[$0] = true; out[$0] = false }
        var first = PageBitmap(count: Self.pageCount)
        first[100] = true
        var second = PageBitmap(count: Self.pageCount)
        second[201] = true
        func gapRead(learning: Bool) -> [Range<Int>] {
            var prefetch = PrefetchState(pageCount: Self.pageCount, now: 0,
                                         learningGenerations: learning ? PrefetchState.learningGenerations : 0)
            #expect(prefetch.plan(around: first, among: out, mapped: mapped, allowance: 6, gapAllowance: 6).count
                        == 2)
            #expect(prefetch.waitingCount == 6)
            return prefetch.plan(around: second, among: out.subtracting(prefetch.waiting), mapped: mapped,
                                 allowance: 6, gapAllowance: 6)
        }
        #expect(gapRead(learning: true) == [202..<203])
        #expect(gapRead(learning: false).isEmpty)
    }

    /// While the region learns, the returns of a scan whose allowance ran out are read around once the guest's use
    /// of what waits frees it; once it has learned, a scan reads around its own returns only.
    @Test func whileTheRegionLearnsReturnsTheAllowanceLeftAreReadAroundLater() {
        let (back, out) = Self.everyEighthBack()
        let none = PageBitmap(count: Self.pageCount)
        func readLater(learning: Bool) -> PageBitmap {
            var prefetch = PrefetchState(pageCount: Self.pageCount, now: 0,
                                         learningGenerations: learning ? PrefetchState.learningGenerations : 0)
            #expect(prefetch.plan(around: back, among: out, allowance: 2).count == 2)
            let hits = prefetch.account(mapped: prefetch.waiting, out: out, at: 100, coldAge: 10_000).hits
            return Self.pages(prefetch.plan(around: none, among: out.subtracting(hits), allowance: 2))
        }
        // Pages 3 and 5, beside page 4, were read and used; the next nearest out are beside page 12.
        #expect(readLater(learning: true).runs() == [11..<12, 13..<14])
        #expect(readLater(learning: false).isEmpty)
    }
}
