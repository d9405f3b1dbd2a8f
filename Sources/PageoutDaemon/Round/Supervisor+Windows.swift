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
        let window: ScanWindow
        do {
            window = try openWindow(on: entry, automatic: false)
        } catch {
            handle(error, of: entry)
            throw .invalidParameter("name", "region \(name) cannot be scanned: \(error)")
        }
        await publishRegions()
        return (window.token, window.coldPages)
    }

    /// Opens a window on `entry` from a fresh snapshot: by BeginScan, or by the daemon itself (`automatic`) when
    /// it sees the VMM migrate. A migration seen at a scan may have begun any time since the scan before: what was
    /// cold at that scan is in the automatic window's cold set too. Counted and logged as either.
    func openWindow(on entry: RegionEntry, automatic: Bool) throws -> ScanWindow {
        let snapshot = try opened(entry).1.snapshot()
        let policy = entry.policy.flatMap { $0.layout == snapshot.layout ? $0 : nil }
        let window = ScanWindow(token: ScanWindows.newToken(), region: entry.name, openedAt: now,
                                snapshot: snapshot, pagedOut: policy?.pagedOut,
                                earlier: automatic ? policy?.previous : nil, automatic: automatic)
        let first = windows.openCount(in: entry.name) == 0
        windows.insert(window)
        noteWindows(of: entry, snapshot: snapshot, newPeak: first)
        if automatic {
            entry.status.autoWindowsOpened += 1
        } else {
            entry.status.windowsOpened += 1
        }
        logger.info(automatic ? "migration seen: scan window opened" : "scan window opened", metadata: [
            "region": "\(entry.name)", "window": "\(window.token.prefix(8))", "cold_pages": "\(window.coldPages)"])
        return window
    }

    /// EndScan: puts the resident part of window `token`'s cold set out of memory again, under the same guards and
    /// rate limit as pageout, and returns what a snapshot after the repair shows. The repair goes out in steps no
    /// larger than a converging round's pageout, paced (see `repair(_:of:)`): the reply comes when it is done, or
    /// when a guard holds it back. A window whose region went away (or whose VMM was replaced) ends with nothing
    /// done.
    public func endScan(_ token: String, by caller: Caller = .root) async throws(DaemonError) -> ScanWindowResult {
        guard let open = windows.open[token], !open.automatic else { throw .windowNotFound(token) }
        try authorize(caller, "EndScan", on: open.region)
        guard let result = await closeWindow(token) else { throw .windowNotFound(token) }
        return result
    }

    /// Ends the open window `token` with its repair (see `endScan(_:by:)`); nil when no such window is open.
    func closeWindow(_ token: String) async -> ScanWindowResult? {
        guard let window = beginClosing(token) else { return nil }
        return await finishClosing(window)
    }

    /// Starts ending the open window `token`: from now on it is no longer open (it cannot be ended twice, expire,
    /// or be taken for an orphan) and it counts as closed; `finishClosing(_:)` repairs. Nil when no such window
    /// is open.
    func beginClosing(_ token: String) -> ScanWindow? {
        guard let window = windows.beginEnding(token) else { return nil }
        if let entry = regions[window.region] {
            entry.pacing.wake()  // what the scanner left is looked at every round until the region is quiet again
            if window.automatic {
                entry.status.autoWindowsClosed += 1
            } else {
                entry.status.windowsClosed += 1
            }
        }
        return window
    }

    /// Repairs `window`, whose ending `beginClosing(_:)` started, and ends it; returns what a snapshot after the
    /// repair shows.
    @discardableResult
    func finishClosing(_ window: ScanWindow) async -> ScanWindowResult {
        var result = ScanWindowResult(mappedPagedOut: 0, residentRepaired: 0, coldPages: window.coldPages,
                                      stillSwapped: 0)
        let started = now
        var steps = 0
        if let entry = regions[window.region], let (repair, taken) = await repair(window, of: entry) {
            steps = taken
            result = recordWindowEnd(window: window, repair: repair, in: entry) ?? result
        }
        windows.finishEnding(window.token)
        if let entry = regions[window.region] { noteWindows(of: entry) }
        logger.info(window.automatic ? "migration over: scan window ended" : "scan window ended", metadata: [
            "region": "\(window.region)", "window": "\(window.token.prefix(8))", "cold_pages": "\(result.coldPages)",
            "mapped_paged_out": "\(result.mappedPagedOut)", "resident_repaired": "\(result.residentRepaired)",
            "still_swapped": "\(result.stillSwapped)", "steps": "\(steps)", "repair_ms": "\(now - started)"])
        await publishRegions()
        return result
    }

    /// Keeps `entry`'s window figures current: the windows open on it, and the most of it seen resident while one
    /// was, raised to what `snapshot` shows (or started from it: `newPeak`, the first window of a while).
    func noteWindows(of entry: RegionEntry, snapshot: PageSnapshot? = nil, newPeak: Bool = false) {
        let open = windows.openCount(in: entry.name)
        entry.status.windowsOpen = UInt64(open)
        guard let snapshot, open > 0 else { return }
        let resident = UInt64(snapshot.mapped.setCount + snapshot.residentUnmapped.setCount)
            * UInt64(snapshot.layout.pageSize)
        entry.status.windowPeakResidentBytes = newPeak ? resident : max(entry.status.windowPeakResidentBytes, resident)
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

    /// Puts the resident part of `window`'s cold set out again in steps (`carryOut(_:of:window:)`); returns the
    /// whole repair set and the steps taken. Nil when the region cannot be scanned or is another VMM's now.
    private func repair(_ window: ScanWindow, of entry: RegionEntry) async -> (ScanWindowRepair, steps: Int)? {
        guard let (region, snapshot) = freshSnapshot(of: entry, layout: window.layout) else { return nil }
        noteWindows(of: entry, snapshot: snapshot)
        let repair = window.repairSet(after: snapshot)
        let steps = await carryOut(repair, of: entry, region: region, snapshot: snapshot, window: window.token,
                                   whileOpen: false)
        return (repair, steps)
    }

    /// The opened region of `entry` and a snapshot of it taken now, if its layout is still `layout` (nil too when
    /// it is gone or cannot be scanned: its status says why). With `pending`, the snapshot shows only the pages
    /// the VMM maps and which of `pending` are resident unmapped (`SnapshotScanner.mappedSnapshot(residencyOf:)`).
    func freshSnapshot(of entry: RegionEntry, layout: RegionLayout,
                       residencyOf pending: PageBitmap? = nil) -> (ShmemRegion, PageSnapshot)? {
        guard !entry.isGone else { return nil }
        do {
            let (opened, scanner) = try opened(entry)
            guard opened.layout == layout else { return nil }
            return (opened, try pending.map { try scanner.mappedSnapshot(residencyOf: $0) } ?? scanner.snapshot())
        } catch {
            handle(error, of: entry)
            return nil
        }
    }

    /// Carries out `repair` (of window `token`, on `snapshot` of `region`) in steps under the region's guards and
    /// the rate limit (charged for what goes to swap: not for the holes a scanner filled); returns the steps
    /// taken.
    ///
    /// A step is at most what a round puts out of a converging region (`PolicyLimits.repairStepPages`) and, when
    /// it writes to swap, what the rate limit allows in a second; after each the guest gets at least as long as
    /// the step took (and the rate limit its due) before the next: a migration leaves the cold set mapped in long
    /// runs, which in one call would hold the VMM's mmap lock and the host's CPU for hundreds of milliseconds.
    /// Between steps the actor serves other calls and rounds; the window's pages stay ignored by them until it
    /// ends. The repair stops early if a guard holds pageout back, the region is paused, unregistered or its VMM
    /// changes, or a step fails; a repair `whileOpen` also stops when the window ends or the rate limit holds back
    /// what is left (its next look carries on), and records each step in the window.
    func carryOut(_ repair: ScanWindowRepair, of entry: RegionEntry, region: ShmemRegion, snapshot: PageSnapshot,
                  window token: String, whileOpen: Bool) async -> Int {
        var left = repair
        let pageSize = UInt64(region.layout.pageSize)
        let stepPages = entry.limits(pageSize: region.layout.pageSize).repairStepPages
        let clock = ContinuousClock()
        var steps = 0
        while !left.isEmpty {
            guard regions[entry.name] === entry, entry.region === region, !entry.isGone else { break }
            if whileOpen, windows.open[token] == nil { break }
            if let heldBy = readGuards().forRegion(paused: entry.isPaused, policy: entry.config.policy) {
                logger.notice("scan window repair held back", metadata: [
                    "region": "\(entry.name)", "reason": "\(heldBy.description)",
                    "pages_left": "\(left.pageCount)"])
                break
            }
            if entry.config.policy.dryRun { break }
            // A step's writes to swap fit in the rate limit's bucket (a second's worth), or it would never fill.
            let affordable = Int(min(bucket.capacity, entry.bucket.capacity) / pageSize)
            let swapStepPages = max(1, min(stepPages, affordable))
            let wanted = UInt64(left.swapPagesOfNextStep(limit: swapStepPages)) * pageSize
            bucket.refill(at: now)
            entry.bucket.refill(at: now)
            let available = min(bucket.available, entry.bucket.available)
            // While the rate limit holds back what goes to swap, the holes a scanner filled go back (for nothing).
            let holesOnly = available < wanted && left.holdsFormerHoles
            if available < wanted, !holesOnly {
                // While a migration runs, its next look (which may find more holes filled) beats waiting here.
                if whileOpen { break }
                try? await Task.sleep(for: refillTime(of: wanted - available, entry: entry))
                continue
            }
            let stepStarted = clock.now
            let waitBefore = guestCPUWait(of: entry)
            let step = left.takeStep(limit: holesOnly ? stepPages : swapStepPages, formerHolesOnly: holesOnly)
            let charged = UInt64(left.swapPages(of: step)) * pageSize
            var plan = PageoutPlan()
            plan.runs = step.mapped
            let job = PageoutJob(name: entry.name, region: region, source: entry.config.memory.regionSource,
                                 snapshot: snapshot, purpose: .windowRepair,
                                 repair: step.residentUnmapped, plan: plan)
            debit(charged, of: entry)
            let receipt = carryOut(job)
            steps += 1
            if whileOpen {
                _ = windows.update(token) { $0.noteRepairedWhileOpen(step.mapped + step.residentUnmapped) }
                entry.status.windowRepairedBytes += job.bytes
            }
            // The guest runs at least as long as the step took before the next one, unless the step cost it no
            // CPU time: a migration makes the holes of guest RAM resident as fast as one core faults them in,
            // and a repair that works half the time falls behind by hundreds of MiB a second.
            let took = clock.now - stepStarted
            let guestWaited = waitBefore.flatMap { before in guestCPUWait(of: entry)?.nanoseconds(since: before) }
            let pause = guestWaited.map { Self.stepLeftTheGuestItsCPU(took: took, guestWaited: $0) } == true
                ? Duration.milliseconds(1) : max(took, .milliseconds(1))
            logger.debug("scan window repair step", metadata: [
                "region": "\(entry.name)", "pages": "\(job.pageCount)", "while_open": "\(whileOpen)",
                "step_ms": "\(Self.milliseconds(took))", "pause_ms": "\(Self.milliseconds(pause))",
                "guest_waited_us": "\(guestWaited.map { "\($0 / 1000)" } ?? "unknown")"])
            if let failure = receipt.failure {
                handle(failure, of: entry)
                break
            }
            try? await Task.sleep(for: pause)
        }
        return steps
    }

    /// Whether a repair step that took `took` cost the guest no CPU time worth a pause: its threads waited for a
    /// CPU, all together, for at most a tenth of the step (a host with a core to spare; on a busy one the guest's
    /// threads queue behind the step, and the pause gives them their turn).
    static func stepLeftTheGuestItsCPU(took: Duration, guestWaited nanoseconds: UInt64) -> Bool {
        let tookMicroseconds = took.components.seconds * 1_000_000 + took.components.attoseconds / 1_000_000_000_000
        return tookMicroseconds > 0 && nanoseconds / 1_000 <= UInt64(tookMicroseconds) / 10
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
