import Logging
import PageoutCore
import PageoutLinux

/// What one region's scan decided, for the supervisor to carry out.
struct ScanOutcome: Sendable {
    /// The region's name.
    var name: String
    /// The opened region to page out through (nil if there is nothing to do).
    var region: ShmemRegion?
    /// The plan; empty when nothing is to be paged out.
    var plan: PageoutPlan
    /// The plan's address ranges.
    var ranges: [AddressRange]
    /// The plan's size in bytes.
    var bytes: UInt64
    /// The region's memory source, to check its mappings are unchanged before acting.
    var source: RegionSource?
    /// Pages another process read back, to put into swap again through the daemon's own mapping.
    var repair: [Range<Int>] = []
    /// Pages an earlier pageout left in memory unmapped, to page out through the daemon's own mapping.
    var finish: [Range<Int>] = []

    /// True if there is nothing to carry out.
    var isEmpty: Bool { region == nil || (ranges.isEmpty && repair.isEmpty && finish.isEmpty) }
}

/// Owns every region's scanner and policy state; runs on its own thread (pagemap, mincore and SEEK_DATA block).
actor ScanWorker {
    private let executor = ThreadExecutor(name: "pageoutd-scan")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let resolver: RegionResolver
    // Internal (not private) for the scan windows' extension in ScanWindows.swift.
    let logger: Logger
    var runtimes: [RegionRuntime] = []
    /// Open scan windows (BeginScan/EndScan).
    var windows = ScanWindows()

    init(resolver: RegionResolver, logger: Logger) {
        self.resolver = resolver
        self.logger = logger
    }

    /// Applies a (re)loaded configuration: new regions are added, removed ones dropped, changed sources reopened,
    /// changed policies take effect at the next scan with what was learned kept.
    func configure(_ regions: [RegionConfig], now: Int64) {
        var next: [RegionRuntime] = []
        for config in regions {
            if let existing = runtimes.first(where: { $0.config.name == config.name }) {
                if existing.config.process != config.process || existing.config.memory != config.memory {
                    existing.close()
                    existing.isGone = false
                    existing.lastProblem = nil
                }
                existing.config = config
                existing.bucket.setRate(config.policy.maxPageoutRate.bytes)
                next.append(existing)
            } else {
                next.append(RegionRuntime(config: config, now: now))
            }
        }
        runtimes = next
    }

    /// Pauses or resumes one region (or all when `name` is nil); returns the names affected.
    func setPaused(_ paused: Bool, name: String?) -> [String] {
        let chosen = runtimes.filter { name == nil || $0.config.name == name }
        chosen.forEach { $0.isPaused = paused }
        return chosen.map(\.config.name)
    }

    /// The names of the configured regions, in order.
    var regionNames: [String] { runtimes.map(\.config.name) }

    /// Scans region `name` at `now` and plans its pageout within `globalBudget` bytes of the shared rate limit.
    /// `machineGuard` is the guard in force for everyone (nil when pageout may run).
    func scan(_ name: String, now: Int64, globalBudget: UInt64, swap: SwapStatus?, pressure: MemoryPressure?,
              swapProblem: String?) -> ScanOutcome {
        guard let runtime = runtimes.first(where: { $0.config.name == name }) else {
            return ScanOutcome(name: name, region: nil, plan: PageoutPlan(), ranges: [], bytes: 0, source: nil)
        }
        let empty = ScanOutcome(name: name, region: nil, plan: PageoutPlan(), ranges: [], bytes: 0, source: nil)
        guard !runtime.isGone else { return empty }
        do {
            let (region, scanner) = try opened(runtime)
            let snapshot = try scanner.snapshot()
            let pageSize = region.layout.pageSize
            let limits = runtime.limits(pageSize: pageSize)
            var policy = runtime.policy ?? RegionPolicyState(layout: region.layout, blockPages: limits.blockPages, now: now)
            runtime.pendingRecheck = nil  // a recheck that has not run yet is moot: this scan sees every refault
            let heldBy = guardFor(runtime, swap: swap, pressure: pressure, swapProblem: swapProblem)
            runtime.bucket.refill(at: now)
            let budgetBytes = heldBy == nil ? min(globalBudget, runtime.bucket.available) : 0
            // Pages of open scan windows mapped again are the scanner's reads: the policy must not learn from them.
            let decision = PolicyEngine.evaluate(policy, snapshot: snapshot, now: now, limits: limits,
                                                 pageBudget: Int(budgetBytes / UInt64(pageSize)),
                                                 ignoringRefaults: windows.ignored(in: name, layout: region.layout))
            windows.scanned(name)
            policy = decision.state
            runtime.policy = policy
            let dryRun = runtime.config.policy.dryRun
            updateStatus(runtime, region: region, decision: decision, heldBy: heldBy ?? (dryRun ? .dryRun : nil))
            if runtime.lastProblem != nil {
                logger.notice("region scanned again", metadata: ["region": "\(name)"])
                runtime.lastProblem = nil
            }
            let repairPages = (decision.repair + decision.finish).reduce(0) { $0 + $1.count }
            guard !decision.plan.isEmpty || repairPages > 0, runtime.config.policy.dryRun == false else {
                if !decision.plan.isEmpty || repairPages > 0 {
                    logger.info("dry run: would page out", metadata: [
                        "region": "\(name)", "pages": "\(decision.plan.pageCount)",
                        "probe_pages": "\(decision.plan.probePages)", "repair_pages": "\(repairPages)"])
                }
                return empty
            }
            var ranges: [AddressRange] = []
            for run in decision.plan.runs { region.layout.forEachAddressRange(of: run) { ranges.append($0) } }
            let bytes = UInt64(decision.plan.pageCount) * UInt64(pageSize)
            return ScanOutcome(name: name, region: region, plan: decision.plan, ranges: ranges, bytes: bytes,
                               source: runtime.config.memory.regionSource, repair: decision.repair,
                               finish: decision.finish)
        } catch {
            handle(error, of: runtime)
            return empty
        }
    }

    /// Records that `outcome`'s plan was carried out at `now`, taking its bytes from the region's rate limit.
    func recordPageout(_ outcome: ScanOutcome, at now: Int64) {
        guard let runtime = runtimes.first(where: { $0.config.name == outcome.name }),
              runtime.region === outcome.region, var policy = runtime.policy
        else { return }
        policy.recordPageout(outcome.plan, at: now)
        runtime.policy = policy
        runtime.pendingRecheck = outcome.plan
        runtime.bucket.take(outcome.bytes)
        runtime.status.pagedOutBytes = UInt64(policy.totals.pagedOutPages) * UInt64(policy.layout.pageSize)
    }

    /// Records that `outcome`'s unmapped pages went out through the daemon's own mapping (`finished` of the
    /// leftovers of earlier pageouts and `repaired` of the pages another process read back were still resident),
    /// taking them from the region's rate limit. Finished leftovers count as paged out, the rest as repaired.
    func recordUnmappedPageout(_ outcome: ScanOutcome, finished: Int, repaired: Int) {
        guard let runtime = runtimes.first(where: { $0.config.name == outcome.name }),
              runtime.region === outcome.region, var policy = runtime.policy
        else { return }
        let pageSize = UInt64(policy.layout.pageSize)
        policy.recordFinishedPageout(outcome.finish)
        runtime.policy = policy
        runtime.repairedPages += repaired
        runtime.bucket.take(UInt64(finished + repaired) * pageSize)
        runtime.status.pagedOutBytes = UInt64(policy.totals.pagedOutPages) * pageSize
        runtime.status.repairedBytes = UInt64(runtime.repairedPages) * pageSize
    }

    /// Re-reads the pagemap of the pages just paged out: pages back already belong to the hottest set.
    func recheck(_ name: String, at now: Int64) {
        guard let runtime = runtimes.first(where: { $0.config.name == name }), let plan = runtime.pendingRecheck,
              let scanner = runtime.scanner, let policy = runtime.policy
        else { return }
        runtime.pendingRecheck = nil
        do {
            let mapped = try scanner.mappedPages(among: plan.runs)
            let limits = runtime.limits(pageSize: policy.layout.pageSize)
            let (updated, refaults) = PolicyEngine.recheck(
                policy, mappedNow: mapped, now: now, limits: limits,
                ignoringRefaults: windows.ignored(in: name, layout: policy.layout))
            runtime.policy = updated
            runtime.status.refaultPages = UInt64(updated.totals.refaultPages)
            if refaults > 0 {
                logger.debug("pages back right after pageout", metadata: ["region": "\(name)", "pages": "\(refaults)"])
            }
        } catch {
            handle(error, of: runtime)
        }
    }

    /// The status of every region, in configuration order.
    func statuses() -> [RegionStatus] {
        runtimes.map(\.status)
    }

    /// Marks a region whose pageout failed: gone if its process exited, else failed with the reason.
    func pageoutFailed(_ name: String, error: any Error) {
        guard let runtime = runtimes.first(where: { $0.config.name == name }) else { return }
        handle(error, of: runtime)
    }

    // MARK: - Internals

    /// The runtime's opened region and scanner, opening (and checking) them first if needed.
    func opened(_ runtime: RegionRuntime) throws -> (ShmemRegion, SnapshotScanner) {
        if let region = runtime.region, let scanner = runtime.scanner {
            return (region, scanner)
        }
        let region = try resolver.open(runtime.config)
        let scanner = SnapshotScanner(region: region)
        runtime.region = region
        runtime.scanner = scanner
        runtime.policy = nil
        runtime.status.pid = region.process.pid
        logger.info("region resolved", metadata: [
            "region": "\(runtime.config.name)", "vmm_pid": "\(region.process.pid)",
            "bytes": "\(region.byteCount)", "mappings": "\(region.mappings.count)",
            "pagemap": "\(scanner.method.rawValue)"])
        return (region, scanner)
    }

    /// The guard holding this region back, if any.
    func guardFor(_ runtime: RegionRuntime, swap: SwapStatus?, pressure: MemoryPressure?,
                          swapProblem: String?) -> PageoutGuard? {
        if runtime.isPaused { return .paused }
        if let swapProblem { return .unreadable(swapProblem) }
        guard let swap else { return .noSwap }
        // dry_run is not a guard here: the plan is made as usual, then logged instead of carried out.
        return PageoutGuard.machine(swap: swap, pressure: pressure, policy: runtime.config.policy)
    }

    /// Fills the region's status from a decision.
    private func updateStatus(_ runtime: RegionRuntime, region: ShmemRegion, decision: PolicyDecision,
                              heldBy: PageoutGuard?) {
        let page = UInt64(region.layout.pageSize)
        let counts = decision.counts
        var status = runtime.status
        status.pid = region.process.pid
        status.phase = runtime.isPaused ? .paused : .active
        status.sizeBytes = region.byteCount
        status.mappedBytes = UInt64(counts.hot + counts.warm + counts.cold) * page
        status.swappedBytes = UInt64(counts.swapped) * page
        status.holeBytes = UInt64(counts.hole) * page
        status.skewedBytes = UInt64(counts.skewed) * page
        status.hotBytes = UInt64(counts.hot) * page
        status.warmBytes = UInt64(counts.warm) * page
        status.coldBytes = UInt64(counts.cold) * page
        status.refaultPages = UInt64(decision.state.totals.refaultPages)
        status.scans += 1
        let cap = runtime.config.policy.maxSwappedPercent
        let nonHole = max(1, region.layout.pageCount - counts.hole)
        if heldBy == nil, Double(counts.swapped) >= cap.fraction * Double(nonHole) {
            status.reason = PageoutGuard.regionSwapCap(percent: cap.value).description
        } else {
            status.reason = heldBy?.description
        }
        runtime.status = status
    }

    /// Turns a scan or pageout failure into the region's state, logging each distinct problem once.
    func handle(_ error: any Error, of runtime: RegionRuntime) {
        let name = runtime.config.name
        if error is ProcessExited, case .pid = runtime.config.process {
            runtime.isGone = true
            runtime.close()
            runtime.status.phase = .gone
            runtime.status.reason = "\(error)"
            logger.notice("region gone: its VMM exited", metadata: ["region": "\(name)", "error": "\(error)"])
            return
        }
        // A pid file may name a restarted VMM: keep resolving. A changed mapping is resolved again.
        runtime.close()
        let problem = "\(error)"
        runtime.status.phase = error is ProcessExited ? .pending : .failed
        runtime.status.reason = problem
        if runtime.lastProblem != problem {
            runtime.lastProblem = problem
            logger.warning("region not scanned, retrying every scan", metadata: ["region": "\(name)", "error": "\(problem)"])
        }
    }
}
