import PageoutMeasure
import Testing

/// The fault rates the realistic-workload test and `pageout-bench policy` judge a pager by, from fixed LOAD lines.
@Suite struct LoadHistoryTests {
    /// A history of `faults` (one entry a second, from second 1) with a MOVED line at each of `moves`.
    private func history(faults: [Int], moves: [Double] = []) throws -> LoadHistory {
        var history = LoadHistory()
        for (index, count) in faults.enumerated() {
            let second = Double(index + 1)
            if moves.contains(second) { try history.record("MOVED moves=1 ws_pages=8", at: second) }
            try history.record("LOAD accesses=10 slow=0 p999_us=1.0 majflt=\(count) majflt_repeat=\(count / 2) "
                               + "lag_ms=0.1 ws_pages=600 moves=0 recent_pages=600", at: second)
        }
        return history
    }

    @Test("a window counts the seconds after its start and up to its end, per minute")
    func windowRate() throws {
        let history = try history(faults: Array(repeating: 2, count: 60) + Array(repeating: 1, count: 60))
        let first = try #require(history.faultRate(after: 0, until: 60))
        #expect(first.faults == 120 && first.seconds == 60 && first.perMinute == 120)
        let second = try #require(history.faultRate(after: 60, until: 120))
        #expect(second.faults == 60 && second.perMinute == 60)
        #expect(history.faultRate(after: 0)?.perMinute == 90)
        #expect(history.faultRate(after: 120, until: 180) == nil)
    }

    @Test("the seconds settling after a move are left out of a window")
    func settledWindow() throws {
        let history = try history(faults: Array(repeating: 1, count: 60) + Array(repeating: 50, count: 10)
                                  + Array(repeating: 1, count: 50), moves: [60])
        let settled = try #require(history.faultRate(after: 60, until: 120, settleAfterMoves: 10))
        #expect(settled.seconds == 50 && settled.faults == 50 && settled.repeatFaults == 0)
        let all = try #require(history.faultRate(after: 60, until: 120))
        #expect(all.faults == 550 && all.repeatFaults == 250)
        #expect(history.faultRate(after: 60, until: 70, settleAfterMoves: 10) == nil)
    }
}
