import PageoutCore

extension RegionLayout {
    /// The region page indexes of segment `index`.
    func pages(ofSegment index: Int) -> Range<Int> {
        segments[index].firstPage..<(segments[index].firstPage + pageCount(ofSegment: index))
    }

    /// Calls `body` with each segment that region pages `pages` overlap (its index and the segment) and the
    /// overlap as page indexes of that segment, in address order.
    func forEachSegmentPart(
        of pages: Range<Int>, _ body: (Int, RegionSegment, Range<Int>) throws -> Void
    ) rethrows {
        for (index, segment) in segments.enumerated() {
            let overlap = pages.clamped(to: self.pages(ofSegment: index))
            guard !overlap.isEmpty else { continue }
            let first = segment.firstPage
            try body(index, segment, (overlap.lowerBound - first)..<(overlap.upperBound - first))
        }
    }
}
