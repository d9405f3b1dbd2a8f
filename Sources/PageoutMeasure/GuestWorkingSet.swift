import Foundation
import PageoutCore

/// The zipf workload's page classes, as `pageout-guestsim --working-set-file` writes them.
public struct GuestWorkingSet: Equatable, Sendable {
    /// What a page is to the workload.
    public enum PageClass: String, Sendable {
        /// In the working set: accessed with Zipf popularity.
        case ws
        /// In an earlier working set, no longer accessed.
        case retired
        /// Written before READY and never accessed: memory the guest does not need at all.
        case never
        /// Never written.
        case hole
    }

    /// Working-set moves when the file was written.
    public let moves: Int
    /// Every page's class, by page index from the mapping's start.
    public let classes: [PageClass]

    /// Reads and checks the file at `path`: the runs must cover every page once and match the header's counts.
    public init(contentsOf path: String) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        guard let header = lines.first.map({ GuestOutput.fields(of: String($0)) }),
              let moves = header["moves"].flatMap({ Int($0) }), let pageCount = header["pages"].flatMap({ Int($0) })
        else { throw MeasureError("\(path): no header line") }
        var classes: [PageClass] = []
        classes.reserveCapacity(pageCount)
        for line in lines.dropFirst() {
            let words = line.split(separator: " ")
            guard words.count == 3, let pageClass = PageClass(rawValue: String(words[0])),
                  let first = Int(words[1]), let count = Int(words[2]), first == classes.count, count > 0
            else { throw MeasureError("\(path): bad run line '\(line)'") }
            classes += repeatElement(pageClass, count: count)
        }
        (self.moves, self.classes) = (moves, classes)
        let counts = ["ws_pages": PageClass.ws, "retired_pages": .retired, "never_pages": .never, "hole_pages": .hole]
        for (key, pageClass) in counts where header[key].flatMap({ Int($0) }) != pages(pageClass).count {
            throw MeasureError("\(path): \(key) does not match the runs")
        }
        guard classes.count == pageCount else {
            throw MeasureError("\(path): runs cover \(classes.count) of \(pageCount) pages")
        }
    }

    /// The indices of the pages of class `pageClass`, in address order.
    public func pages(_ pageClass: PageClass) -> [Int] {
        classes.indices.filter { classes[$0] == pageClass }
    }

    /// The pages of class `pageClass` as a bitmap over the guest's pages.
    public func bitmap(of pageClass: PageClass) -> PageBitmap {
        var bitmap = PageBitmap(count: classes.count)
        var index = 0
        while index < classes.count {
            var end = index + 1
            while end < classes.count && classes[end] == classes[index] { end += 1 }
            if classes[index] == pageClass { bitmap.set(index..<end) }
            index = end
        }
        return bitmap
    }
}
