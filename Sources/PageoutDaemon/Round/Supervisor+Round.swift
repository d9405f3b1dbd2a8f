import Logging
import PageoutCore
import PageoutLinux

/// A scan round: each region is scanned into one job, the job is carried out, and its receipt is recorded.
extension Supervisor {
    /// One round: judge the guards, plan, carry out and record every region's job, recheck what was just paged
    /// out, publish status.
    @discardableResult
    public func scanRound() async -> DaemonStatus {
        let started = now
        let guards = readGuards()
        reportMachineGuard(guards.machine)
        bucket.refill(at: started)
        expireWindows(at: started)
        dropOrphanedAutoWindows()
        scanBudget.refill(at: started)
        var pagedOutMapped: [String] = []
        let ownSwap = RoundOwnSwap(procfs: procfs, entries: regions.entries)
        // The longest-waiting first: a region the CPU budget left for later is scanned before the others.
        for entry in regions.entries.sorted(by: { $0.pacing.nextScanAt < $1.pacing.nextScanAt }) {
            followMigration(entry)
            guard isScanDue(entry, at: started, ownSwap: ownSwap) else { continue }
            guard scanBudget.mayScan || mustScanNow(entry) else {
                scanBudget.noteDeferred()
                continue
            }
            let cpuBefore = ThreadCPUTime.seconds()
            let planned = plannedJob(for: entry, guards: guards, budget: bucket.available, ownSwap: ownSwap)
            let scanned = ThreadCPUTime.seconds() - cpuBefore
            scanBudget.spend(scanned)
            roundCPU.scan += scanned
            guard let job = planned else { continue }
            let pageoutBefore = ThreadCPUTime.seconds()
            let receipt = carryOut(job)
            roundCPU.pageout += ThreadCPUTime.seconds() - pageoutBefore
            if record(receipt).pagedOutMapped { pagedOutMapped.append(entry.name) }
        }
        takeLookReferences()
        if !pagedOutMapped.isEmpty {
            // Pages the guest needs come back within milliseconds: look again shortly, while it is cheap.
            try? await Task.sleep(for: min(Duration.milliseconds(250), scanInterval / 4))
            for name in pagedOutMapped { recheck(name) }
        }
        let status = await publishRound(guards: guards)
        forgetGoneRegistrations()
        HeapTrim.releaseFreePages()  // the round's bitmaps are gone: resident memory is what the regions hold
        return status
    }

    /// Scans `entry` and plans its job within `globalBudget` bytes of the shared rate limit and the region's own,
    /// debiting both by the job's size (a dry-run job spends nothing). Nil when there is nothing to do, or the
    /// region could not be scanned (its status says why). `ownSwap`: the round's shared read of the daemon's smaps
    /// (nil: the snapshot reads it alone).
    func plannedJob(for entry: RegionEntry, guards: RoundGuards, budget globalBudget: UInt64,
                    ownSwap: OwnSwapSource? = nil) -> PageoutJob? {
        guard !entry.isGone, !staysRefused(entry) else { return nil }
        do {
            let (region, scanner) = try opened(entry)
            let snapshotBefore = ThreadCPUTime.seconds()
            let snapshot = try scanner.snapshot(ownSwap: ownSwap)
            roundCPU.snapshot += ThreadCPUTime.seconds() - snapshotBefore
            noteWindows(of: entry, snapshot: snapshot)
            let heldBy = guards.forRegion(paused: entry.isPaused, policy: entry.config.policy)
            entry.bucket.refill(at: now)
            let budget = heldBy == nil ? min(globalBudget, entry.bucket.available) : 0
            followOtherMappers(entry, region: region, snapshot: snapshot)
            let sharing = try sharing(of: entry, scanner: scanner, snapshot: snapshot)
            let prefetchResident = try prefetchResidency(of: entry, scanner: scanner, snapshot: snapshot)
            let mappedBefore = entry.policy?.previous?.mapped.setCount
            let decision = evaluate(entry, snapshot: snapshot, sharing: sharing, prefetchResident: prefetchResident,
                                    pageBudget: Int(budget / UInt64(region.layout.pageSize)))
            notePacing(entry, region: region, decision: decision, mapped: snapshot.mapped.setCount,
                       mappedBefore: mappedBefore, mayPageOut: heldBy == nil && budget > 0)
            let dryRun = entry.config.policy.dryRun
            updateStatus(entry, region: region, decision: decision, heldBy: heldBy ?? (dryRun ? .dryRun : nil))
            var job = PageoutJob(name: entry.name, region: region, source: entry.config.memory.regionSource,
                                 snapshot: snapshot, purpose: .round, finish: decision.finish,
                                 repair: decision.repair, plan: decision.plan, dryRun: dryRun)
            job.prefetch = decision.prefetch
            job.expiredPrefetch = decision.expiredPrefetch
            guard !job.isEmpty else { return nil }
            if !dryRun { debit(job.bytes, of: entry) }
            return job
        } catch {
            handle(error, of: entry)
            return nil
        }
    }

