/// The pages the zipf workload accesses, their popularity ranks, and what every other page is.
///
/// The data pages, in address order, are cut into slots of `runPages` consecutive data pages (a slot may step
/// over the holes at the end of a 64-page group; a short last slot is never used). The working set is
/// `runCount` slots chosen at random; its pages get popularity ranks by a random permutation, so the hottest
/// pages are scattered through the working set too. A move chooses new slots (those outside the current set
/// first) and new ranks; a drift step replaces one random slot of the set, its replacement taking over the
/// old pages' ranks. Pages that leave the working set become `retired` and are never accessed again unless a
/// later choice brings them back.
struct WorkingSet {
    /// What a page is to the workload.
    enum PageClass: UInt8 {
        /// Written before READY and not accessed since.
        case never
        /// In the working set: accessed with its rank's popularity.
        case current
        /// Accessed while in an earlier working set, not any more.
        case retired
        /// Never written (`--holes-percent`).
        case hole
    }

    /// Pages per slot.
    let runPages: Int
    /// The page index of every data page in address order; slot s holds entries s * runPages ..< (s + 1) * runPages.
    private let dataPages: [UInt32]
    /// Every page's class.
    private(set) var classes: [PageClass]
    /// The working set's slots: position p of the set is data page `p % runPages` of slot `slots[p / runPages]`.
    private var slots: [Int] = []
    /// The page of each popularity rank: rank r (1 the most popular) is `rankedPages[r - 1]`.
    private(set) var rankedPages: [UInt32] = []
    /// The rank minus one of each position.
    private var positionRanks: [UInt32] = []
    /// Moves so far.
    private(set) var moves = 0

    /// Chooses a working set of `runCount` slots of `runPages` data pages of `layout`.
    init(layout: PageLayout, runPages: Int, runCount: Int, using random: inout SplitMix64) {
        var dataPages: [UInt32] = []
        dataPages.reserveCapacity(layout.dataPageCount)
        var classes = [PageClass](repeating: .hole, count: layout.pageCount)
        layout.forEachDataRun { run in
            for page in run {
                dataPages.append(UInt32(page))
                classes[page] = .never
            }
            return true
        }
        precondition(runCount >= 1 && runCount <= dataPages.count / runPages)
        (self.runPages, self.dataPages, self.classes) = (runPages, dataPages, classes)
        choose(runCount: runCount, using: &random)
    }

    /// Pages in the working set.
    var pageCount: Int { rankedPages.count }

    /// Slots available to the working set.
    private var slotCount: Int { dataPages.count / runPages }

    /// Whether slot `slot` is in the working set.
    private func isCurrent(slot: Int) -> Bool {
        classes[Int(dataPages[slot * runPages])] == .current
    }

    /// Marks every page of slot `slot` as `pageClass`.
    private mutating func mark(slot: Int, as pageClass: PageClass) {
        for index in slot * runPages..<(slot + 1) * runPages {
            classes[Int(dataPages[index])] = pageClass
        }
    }

    /// Replaces the working set by `runCount` random slots, those outside the current set first, and ranks
    /// its pages anew.
    private mutating func choose(runCount: Int, using random: inout SplitMix64) {
        let all = 0..<slotCount
        var chosen = all.filter { !isCurrent(slot: $0) }.shuffled(using: &random)
        if chosen.count < runCount {
            chosen += all.filter { isCurrent(slot: $0) }.shuffled(using: &random)
        }
        for slot in slots {
            mark(slot: slot, as: .retired)
        }
        slots = Array(chosen.prefix(runCount))
        for slot in slots {
            mark(slot: slot, as: .current)
        }
        let ranks = (0..<UInt32(runCount * runPages)).shuffled(using: &random)
        positionRanks = ranks
        rankedPages = [UInt32](repeating: 0, count: ranks.count)
        for (position, rank) in ranks.enumerated() {
            rankedPages[Int(rank)] = dataPages[slots[position / runPages] * runPages + position % runPages]
        }
    }

    /// Moves the working set: new random slots (outside the current set while there are enough) and new ranks.
    mutating func move(using random: inout SplitMix64) {
        choose(runCount: slots.count, using: &random)
        moves += 1
    }

    /// Replaces one random slot of the working set by a random slot outside it; the new pages take the old
    /// pages' ranks. Returns false, changing nothing, when no outside slot turned up in a few tries.
    mutating func drift(using random: inout SplitMix64) -> Bool {
        var replacement: Int?
        for _ in 0..<64 {
            let slot = Int.random(in: 0..<slotCount, using: &random)
            if !isCurrent(slot: slot) {
                replacement = slot
                break
            }
        }
        guard let replacement else { return false }
        let position = Int.random(in: 0..<slots.count, using: &random)
        mark(slot: slots[position], as: .retired)
        mark(slot: replacement, as: .current)
        slots[position] = replacement
        for offset in 0..<runPages {
            let rank = Int(positionRanks[position * runPages + offset])
            rankedPages[rank] = dataPages[replacement * runPages + offset]
        }
        return true
    }
}
