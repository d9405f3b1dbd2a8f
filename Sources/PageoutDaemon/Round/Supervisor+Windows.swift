import Logging
import PageoutCore
import PageoutLinux

/// Scan windows (BeginScan/EndScan): a scanner announced, its reads not learned from, its damage repaired at the
/// end through the same job as a round's.
extension Supervisor {
    /// BeginScan: opens a scan window on region `name`; returns its token and the size of its cold set in pages.
    public func beginScan(_ name: String) async throws(DaemonError) -> (token: String, coldPages: Int) {
        guard let entry = regions[name] else { throw .regionNotFound(name) }
        guard !entry.isGone else { throw .invalidParameter("name", "region \(name) is gone: its VMM exited") }
        // Each window keeps the region's cold set, a bit per page: the number open bounds what clients make the
        // daemon hold.
        let maximum = configuration.daemon.maxScanWindows
        guard windows.openCount(in: name) < maximum else {
            throw .invalidParameter("name", "region \(name) has \(maximum) scan windows open already "
                + "([daemon] max_scan_windows)")
        }
        let snapshot: PageSnapshot
        do {
            snapshot = try opened(entry).1.snapshot()
        } catch {
            handle(error, of: entry)
            throw .invalidParameter("name", "region \(name) cannot be scanned: \(error)")
        }
        let pagedOut = entry.policy.flatMap { $0.layout == snapshot.layout ? $0.pagedOut : nil }
        let window = ScanWindow(token: ScanWindows.newToken(), region: name, openedAt: now, snapshot: snapshot,
                                pagedOut: pagedOut)
        windows.insert(window)
        entry.status.windowsOpened += 1
        logger.info("scan window opened", metadata: [
            "region": "\(name)", "window": "\(window.token.prefix(8))", "cold_pages": "\(window.coldPages)"])
        await publishRegions()
        return (window.token, window.coldPages)
    }

    /// EndScan: puts the resident part of window `token`'s cold set out of memory again, under the same guards and
    /// rate limit as pageout, and returns what a snapshot after the repair shows. A window whose region went away
    /// (or whose VMM was replaced) ends with nothing done.
    public func endScan(_ token: String) async throws(DaemonError) -> ScanWindowResult {
        guard let window = windows.remove(token) else { throw .windowNotFound(token) }
        let guards = readGuards()
        bucket.refill(at: now)
        var result = ScanWindowResult(mappedPagedOut: 0, residentRepaired: 0, coldPages: window.coldPages,
                                      stillSwapped: 0)
        if let entry = regions[window.region] {
            entry.status.windowsClosed += 1
            if let job = windowJob(window, of: entry, guards: guards) {
                result = record(carryOut(job)).windowResult ?? result
            }
        }
        logger.info("scan window ended", metadata: [
            "region": "\(window.region)", "window": "\(window.token.prefix(8))", "cold_pages": "\(result.coldPages)",
            "mapped_paged_out": "\(result.mappedPagedOut)", "resident_repaired": "\(result.residentRepaired)",
            "still_swapped": "\(result.stillSwapped)"])
        await publishRegions()
        return result
    }

    /// Ends every window open longer than max_scan_window at `now`, without repair.
    func expireWindows(at now: Int64) {
        let maximum = configuration.daemon.maxScanWindow.wholeNanoseconds / 1_000_000
        for window in windows.expire(at: now, maximum: maximum) {
            regions[window.region]?.status.windowsExpired += 1
            logger.warning("scan window expired, ignoring", metadata: [
                "region": "\(window.region)", "window": "\(window.token.prefix(8))",
                "open_ms": "\(now - window.openedAt)"])
        }
    }

    /// The job that ends `window`: the resident part of its cold set, within the budget and the region's guards
    /// (mapped pages first), debited here. Nil when the region cannot be scanned or is another VMM's now.
    private func windowJob(_ window: ScanWindow, of entry: RegionEntry, guards: RoundGuards) -> PageoutJob? {
        guard !entry.isGone else { return nil }
        do {
            let (region, scanner) = try opened(entry)
            guard region.layout == window.layout else { return nil }
            let snapshot = try scanner.snapshot()
            let repair = window.repairSet(after: snapshot)
            let heldBy = guards.forRegion(paused: entry.isPaused, policy: entry.config.policy)
            entry.bucket.refill(at: now)
            let mayAct = heldBy == nil && !entry.config.policy.dryRun
            let budget = mayAct ? min(bucket.available, entry.bucket.available) : 0
            if let heldBy {
                logger.notice("scan window repair held back", metadata: [
                    "region": "\(window.region)", "reason": "\(heldBy.description)"])
            }
            let runs = repair.runs(limit: Int(budget / UInt64(region.layout.pageSize)))
            var plan = PageoutPlan()
            plan.runs = runs.mapped
            let job = PageoutJob(name: entry.name, region: region, source: entry.config.memory.regionSource,
                                 snapshot: snapshot, purpose: .windowEnd(window, repair), repair: runs.residentUnmapped,
                                 plan: plan)
            debit(job.bytes, of: entry)
            return job
        } catch {
            handle(error, of: entry)
            return nil
        }
    }

    /// A window's end: measures the result from a fresh snapshot, watches what went back out for refaults, and
    /// counts it.
    func recordWindowEnd(_ receipt: PageoutReceipt, window: ScanWindow, repair: ScanWindowRepair,
                         in entry: RegionEntry) -> ScanWindowResult? {
        guard let scanner = entry.scanner else { return nil }
        do {
            let after = try scanner.snapshot()
            let result = window.result(of: repair, after: after)
            var back = repair.mapped
            back.formUnion(repair.residentUnmapped)
            back.formIntersection(after.swapped)
            if var policy = entry.policy, policy.layout == window.layout {
                policy.recordWindowRepair(back)
                entry.policy = policy
            }
            let repaired = UInt64(result.mappedPagedOut + result.residentRepaired)
            entry.status.windowRepairedBytes += repaired * UInt64(window.layout.pageSize)
            return result
        } catch {
            handle(error, of: entry)
            return nil
        }
    }
}
