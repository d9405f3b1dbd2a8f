import Logging
import PageoutCore
import PageoutLinux

/// What recording a receipt found worth telling the caller.
struct RecordedJob: Sendable {
    /// True if mapped pages went out: the round rechecks them shortly.
    var pagedOutMapped = false
}

/// Learning from what a job did, and keeping each region's state and status.
extension Supervisor {
    /// Updates the policy state and status of the receipt's region from what its job did. A receipt for a region
    /// that was closed or replaced since the job was planned teaches nothing.
    @discardableResult
    func record(_ receipt: PageoutReceipt) -> RecordedJob {
        let job = receipt.job
        guard let entry = regions[job.name], entry.region === job.region else { return RecordedJob() }
        var recorded = RecordedJob()
        if job.dryRun {
            logger.info("dry run: would page out", metadata: [
                "region": "\(job.name)", "pages": "\(job.plan.pageCount)", "probe_pages": "\(job.plan.probePages)",
                "repair_pages": "\(PageoutJob.pages(job.finish) + PageoutJob.pages(job.repair))"])
            return recorded
        }
        switch job.purpose {
        case .round:
            recorded.pagedOutMapped = recordRound(receipt, in: entry)
        case .windowRepair:
            break  // EndScan measures the window once all its steps are done
        }
        if let failure = receipt.failure { handle(failure, of: entry) }
        return recorded
    }

    /// A round's receipt: finished leftovers count as paged out, repaired pages as repaired, and the mapped pages
    /// paged out are watched for refaults. Returns true if mapped pages went out.
    private func recordRound(_ receipt: PageoutReceipt, in entry: RegionEntry) -> Bool {
        guard var policy = entry.policy else { return false }
        let job = receipt.job
        let pageSize = UInt64(policy.layout.pageSize)
        policy.recordFinishedPageout(job.finish)
        entry.repairedPages += receipt.repairedPages
        entry.policy = policy
        if let kept = receipt.keptPages, !kept.isEmpty {
            // Pages the kernel kept were not repaired: another process maps them, or reclaim failed.
            var repairKept = 0
            for run in job.repair { repairKept += kept.setCount(in: run) }
            entry.repairedPages -= min(repairKept, entry.repairedPages)
            noteKeptPages(kept, of: entry, region: job.region)
            policy = entry.policy ?? policy
        }
        let pagedOutMapped = receipt.succeeded && !job.plan.isEmpty
        if pagedOutMapped {
            policy.recordPageout(job.plan, at: now)
            entry.pendingRecheck = job.plan
            logger.debug("paged out", metadata: ["region": "\(job.name)", "bytes": "\(receipt.advisedBytes)",
                                                 "probe_pages": "\(job.plan.probePages)"])
        }
        if receipt.finishedPages + receipt.repairedPages + receipt.droppedPrefetchPages > 0 {
            logger.debug("paged out unmapped pages", metadata: [
                "region": "\(job.name)", "finished_pages": "\(receipt.finishedPages)",
                "repaired_pages": "\(receipt.repairedPages)",
                "expired_prefetch_pages": "\(receipt.droppedPrefetchPages)"])
        }
        if !job.prefetch.isEmpty {
            logger.debug("prefetched", metadata: ["region": "\(job.name)",
                                                 "pages": "\(PageoutJob.pages(job.prefetch))"])
        }
        entry.policy = policy
        entry.status.pagedOutBytes = UInt64(policy.totals.pagedOutPages) * pageSize
        entry.status.repairedBytes = UInt64(entry.repairedPages) * pageSize
        return pagedOutMapped
    }

