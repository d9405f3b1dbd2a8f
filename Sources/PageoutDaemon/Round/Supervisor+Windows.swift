import Logging
import PageoutCore
import PageoutLinux

/// Scan windows (BeginScan/EndScan): a scanner announced, its reads not learned from, its damage repaired at the
/// end through the same job as a round's.
extension Supervisor {
    /// BeginScan: opens a scan window on region `name`; returns its token and the size of its cold set in pages.
    public func beginScan(_ name: String, by caller: Caller = .root) async throws(DaemonError)
        -> (token: String, coldPages: Int) {
        guard let entry = regions[name] else { throw .regionNotFound(name) }
        try authorize(caller, "BeginScan", on: name)
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
    /// rate limit as pageout, and returns what a snapshot after the repair shows. The repair goes out in steps no
    /// larger than a converging round's pageout, paced (see `repair(_:of:)`): the reply comes when it is done, or
    /// when a guard holds it back. A window whose region went away (or whose VMM was replaced) ends with nothing
    /// done.
    public func endScan(_ token: String, by caller: Caller = .root) async throws(DaemonError) -> ScanWindowResult {
        guard let region = windows.open[token]?.region else { throw .windowNotFound(token) }
        try authorize(caller, "EndScan", on: region)
        guard let window = windows.beginEnding(token) else { throw .windowNotFound(token) }
        var result = ScanWindowResult(mappedPagedOut: 0, residentRepaired: 0, coldPages: window.coldPages,
                                      stillSwapped: 0)
        let started = now
        var steps = 0
        if let entry = regions[window.region] {
            entry.status.windowsClosed += 1
            if let (repair, taken) = await repair(window, of: entry) {
                steps = taken
                result = recordWindowEnd(window: window, repair: repair, in: entry) ?? result
            }
        }
        windows.finishEnding(token)
        logger.info("scan window ended", metadata: [
            "region": "\(window.region)", "window": "\(window.token.prefix(8))", "cold_pages": "\(result.coldPages)",
            "mapped_paged_out": "\(result.mappedPagedOut)", "resident_repaired": "\(result.residentRepaired)",
            "still_swapped": "\(result.stillSwapped)", "steps": "\(steps)", "repair_ms": "\(now - started)"])
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

    /// Puts the resident part of `window`'s cold set out again in steps, under the region's guards and the rate
    /// limit; returns the whole repair set and the steps taken. Nil when the region cannot be scanned or is another
    /// VMM's now.
    ///
    /// A step is at most what a round puts out of a converging region (`PolicyLimits.repairStepPages`), and after
    /// each the guest gets at least as long as the step took (and the rate limit its due) before the next: a
    /// migration leaves the cold set mapped in long runs, which in one call would hold the VMM's mmap lock and the
    /// host's CPU for hundreds of milliseconds. Between steps the actor serves other calls and rounds; the
    /// window's pages stay ignored by them until it ends. The repair stops early if a guard holds pageout back,
    /// the region is paused, unregistered or its VMM changes, or a step fails.
    private func repair(_ window: ScanWindow, of entry: RegionEntry) async -> (ScanWindowRepair, steps: Int)? {
        guard !entry.isGone else { return nil }
        let region: ShmemRegion
        let snapshot: PageSnapshot
        do {
            let (opened, scanner) = try opened(entry)
            guard opened.layout == window.layout else { return nil }
            region = opened
            snapshot = try scanner.snapshot()
        } catch {
            handle(error, of: entry)
            return nil
        }
        let repair = window.repairSet(after: snapshot)
        var left = repair
        let pageSize = UInt64(region.layout.pageSize)
        let stepPages = entry.limits(pageSize: region.layout.pageSize).repairStepPages
        let clock = ContinuousClock()
        var steps = 0
        while !left.isEmpty {
            guard regions[entry.name] === entry, entry.region === region, !entry.isGone else { break }
            if let heldBy = readGuards().forRegion(paused: entry.isPaused, policy: entry.config.policy) {
                logger.notice("scan window repair held back", metadata: [
                    "region": "\(window.region)", "reason": "\(heldBy.description)",
                    "pages_left": "\(left.pageCount)"])
                break
            }
            if entry.config.policy.dryRun { break }
            let wanted = UInt64(min(stepPages, left.pageCount)) * pageSize
            bucket.refill(at: now)
            entry.bucket.refill(at: now)
            let available = min(bucket.available, entry.bucket.available)
            if available < wanted {
                try? await Task.sleep(for: refillTime(of: wanted - available, entry: entry))
                continue
            }
            let stepStarted = clock.now
            let step = left.takeStep(limit: stepPages)
            var plan = PageoutPlan()
            plan.runs = step.mapped
            let job = PageoutJob(name: entry.name, region: region, source: entry.config.memory.regionSource,
                                 snapshot: snapshot, purpose: .windowRepair,
                                 repair: step.residentUnmapped, plan: plan)
            debit(job.bytes, of: entry)
            let receipt = carryOut(job)
            steps += 1
            logger.debug("scan window repair step", metadata: [
                "region": "\(window.region)", "pages": "\(job.pageCount)",
                "step_ms": "\(Int((clock.now - stepStarted) / .milliseconds(1)))"])
            if let failure = receipt.failure {
                handle(failure, of: entry)
                break
            }
            // The guest runs at least as long as the step took before the next one.
            try? await Task.sleep(for: max(clock.now - stepStarted, .milliseconds(1)))
        }
        return (repair, steps)
    }

    /// How long the shared rate limit and `entry`'s take to earn `bytes`.
    private func refillTime(of bytes: UInt64, entry: RegionEntry) -> Duration {
        let rate = max(1, min(bucket.rate, entry.bucket.rate))
        return .milliseconds(Int64(min(bytes.multipliedReportingOverflow(by: 1000).partialValue / rate, 1000)) + 1)
    }

    /// A window's end: measures the result from a fresh snapshot, watches what went back out for refaults, and
    /// counts it.
    func recordWindowEnd(window: ScanWindow, repair: ScanWindowRepair, in entry: RegionEntry) -> ScanWindowResult? {
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