    /// Which of `entry`'s prefetched pages still waiting, unmapped in `snapshot`, are in memory (mincore on the
    /// daemon's views): nil when none waits. Reclaim drops such pages without a trace in the kernel's counts. A
    /// snapshot taken page by page looked every unmapped page up already: its resident ones answer.
    func prefetchResidency(of entry: RegionEntry, scanner: SnapshotScanner,
                           snapshot: PageSnapshot) throws -> PageBitmap? {
        guard let state = entry.policy, state.layout == snapshot.layout else { return nil }
        let look = PolicyEngine.prefetchLook(state, snapshot: snapshot)
        guard !look.isEmpty else { return nil }
        if scanner.lastPaths.allSatisfy({ $0 == .pageByPage }) { return look.intersection(snapshot.residentUnmapped) }
        return try scanner.resident(among: look)
    }

    /// Carries out `job` through the advisor, or through none for a dry-run job.
    func carryOut(_ job: PageoutJob) -> PageoutReceipt {
        job.dryRun ? DryRunAdvisor().carryOut(job) : advisor.carryOut(job)
    }

    /// Takes `bytes` from the shared rate limit and `entry`'s own.
    func debit(_ bytes: UInt64, of entry: RegionEntry) {
        bucket.take(bytes)
        entry.bucket.take(bytes)
    }

    /// Evaluates `snapshot` of `entry`'s opened region; pages of open scan windows mapped again are the scanner's
    /// reads, which the policy must not learn from. Keeps the new policy state.
    private func evaluate(_ entry: RegionEntry, snapshot: PageSnapshot, sharing: PageSharing?,
                          prefetchResident: PageBitmap?, pageBudget: Int) -> PolicyDecision {
        let layout = snapshot.layout
        var limits = entry.limits(pageSize: layout.pageSize)
        limits.probeTimeCap = scanIntervalMilliseconds
        let state = entry.policy ?? RegionPolicyState(layout: layout, limits: limits, now: now)
        entry.pendingRecheck = nil  // a recheck that has not run yet is moot: this scan sees every refault
        let decision = PolicyEngine.evaluate(state, snapshot: snapshot, now: now, limits: limits,
                                             pageBudget: pageBudget,
                                             ignoringRefaults: windows.ignored(in: entry.name, layout: layout),
                                             sharing: sharing, prefetchResident: prefetchResident)
        windows.scanned(entry.name)
        entry.policy = decision.state
        if entry.lastProblem != nil {
            logger.notice("region scanned again", metadata: ["region": "\(entry.name)"])
            entry.lastProblem = nil
        }
        return decision
    }

    /// Re-reads the pagemap of the pages region `name` just paged out: pages back already belong to the hottest set.
    func recheck(_ name: String) {
        guard let entry = regions[name], let plan = entry.pendingRecheck, let scanner = entry.scanner,
              let policy = entry.policy
        else { return }
        entry.pendingRecheck = nil
        do {
            let look = try scanner.mappedPages(among: plan.runs)
            let (updated, refaults) = PolicyEngine.recheck(
                policy, mappedNow: look.mapped, sharedNow: look.shared, now: now,
                limits: entry.limits(pageSize: policy.layout.pageSize),
                ignoringRefaults: windows.ignored(in: name, layout: policy.layout))
            entry.policy = updated
            entry.status.refaultPages = UInt64(updated.totals.refaultPages)
            if refaults > 0 {
                logger.debug("pages back right after pageout", metadata: ["region": "\(name)", "pages": "\(refaults)"])
            }
        } catch {
            handle(error, of: entry)
        }
    }
}
