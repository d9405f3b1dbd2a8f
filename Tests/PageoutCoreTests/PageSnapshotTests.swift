import Testing
@testable import PageoutCore

@Suite struct PageSnapshotTests {
    /// Two segments of 4 and 3 pages, as two VMAs of one memfd name.
    let layout = RegionLayout(
        mappings: [
            (AddressRange(start: 0x10000, end: 0x14000), 0),
            (AddressRange(start: 0x40000, end: 0x43000), 0x4000),
        ],
        pageSize: 0x1000)

    @Test func layoutNumbersPagesAcrossSegments() {
        #expect(layout.pageCount == 7)
        #expect(layout.segments.map(\.firstPage) == [0, 4])
        var ranges: [AddressRange] = []
        layout.forEachAddressRange(of: 2..<6) { ranges.append($0) }
        #expect(ranges == [AddressRange(start: 0x12000, end: 0x14000), AddressRange(start: 0x40000, end: 0x42000)])
    }

    @Test func statesCountsAndRanges() {
        var snapshot = PageSnapshot(layout: layout)
        snapshot.record(.mapped, pages: 0..<2)
        snapshot.record(.swapped, pages: 2..<5)
        snapshot.record(.residentUnmapped, pages: 6..<7)
        #expect((0..<7).map { snapshot.state(ofPage: $0) }
                == [.mapped, .mapped, .swapped, .swapped, .swapped, .hole, .residentUnmapped])
        #expect(snapshot.counts == PageStateCounts(hole: 1, mapped: 2, residentUnmapped: 1, swapped: 3))
        #expect(snapshot.addressRanges(in: .swapped)
                == [AddressRange(start: 0x12000, end: 0x14000), AddressRange(start: 0x40000, end: 0x41000)])
        #expect(snapshot.pages(in: .hole).runs() == [5..<6])
    }
}

@Suite struct PagemapEntryTests {
    @Test func decodesEveryFlag() {
        let present = PagemapEntry(rawValue: 1 << 63 | 1 << 61 | 1 << 56 | 0x1234)
        #expect(present.isPresent && present.isFileOrSharedAnonymous && present.isExclusivelyMapped)
        #expect(!present.isSwapped && !present.isUffdWriteProtected)
        #expect(present.frameNumber == 0x1234)
        #expect(PageCategories(entry: present) == [.present, .file, .written])

        let swapped = PagemapEntry(rawValue: 1 << 62 | 1 << 57 | 0x55)
        #expect(swapped.isSwapped && swapped.isUffdWriteProtected && !swapped.isPresent)
        #expect(swapped.frameNumber == 0)
        #expect(PageCategories(entry: swapped) == [.swapped])

        #expect(PageCategories(entry: PagemapEntry(rawValue: 0)) == [])
    }
}
