import PageoutCore
import PageoutLinux

/// Which regions a round scans: every region that changes, a quiet one every few intervals
/// (`ScanPacing`), so that what a round costs grows with what changes, not with the memory watched.
extension Supervisor {
    /// The scan interval in milliseconds (at least 1).
    var scanIntervalMilliseconds: Int64 { max(1, scanInterval.wholeNanoseconds / 1_000_000) }

    /// True when the round starting at `now` scans `entry`: always while it changes, is paused, is not resolved
    /// yet or a migration's window is open on it; a quiet one when its stretched interval has passed, or when the
    /// cheap look (`SnapshotScanner.look(ownSwap:)`, with the daemon's smaps read once a round by `ownSwap`) says
    /// its memory moved: the guest's refaults or new pages, another process's reads, reclaim.
    func isScanDue(_ entry: RegionEntry, at now: Int64, ownSwap: RoundOwnSwap) -> Bool {
        guard !mustScanNow(entry), !entry.isPaused, entry.pacing.mayWait(at: now, interval: scanIntervalMilliseconds),
              let region = entry.region, let scanner = entry.scanner, let swap = ownSwap.bytes,
              let look = try? scanner.look(ownSwap: swap)
        else { return true }
        guard !entry.pacing.moved(look, regionBytes: region.byteCount) else { return true }
        entry.status.scansSkipped += 1
        return false
    }

    /// Reads the look of every region this round found quiet, after the round's pageouts: what the looks of the
    /// next rounds are compared with (one more read of the daemon's smaps, only in a round that found one).
    func takeLookReferences() {
        let settled = regions.entries.filter { $0.pacing.stretch > 1 && $0.pacing.reference == nil }
        guard !settled.isEmpty else { return }
        let ownSwap = RoundOwnSwap(procfs: procfs, entries: settled)
        guard let swap = ownSwap.bytes else { return }
        for entry in settled {
            if let look = try? entry.scanner?.look(ownSwap: swap) { entry.pacing.setReference(look) }
        }
    }

    /// True when `entry` is scanned in this round even past the CPU budget: it is not resolved yet, or a
    /// migration's window is open on it (what the migration brings in is put back while it runs). A window
    /// opened with BeginScan does not make a quiet region's rounds scan it: its repair waits for EndScan, and
    /// what its scanner reads moves what the look compares (swapped pages read back lower the `Swap:` of the
    /// daemon's view, holes read through a mapping raise the file's blocks), so the round after a read scans
    /// the region and the window's peak follows the read.
    func mustScanNow(_ entry: RegionEntry) -> Bool {
        entry.region == nil || entry.autoWindow != nil
    }

    /// Records a scan of `entry` whose snapshot had `mapped` pages mapped (the previous one `mappedBefore`): a
    /// quiet one stretches the region's interval, any other brings it back to every round.
    func notePacing(_ entry: RegionEntry, region: ShmemRegion, decision: PolicyDecision, mapped: Int,
                    mappedBefore: Int?, mayPageOut: Bool) {
        let quiet = ScanPacing.isQuiet(decision, pageCount: region.layout.pageCount, mapped: mapped,
                                       mappedBefore: mappedBefore, mayPageOut: mayPageOut)
        entry.pacing.scanned(at: now, interval: scanIntervalMilliseconds, quiet: quiet, dueAt: decision.coldDueAt)
        entry.status.scanStretch = UInt64(entry.pacing.stretch)
    }
}

/// The `Swap:` figures of the daemon's own views of every region, from its smaps: for the looks at quiet regions,
/// read once a round and only when one needs them (`bytes`); for the round's snapshots (`OwnSwapSource`), read
/// again when older than `maxAge` or when a snapshot's counts disagree with them.
final class RoundOwnSwap: OwnSwapSource {
    /// The oldest figures a snapshot is given (see `OwnSwapSource` for why figures a moment old serve).
    static let maxAge = Duration.milliseconds(50)
    private let procfs: ProcFS
    private let entries: [RegionEntry]
    private let clock = ContinuousClock()
    private var read = false
    private var cached: [UInt64: UInt64]?
    private var readAt: ContinuousClock.Instant?

    /// The figures of `entries`' views, read at the first use.
    init(procfs: ProcFS, entries: [RegionEntry]) {
        self.procfs = procfs
        self.entries = entries
    }

    /// The figures by view start address, read once; nil when the smaps could not be read.
    var bytes: [UInt64: UInt64]? {
        if !read {
            read = true
            cached = try? readNow()
        }
        return cached
    }

    func swapBytes(readingAgain again: Bool) throws -> [UInt64: UInt64] {
        if !again, let cached, let readAt, clock.now - readAt <= Self.maxAge { return cached }
        return try readNow()
    }

    /// Reads the figures of every view of `entries` (those opened since included) and keeps them.
    private func readNow() throws -> [UInt64: UInt64] {
        let starts = entries.reduce(into: Set<UInt64>()) { $0.formUnion($1.scanner?.viewStarts ?? []) }
        let figures = try procfs.ownSwapBytes(mappingsStartingAt: starts)
        (read, cached, readAt) = (true, figures, clock.now)
        return figures
    }
}