    /// The entry's opened region and scanner, opening them first if needed (which forgets what the policy learned
    /// of the region as it was before).
    func opened(_ entry: RegionEntry) throws -> (ShmemRegion, SnapshotScanner) {
        if let region = entry.region, let scanner = entry.scanner {
            return (region, scanner)
        }
        let region = try resolver.open(entry.config)
        // A registered pid may have been reused since (the region was closed, e.g. after a remap): the process
        // opened now must be the one registered, whose owner the registration was checked against.
        if let identity = entry.registration?.identity, case .pid(let pid) = entry.config.process,
           identity.pid == pid, region.process.startTime != identity.startTime {
            throw ProcessExited(pid: pid, during: "checking that pid \(pid) is still the process registered")
        }
        try region.checkNotRefused()
        let scanner = SnapshotScanner(region: region)
        entry.region = region
        entry.scanner = scanner
        entry.policy = nil
        entry.status.pid = region.process.pid
        logger.info("region resolved", metadata: [
            "region": "\(entry.name)", "vmm_pid": "\(region.process.pid)",
            "bytes": "\(region.byteCount)", "mappings": "\(region.mappings.count)",
            "pagemap": "\(scanner.method.rawValue)"])
        return (region, scanner)
    }

    /// Fills the region's status from a decision; `heldBy` is the guard in force for it, if any.
    func updateStatus(_ entry: RegionEntry, region: ShmemRegion, decision: PolicyDecision, heldBy: PageoutGuard?) {
        let page = UInt64(region.layout.pageSize)
        let counts = decision.counts
        var status = entry.status
        status.pid = region.process.pid
        status.phase = entry.isPaused ? .paused : .active
        status.sizeBytes = region.byteCount
        status.mappedBytes = UInt64(counts.hot + counts.warm + counts.cold) * page
        status.swappedBytes = UInt64(counts.swapped) * page
        status.holeBytes = UInt64(counts.hole) * page
        status.skewedBytes = UInt64(counts.skewed) * page
        status.hotBytes = UInt64(counts.hot) * page
        status.warmBytes = UInt64(counts.warm) * page
        status.coldBytes = UInt64(counts.cold) * page
        status.heldByOtherMappersBytes = UInt64(counts.mappedByOthers) * page
        status.workingSetBytes = UInt64(counts.workingSet) * page
        let controller = decision.state.controller
        status.refaultTargetPerMinute = UInt64(controller.targetPagesPerMinute(workingSetPages: counts.workingSet))
        status.refaultRatePerMinute = UInt64(controller.pagesPerMinute(at: now).rounded())
        let holds = entry.limits(pageSize: region.layout.pageSize).backoff.scaled(by: controller.scale)
        status.holdMinSeconds = UInt64(holds.minimum / 1_000)
        status.holdMaxSeconds = UInt64(holds.maximum / 1_000)
        status.refaultPages = UInt64(decision.state.totals.refaultPages)
        let prefetch = decision.state.prefetch
        status.prefetchedBytes = UInt64(prefetch.prefetchedPages) * page
        status.prefetchHitBytes = UInt64(prefetch.hitPages) * page
        status.prefetchWaitingBytes = UInt64(prefetch.waitingCount) * page
        status.prefetchDroppedBytes = UInt64(prefetch.droppedPages) * page
        status.prefetchReachPages = UInt64(prefetch.reach)
        status.prefetchGapReachPages = UInt64(prefetch.gapReach)
        status.scans += 1
        status.stateBytes = UInt64(decision.state.storageBytes + windows.storageBytes(in: entry.name))
        if heldBy == nil, decision.swapCapReached {
            status.reason = PageoutGuard.regionSwapCap(percent: entry.config.policy.maxSwappedPercent.value).description
        } else {
            status.reason = heldBy?.description
        }
        entry.status = status
    }

    /// Turns a scan or pageout failure into the region's state, logging each distinct problem once.
    func handle(_ error: any Error, of entry: RegionEntry) {
        let name = entry.name
        if error is ProcessExited, case .pid = entry.config.process {
            entry.isGone = true
            entry.close()
            entry.status.phase = .gone
            entry.status.reason = "\(error)"
            logger.notice("region gone: its VMM exited", metadata: ["region": "\(name)", "error": "\(error)"])
            return
        }
        if refuse(entry, after: error) { return }
        // A pid file may name a restarted VMM: keep resolving. A changed mapping is resolved again.
        entry.close()
        let problem = "\(error)"
        entry.status.phase = error is ProcessExited ? .pending : .failed
        entry.status.reason = problem
        if entry.lastProblem != problem {
            entry.lastProblem = problem
            logger.warning("region not scanned, retrying every scan",
                           metadata: ["region": "\(name)", "error": "\(problem)"])
        }
    }
}
