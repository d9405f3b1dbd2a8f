import Glibc

/// The simulator's steady state: touch the hot pages, report once a second, answer signals.
///
/// A pass reads the header word of every hot page and writes it back, so every hot page is read and written
/// at least once per pass and the accessed and dirty state the kernel sees is that of a busy guest. Passes
/// start at most every `passInterval` (10 ms): a hot page that something pages out comes back within about
/// 10 ms, which makes a refault easy to observe, while a small hot set costs well under one core instead of
/// spinning. A pass longer than the interval is followed straight by the next one, after a look for signals.
/// Cold pages and holes are never touched here.
struct HotLoop: ~Copyable {
    /// The shortest time from the start of one pass to the start of the next.
    static let passInterval: UInt64 = 10_000_000
    /// The time between STAT lines.
    static let statInterval: UInt64 = 1_000_000_000

    let memory: GuestMemory
    let layout: PageLayout
    let pattern: PagePattern
    /// The hot pages as runs of consecutive page indices.
    let hotRuns: [Range<Int>]
    var signals: SignalWaiter

    /// Runs passes until SIGTERM or SIGINT.
    mutating func run() {
        var window = StatWindow(start: Clock.now())
        while true {
            let passStart = Clock.now()
            touchHotPages()
            let passEnd = Clock.now()
            window.add(pass: passEnd - passStart)
            if passEnd - window.start >= Self.statInterval {
                Output.line(window.line(majorFaults: Clock.majorFaults()))
                window = StatWindow(start: passEnd)
            }
            while let request = signals.wait(until: passStart + Self.passInterval) {
                guard memory.answer(request, layout: layout, pattern: pattern) else { return }
            }
        }
    }

    /// One pass: read and write back the header of every hot page.
    private func touchHotPages() {
        for run in hotRuns {
            for page in run {
                memory.touch(page: page, kind: "hot")
            }
        }
    }
}

/// Pass times over one STAT interval.
struct StatWindow {
    /// When the interval began (CLOCK_MONOTONIC nanoseconds).
    let start: UInt64
    private(set) var passes = 0
    private var total: UInt64 = 0
    private var worst: UInt64 = 0

    init(start: UInt64) {
        self.start = start
    }

    /// Records one pass that took `nanoseconds`.
    mutating func add(pass nanoseconds: UInt64) {
        passes += 1
        total += nanoseconds
        worst = max(worst, nanoseconds)
    }

    /// `STAT hot_pass_ms=<mean> max_pass_ms=<worst> passes=<n> majflt=<n>`.
    func line(majorFaults: Int) -> String {
        let mean = passes == 0 ? 0 : total / UInt64(passes)
        return "STAT hot_pass_ms=\(Output.milliseconds(mean)) max_pass_ms=\(Output.milliseconds(worst)) "
            + "passes=\(passes) majflt=\(majorFaults)"
    }
}
