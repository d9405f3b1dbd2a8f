import PageoutCore

/// The open scan windows of every region, kept by the supervisor.
///
/// A window is opened by BeginScan and ended by EndScan with its token; several may be open on one region at once
/// (a backup and a migration overlapping). While one is open, its cold set is not learned from: the policy takes
/// the scanner's reads for neither refaults nor use. A window left open too long expires (a client that crashed
/// between BeginScan and EndScan must not blind the policy for ever).
struct ScanWindows {
    /// Open windows by token.
    private(set) var open: [String: ScanWindow] = [:]
    /// Windows whose EndScan is putting their cold set back, by token: still not learned from, no longer open.
    private var ending: [String: ScanWindow] = [:]
    /// Cold sets of windows that ended since their region's last scan, which must not learn from them either:
    /// pages the repair could not put back (its budget ran out) are still mapped then. One union per region, so
    /// windows ended on a region that is never scanned again cost one bitmap, not one each.
    private var lingering: [String: PageBitmap] = [:]

    /// Runs `body` on the open window `token`, keeping what it changed; nil when no such window is open.
    mutating func update<Result>(_ token: String, _ body: (inout ScanWindow) -> Result) -> Result? {
        guard var window = open[token] else { return nil }
        let result = body(&window)
        open[token] = window
        return result
    }

    /// The number of windows whose ending began and whose repair has not finished.
    var endingCount: Int { ending.count }

    /// The number of windows open on region `name`.
    func openCount(in name: String) -> Int {
        open.values.reduce(0) { $0 + ($1.region == name ? 1 : 0) }
    }

    /// Adds an opened window.
    mutating func insert(_ window: ScanWindow) {
        open[window.token] = window
    }

    /// Starts ending the open window `token` (EndScan), returning it (nil if there is none): it can no longer be
    /// ended or expire, and its cold set is ignored until `finishEnding` and the region's next scan after it.
    mutating func beginEnding(_ token: String) -> ScanWindow? {
        guard let window = open.removeValue(forKey: token) else { return nil }
        ending[token] = window
        return window
    }

    /// Ends window `token` once its repair is done; its cold set is still ignored at the region's next scan.
    mutating func finishEnding(_ token: String) {
        guard let window = ending.removeValue(forKey: token) else { return }
        linger(window)
    }

    /// Ends the open window `token`, returning it (nil if there is none); its cold set is still ignored at the
    /// region's next scan.
    mutating func remove(_ token: String) -> ScanWindow? {
        guard let window = open.removeValue(forKey: token) else { return nil }
        linger(window)
        return window
    }

    /// Keeps the cold set of `window`, just ended, until its region's next scan.
    private mutating func linger(_ window: ScanWindow) {
        if var union = lingering[window.region], union.count == window.coldSet.count {
            union.formUnion(window.coldSet)
            lingering[window.region] = union
        } else {
            lingering[window.region] = window.coldSet
        }
    }

    /// Ends and returns every window open for `maximum` ms or longer at `now`.
    mutating func expire(at now: Int64, maximum: Int64) -> [ScanWindow] {
        let expired = open.values.filter { $0.isExpired(at: now, maximum: maximum) }
        return expired.compactMap { remove($0.token) }
    }

    /// The pages region `name` (laid out as `layout`) must not learn from at this scan: the cold sets of its open
    /// windows and of those that ended since its last scan. Nil when there are none. Windows of an earlier layout
    /// of the region (its VMM restarted) are left out.
    func ignored(in name: String, layout: RegionLayout) -> PageBitmap? {
        let sets = (Array(open.values) + Array(ending.values)).filter { $0.region == name && $0.layout == layout }
            .map(\.coldSet)
            + [lingering[name]].compactMap { $0 }.filter { $0.count == layout.pageCount }
        guard var union = sets.first else { return nil }
        for set in sets.dropFirst() { union.formUnion(set) }
        return union
    }

    /// The bytes the windows of region `name` hold (open, ending and lingering).
    func storageBytes(in name: String) -> Int {
        (Array(open.values) + Array(ending.values)).filter { $0.region == name }.reduce(0) { $0 + $1.storageBytes }
            + (lingering[name]?.storageBytes ?? 0)
    }

    /// Forgets the ended windows of region `name` once a scan has seen what they left.
    mutating func scanned(_ name: String) {
        lingering[name] = nil
    }

    /// A new token: 128 random bits in hex.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return [generator.next(), generator.next()].map { (word: UInt64) in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
