/// The zipf workload's steady state: accesses on an open-loop schedule, working-set moves and drift, one LOAD
/// line a second, signals answered between batches.
///
/// Accesses are due at a fixed rate whatever happens to them: each millisecond releases its share, and a batch
/// does every access that is due. An access stalled by a swap-in delays the ones behind it, which then run late
/// and back to back; the delay shows as lag, and the rate holds as long as the loop can catch up. A batch stops
/// after 10 ms so that signals and LOAD lines are never held up for long.
struct LoadLoop: ~Copyable {
    /// The longest run of accesses between two looks at the clock, signals and reports.
    static let longestBatch: UInt64 = 10_000_000
    /// The time between LOAD lines.
    static let reportInterval: UInt64 = 1_000_000_000

    let memory: GuestMemory
    let layout: PageLayout
    let pattern: PagePattern
    let settings: ZipfSettings
    var workingSet: WorkingSet
    var random: SplitMix64
    var signals: SignalWaiter
    /// Per page, the second (counted from 1 at the start of the loop) of its latest access; 0: none yet.
    private var lastAccess: [UInt32]
    /// Per page, whether an access of it has taken a major fault (see `attributeFaults`).
    private var faulted: [Bool]
    /// The loop thread's major faults after the last access they were attributed at.
    private var threadFaults = 0
    private let sampler: ZipfSampler

    init(memory: consuming GuestMemory, layout: PageLayout, pattern: PagePattern, settings: ZipfSettings,
         workingSet: WorkingSet, random: SplitMix64, signals: consuming SignalWaiter) {
        (self.layout, self.pattern, self.settings) = (layout, pattern, settings)
        (self.workingSet, self.random) = (workingSet, random)
        self.memory = memory
        self.signals = signals
        lastAccess = [UInt32](repeating: 0, count: layout.pageCount)
        faulted = [Bool](repeating: false, count: layout.pageCount)
        sampler = ZipfSampler(count: workingSet.pageCount, exponent: settings.exponent)
    }

    /// Runs the workload until SIGTERM or SIGINT.
    mutating func run() {
        let schedule = AccessSchedule(start: Clock.now(), rate: settings.accessRate)
        var changes = WorkingSetChanges(settings: settings, runCount: workingSet.pageCount / workingSet.runPages)
        var window = LoadWindow(start: schedule.start)
        var done = 0
        var driftedSinceReport = false
        threadFaults = Clock.threadMajorFaults()
        while true {
            let now = Clock.now()
            let due = schedule.due(at: now)
            window.add(lag: done < due ? now - schedule.dueTime(of: done) : 0)
            let second = UInt32((now - schedule.start) / Self.reportInterval + 1)
            done = access(from: done, to: due, until: now + Self.longestBatch, second: second, window: &window)
            if changes.moveDue(at: now - schedule.start) {
                workingSet.move(using: &random)
                writeFile()
                Output.line("MOVED moves=\(workingSet.moves) ws_pages=\(workingSet.pageCount)")
            }
            while changes.driftDue(at: now - schedule.start) {
                driftedSinceReport = workingSet.drift(using: &random) || driftedSinceReport
            }
            if now - window.start >= Self.reportInterval {
                if driftedSinceReport { writeFile() }
                Output.line(window.line(workingSet: workingSet, recentPages: recentPages(second: second)))
                driftedSinceReport = false
                // Seconds stay aligned to the start unless the loop fell a whole second behind.
                let next = window.start + Self.reportInterval
                window = LoadWindow(start: now - next >= Self.reportInterval ? now : next)
            }
            let next = done < schedule.due(at: Clock.now()) ? 0 : schedule.nextTick(after: now)
            while let request = signals.wait(until: next) {
                guard memory.answer(request, layout: layout, pattern: pattern) else { return }
            }
        }
    }

    /// Does accesses `first..<due` in order until `deadline`; returns the index of the first one not done.
    /// Each access draws a rank, then reads and writes its page's header; only the touch itself is timed.
    private mutating func access(from first: Int, to due: Int, until deadline: UInt64, second: UInt32,
                                 window: inout LoadWindow) -> Int {
        var index = first
        var now = Clock.now()
        while index < due && now < deadline {
            let page = Int(workingSet.rankedPages[sampler.sample(using: &random) - 1])
            let before = Clock.now()
            memory.touch(page: page, kind: "working-set")
            now = Clock.now()
            window.add(latency: now - before)
            if now - before > Self.faultSuspect { attributeFaults(to: page, window: &window) }
            lastAccess[page] = second
            index += 1
        }
        return index
    }

    /// An access slower than this (nanoseconds) may have taken a major fault: the thread's fault count is read
    /// after it. A swap-in, even from zram, takes several microseconds; a cache or TLB miss well under one.
    static let faultSuspect: UInt64 = 1_000

    /// Counts the loop thread's major faults since the last attributed access as `page`'s: a repeat when the page
    /// faulted before (it was paged out again after the guest had brought it back), a first one otherwise (the
    /// price of finding out the page is in use, or the first touch of a page a move brought into the working set).
    private mutating func attributeFaults(to page: Int, window: inout LoadWindow) {
        let faults = Clock.threadMajorFaults()
        defer { threadFaults = faults }
        guard faults > threadFaults else { return }
        if faulted[page] { window.add(repeatFaults: faults - threadFaults) }
        faulted[page] = true
    }

    /// Pages accessed in the `settings.recentSeconds` whole seconds before second `second` or in it so far.
    private func recentPages(second: UInt32) -> Int {
        let oldest = second > UInt32(settings.recentSeconds) ? second - UInt32(settings.recentSeconds) : 1
        return lastAccess.reduce(0) { $0 + ($1 >= oldest ? 1 : 0) }
    }

    /// Rewrites the working-set file if there is one; a failure is reported and the workload goes on.
    private func writeFile() {
        guard let path = settings.workingSetFile else { return }
        do {
            try workingSet.write(to: path)
        } catch {
            Output.warn("cannot rewrite the working-set file: \(error)")
        }
    }
}

/// When the working set moves and drifts, as offsets from the start of the loop.
struct WorkingSetChanges {
    private let moveInterval: UInt64
    private var moves: UInt64 = 0
    /// Slots replaced per nanosecond by drift.
    private let driftRate: Double
    private var drifts = 0

    init(settings: ZipfSettings, runCount: Int) {
        moveInterval = UInt64(settings.moveSeconds) * 1_000_000_000
        driftRate = Double(runCount) * settings.driftPercent / 100 / 60e9
    }

    /// Whether a move is due at `elapsed` nanoseconds; counts it if so.
    mutating func moveDue(at elapsed: UInt64) -> Bool {
        guard moveInterval > 0, elapsed >= (moves + 1) * moveInterval else { return false }
        moves += 1
        return true
    }

    /// Whether a drift step is due at `elapsed` nanoseconds; counts it if so.
    mutating func driftDue(at elapsed: UInt64) -> Bool {
        guard Int(Double(elapsed) * driftRate) > drifts else { return false }
        drifts += 1
        return true
    }
}
