import Logging
import PageoutControl
import PageoutCore
import PageoutLinux

/// The open scan windows of every region, kept by the scan worker.
///
/// A window is opened by BeginScan and ended by EndScan with its token; several may be open on one region at once
/// (a backup and a migration overlapping). While one is open, its cold set is not learned from: the policy takes
/// the scanner's reads for neither refaults nor use. A window left open too long expires (a client that crashed
/// between BeginScan and EndScan must not blind the policy for ever).
struct ScanWindows {
    /// Open windows by token.
    private(set) var open: [String: ScanWindow] = [:]
    /// Cold sets of windows that ended since their region's last scan, which must not learn from them either:
    /// pages the repair could not put back (its budget ran out) are still mapped then. One union per region, so
    /// windows ended on a region that is never scanned again cost one bitmap, not one each.
    private var lingering: [String: PageBitmap] = [:]

    /// Adds an opened window.
    mutating func insert(_ window: ScanWindow) {
        open[window.token] = window
    }

    /// Ends the window `token`, returning it (nil if there is none); its cold set is still ignored at the region's
    /// next scan.
    mutating func remove(_ token: String) -> ScanWindow? {
        guard let window = open.removeValue(forKey: token) else { return nil }
        if var union = lingering[window.region], union.count == window.coldSet.count {
            union.formUnion(window.coldSet)
            lingering[window.region] = union
        } else {
            lingering[window.region] = window.coldSet
        }
        return window
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
        let sets = open.values.filter { $0.region == name && $0.layout == layout }.map(\.coldSet)
            + [lingering[name]].compactMap { $0 }.filter { $0.count == layout.pageCount }
        guard var union = sets.first else { return nil }
        for set in sets.dropFirst() { union.formUnion(set) }
        return union
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

/// A window's repair as planned on the scan worker, for the supervisor to carry out.
struct WindowRepairJob: Sendable {
    /// The window.
    var window: ScanWindow
    /// What to do: `ranges` are the mapped pages' addresses (process_madvise), `repair` the resident-unmapped runs.
    /// `region` is nil when the region went away: there is nothing to do.
    var outcome: ScanOutcome
    /// The repair set found at EndScan, before the budget cut it.
    var repair: ScanWindowRepair?
}

extension ControlError {
    /// io.pageoutd.WindowNotFound: no open window has this token (never opened, ended, or expired).
    static func windowNotFound(_ token: String) -> ControlError {
        ControlError(name: "\(ControlInterface.name).WindowNotFound", parameters: ["token": .string(token)])
    }
}

extension ScanWorker {
    /// Opens a window on region `name` at `now`: records its cold set from a fresh snapshot.
    func beginWindow(_ name: String, now: Int64) throws(ControlError) -> ScanWindow {
        guard let runtime = runtimes.first(where: { $0.config.name == name }) else { throw .regionNotFound(name) }
        guard !runtime.isGone else { throw .invalidParameter("name", "region \(name) is gone: its VMM exited") }
        let snapshot: PageSnapshot
        let region: ShmemRegion
        do {
            let opened = try opened(runtime)
            region = opened.0
            snapshot = try opened.1.snapshot()
        } catch {
            handle(error, of: runtime)
            throw .invalidParameter("name", "region \(name) cannot be scanned: \(error)")
        }
        let pagedOut = runtime.policy.flatMap { $0.layout == region.layout ? $0.pagedOut : nil }
        let window = ScanWindow(token: ScanWindows.newToken(), region: name, openedAt: now, snapshot: snapshot,
                                pagedOut: pagedOut)
        windows.insert(window)
        runtime.status.windowsOpened += 1
        logger.info("scan window opened", metadata: [
            "region": "\(name)", "window": "\(window.token.prefix(8))", "cold_pages": "\(window.coldPages)"])
        return window
    }

    /// Plans the end of window `token` at `now`: the resident part of its cold set, within `globalBudget` bytes
    /// and the region's own guards and rate limit (mapped pages first).
    func planWindowRepair(_ token: String, now: Int64, globalBudget: UInt64, swap: SwapStatus?,
                          pressure: MemoryPressure?, swapProblem: String?) throws(ControlError) -> WindowRepairJob {
        guard let window = windows.open[token] else { throw .windowNotFound(token) }
        let nothing = ScanOutcome(name: window.region, region: nil, plan: PageoutPlan(), ranges: [], bytes: 0,
                                  source: nil)
        guard let runtime = runtimes.first(where: { $0.config.name == window.region }), !runtime.isGone else {
            return WindowRepairJob(window: window, outcome: nothing, repair: nil)
        }
        do {
            let (region, scanner) = try opened(runtime)
            guard region.layout == window.layout else {
                return WindowRepairJob(window: window, outcome: nothing, repair: nil)  // another VMM now
            }
            let repair = window.repairSet(after: try scanner.snapshot())
            let pageSize = region.layout.pageSize
            let heldBy = guardFor(runtime, swap: swap, pressure: pressure, swapProblem: swapProblem)
            runtime.bucket.refill(at: now)
            let budget = heldBy == nil && !runtime.config.policy.dryRun ? min(globalBudget, runtime.bucket.available) : 0
            let runs = repair.runs(limit: Int(budget / UInt64(pageSize)))
            var ranges: [AddressRange] = []
            for run in runs.mapped { region.layout.forEachAddressRange(of: run) { ranges.append($0) } }
            let pages = runs.mapped.reduce(0) { $0 + $1.count }
            let outcome = ScanOutcome(name: window.region, region: region, plan: PageoutPlan(), ranges: ranges,
                                      bytes: UInt64(pages) * UInt64(pageSize),
                                      source: runtime.config.memory.regionSource, repair: runs.residentUnmapped)
            if let heldBy {
                logger.notice("scan window repair held back", metadata: [
                    "region": "\(window.region)", "reason": "\(heldBy.description)"])
            }
            return WindowRepairJob(window: window, outcome: outcome, repair: repair)
        } catch {
            handle(error, of: runtime)
            return WindowRepairJob(window: window, outcome: nothing, repair: nil)
        }
    }

    /// Ends `job`'s window after its repair was carried out (`bytes` taken from the rate limit): measures the result
    /// from a fresh snapshot, watches what went back out for refaults, and counts it.
    func finishWindow(_ job: WindowRepairJob, bytes: UInt64, at now: Int64) -> ScanWindowResult {
        let window = job.window
        var result = ScanWindowResult(mappedPagedOut: 0, residentRepaired: 0, coldPages: window.coldPages,
                                      stillSwapped: 0)
        guard windows.remove(window.token) != nil,
              let runtime = runtimes.first(where: { $0.config.name == window.region }) else { return result }
        runtime.status.windowsClosed += 1
        runtime.bucket.take(bytes)
        if let repair = job.repair, let region = job.outcome.region, runtime.region === region,
           let scanner = runtime.scanner {
            do {
                let after = try scanner.snapshot()
                result = window.result(of: repair, after: after)
                var back = repair.mapped
                back.formUnion(repair.residentUnmapped)
                back.formIntersection(after.swapped)
                if var policy = runtime.policy, policy.layout == window.layout {
                    policy.recordWindowRepair(back)
                    runtime.policy = policy
                }
                let repaired = UInt64(result.mappedPagedOut + result.residentRepaired)
                runtime.status.windowRepairedBytes += repaired * UInt64(region.layout.pageSize)
            } catch {
                handle(error, of: runtime)
            }
        }
        logger.info("scan window ended", metadata: [
            "region": "\(window.region)", "window": "\(window.token.prefix(8))", "cold_pages": "\(result.coldPages)",
            "mapped_paged_out": "\(result.mappedPagedOut)", "resident_repaired": "\(result.residentRepaired)",
            "still_swapped": "\(result.stillSwapped)"])
        return result
    }

    /// Ends every window open too long at `now`, without repair.
    func expireWindows(at now: Int64, maximum: Int64) {
        for window in windows.expire(at: now, maximum: maximum) {
            runtimes.first(where: { $0.config.name == window.region })?.status.windowsExpired += 1
            logger.warning("scan window expired, ignoring", metadata: [
                "region": "\(window.region)", "window": "\(window.token.prefix(8))",
                "open_ms": "\(now - window.openedAt)"])
        }
    }
}

extension Supervisor {
    /// BeginScan: opens a scan window on region `name`; returns its token and the size of its cold set in pages.
    public func beginScan(_ name: String) async throws(ControlError) -> (token: String, coldPages: Int) {
        let window = try await scanWorker.beginWindow(name, now: now)
        await publishRegions()
        return (window.token, window.coldPages)
    }

    /// EndScan: puts the resident part of window `token`'s cold set out of memory again, under the same guards and
    /// rate limit as pageout, and returns what a snapshot after the repair shows. A window whose region went away
    /// ends with nothing done.
    public func endScan(_ token: String) async throws(ControlError) -> ScanWindowResult {
        var swap: SwapStatus?
        var swapProblem: String?
        do { swap = try procfs.swapStatus() } catch { swapProblem = "swap figures: \(error)" }
        bucket.refill(at: now)
        let job = try await scanWorker.planWindowRepair(token, now: now, globalBudget: bucket.available, swap: swap,
                                                        pressure: try? procfs.memoryPressure(),
                                                        swapProblem: swapProblem)
        var bytes: UInt64 = 0
        if let region = job.outcome.region {
            do {
                // Resident-unmapped pages first: they cost the guest nothing, and then mapped ones via the pidfd.
                let repaired = try await pageoutWorker.pageOutUnmapped(job.outcome).repaired
                bytes += UInt64(repaired) * UInt64(region.layout.pageSize)
                if !job.outcome.ranges.isEmpty {
                    _ = try await pageoutWorker.pageOut(job.outcome)
                    bytes += job.outcome.bytes
                }
            } catch {
                await scanWorker.pageoutFailed(job.outcome.name, error: error)
            }
        }
        bucket.take(bytes)
        let result = await scanWorker.finishWindow(job, bytes: bytes, at: now)
        await publishRegions()
        return result
    }

    /// Publishes the regions' current status (window counters change between scan rounds).
    private func publishRegions() async {
        var status = await statusBoard.current()
        status.regions = await scanWorker.statuses()
        await statusBoard.publish(status)
    }
}
