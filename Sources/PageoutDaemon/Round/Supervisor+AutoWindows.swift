import Logging
import PageoutCore
import PageoutLinux

/// Scan windows the daemon opens and ends by itself around a live migration of the VMM.
///
/// A migration reads every page of guest RAM once: without a window, each read of a cold page would swap it in
/// and count as the guest's use. QEMU runs an outgoing migration on a thread of its own, named while it runs
/// (`MigrationThreads`); /proc/PID/task is as cheap a signal as there is and needs nothing from the operator: no
/// `scan-wrap` around the migration command, which libvirt, running migrations itself, has no hook for. The
/// threads are looked at every round and between rounds (`watchMigrations(every:)`): QEMU reads the holes of
/// guest RAM (never-written memory, which a read fills with zeroes) as fast as it can check them for zeroes,
/// so every 100 ms of delay can mean hundreds of MiB made resident before the window opens.
extension Supervisor {
    /// Looks at every region's VMM threads every `interval` until cancelled (see `followMigration(_:)`).
    public func watchMigrations(every interval: Duration) async {
        while !Task.isCancelled {
            for entry in regions.entries { followMigration(entry) }
            closeUnwatchedTaskDirectories()
            try? await Task.sleep(for: interval)
        }
    }

    /// The task directory of VMM `pid`, opened at its first look and shared by all its regions; nil when it
    /// cannot be opened (the process exited, or no descriptor is left: the look after tries again).
    private func taskDirectory(of pid: Int32) -> TaskDirectory? {
        if let directory = taskDirectories[pid], !directory.isEmpty { return directory }
        taskDirectories[pid] = TaskDirectory(procfs: procfs, pid: pid)
        return taskDirectories[pid]
    }

    /// What `entry`'s VMM threads, its migration thread left out, have waited for a CPU so far; nil when its
    /// threads are not watched (`auto_windows` off) or cannot be read.
    func guestCPUWait(of entry: RegionEntry) -> GuestCPUWait? {
        guard let pid = entry.region?.process.pid, !entry.isGone else { return nil }
        return GuestCPUWait(threads: entry.migrationWatch.guestThreads, directory: taskDirectories[pid])
    }

    /// Closes the task directories of processes no region watches any more, and of those that exited (a new
    /// process given the same pid is looked at through a directory of its own).
    private func closeUnwatchedTaskDirectories() {
        guard !taskDirectories.isEmpty else { return }
        let watched = Set(regions.entries.compactMap { $0.isGone ? nil : $0.region?.process.pid })
        taskDirectories = taskDirectories.filter { watched.contains($0.key) && !$0.value.isEmpty }
    }

    /// Opens `entry`'s automatic window when its VMM's migration thread appears, and ends it (with EndScan's
    /// paced repair, in a task of its own so the caller goes on) when the thread is gone, the region's
    /// `auto_windows` is turned off, or its VMM exited. While the window is open, what the migration reads goes
    /// back to swap as it comes (`repairWhileMigrating(_:of:)`).
    func followMigration(_ entry: RegionEntry) {
        let migrating: Bool
        if let region = entry.region, !entry.isGone, entry.config.policy.autoWindows {
            migrating = entry.migrationWatch.look(in: taskDirectory(of: region.process.pid), procfs: procfs)
        } else {
            migrating = false
        }
        switch (migrating, entry.autoWindow) {
        case (true, nil):
            do {
                let token = try openWindow(on: entry, automatic: true).token
                entry.autoWindow = token
                Task { await repairWhileMigrating(token, of: entry) }
            } catch {
                handle(error, of: entry)
            }
        case (false, let token?):
            entry.autoWindow = nil
            // Out of the open windows now, not when the repair's task first runs: a round in between would take
            // an open automatic window its region no longer follows for an orphan and drop it unrepaired.
            if let window = beginClosing(token) {
                Task { await finishClosing(window) }
            }
        default:
            break
        }
        entry.status.migrating = entry.autoWindow != nil
    }

    /// Puts back what the migration brought in (see `ScanWindow.repairWhileOpen(after:)`) for as long as window
    /// `token` is open: a look at the pages the VMM maps and at the residency of those it put back and has not
    /// seen out yet (`SnapshotScanner.mappedSnapshot(residencyOf:)`: QEMU's migration thread reads guest RAM
    /// through the VMM's mapping, so what it brought in is mapped), the repair in paced steps, and again. What a
    /// scanner in another process left resident and unmapped waits for the window's end, whose repair starts
    /// from a whole snapshot. A look that finds nothing to put back waits 100 ms, and every look waits at least
    /// as long as it took (pagemap of a large guest costs milliseconds per GiB: the looks take at most half a
    /// core). While pageout is held back (a guard, a pause, dry run: the rounds say why) it looks again a scan
    /// interval later. Only automatic windows: a migration reads each cold page once, which is what makes this
    /// right; a scanner announced with BeginScan may read a page again (a dedup scanner does), and its EndScan
    /// repairs all at once.
    private func repairWhileMigrating(_ token: String, of entry: RegionEntry) async {
        let clock = ContinuousClock()
        while let window = windows.open[token] {
            if entry.config.policy.dryRun
                || readGuards().forRegion(paused: entry.isPaused, policy: entry.config.policy) != nil {
                try? await Task.sleep(for: scanInterval)
                continue
            }
            let lookStarted = clock.now
            guard let (region, snapshot) = freshSnapshot(of: entry, layout: window.layout,
                                                         residencyOf: window.repairedWhileOpen),
                  let (repair, guestTook) = windows.update(token, { $0.repairWhileOpen(after: snapshot) })
            else { return }
            let lookTook = clock.now - lookStarted
            noteWindows(of: entry, snapshot: snapshot)
            if guestTook > 0 {
                logger.info("migration window: pages the guest took leave its cold set", metadata: [
                    "region": "\(entry.name)", "window": "\(token.prefix(8))", "pages": "\(guestTook)"])
            }
            let found = repair.pageCount
            let steps = await carryOut(repair, of: entry, region: region, snapshot: snapshot, window: token,
                                       whileOpen: true)
            logger.debug("migration window look", metadata: [
                "region": "\(entry.name)", "window": "\(token.prefix(8))", "pages": "\(found)", "steps": "\(steps)",
                "look_ms": "\(Self.milliseconds(lookTook))"])
            // A look that found more than a step's worth, and put some back, is behind the migration (holes it
            // fills as fast as it reads them): the next look comes right after the repair, whose steps are paced
            // for the guest. One the rate limit held back waits like the others.
            if steps > 0, found >= entry.limits(pageSize: region.layout.pageSize).repairStepPages { continue }
            try? await Task.sleep(for: max(steps == 0 ? .milliseconds(100) : .zero, lookTook))
        }
    }

    /// Drops, without repair, the automatic windows of regions no longer watched (unregistered, or gone from the
    /// configuration): they never expire, and nothing else would end them.
    func dropOrphanedAutoWindows() {
        for window in windows.open.values
        where window.automatic && regions[window.region]?.autoWindow != window.token {
            _ = windows.remove(window.token)
            logger.info("migration window dropped: its region is no longer watched", metadata: [
                "region": "\(window.region)", "window": "\(window.token.prefix(8))"])
        }
    }
}
