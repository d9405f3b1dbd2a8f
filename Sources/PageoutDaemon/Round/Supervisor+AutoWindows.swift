import Logging
import PageoutCore
import PageoutLinux

/// Scan windows the daemon opens and ends by itself around a live migration of the VMM.
///
/// A migration reads every page of guest RAM once: without a window, each read of a cold page would swap it in
/// and count as the guest's use. QEMU runs an outgoing migration on a thread of its own, named while it runs
/// (`MigrationThreads`); its name in /proc/PID/task/TID/comm is as cheap a signal as there is (a directory
/// read and a short read per thread, every scan) and needs nothing from the operator: no `scan-wrap` around
/// the migration command, which libvirt, running migrations itself, has no hook for.
extension Supervisor {
    /// Opens `entry`'s automatic window when its VMM's migration thread appears, and ends it (with EndScan's
    /// paced repair, in a task of its own so the round goes on) when the thread is gone, the region's
    /// `auto_windows` is turned off, or its VMM exited. Called once per region every round, before its scan.
    func followMigration(_ entry: RegionEntry) {
        let migrating: Bool
        if let region = entry.region, !entry.isGone, entry.config.policy.autoWindows {
            // A VMM that cannot be read now is taken as not migrating: its scan reports why.
            let names = (try? procfs.threadNames(pid: region.process.pid)) ?? []
            migrating = MigrationThreads.migrating(threadNames: names)
        } else {
            migrating = false
        }
        switch (migrating, entry.autoWindow) {
        case (true, nil):
            do {
                entry.autoWindow = try openWindow(on: entry, automatic: true).token
            } catch {
                handle(error, of: entry)
            }
        case (true, let token?):
            startRepairWhileOpen(token, of: entry)
        case (false, let token?):
            entry.autoWindow = nil
            Task {
                _ = await closeWindow(token)
            }
        default:
            break
        }
        entry.status.migrating = entry.autoWindow != nil
    }

    /// Puts back, in a task of its own, what the migration brought in since the window's last look (see
    /// `ScanWindow.repairWhileOpen(after:)`), unless that task still runs from an earlier round. Only automatic
    /// windows: a migration reads each cold page once, which is what makes this right; a scanner announced
    /// with BeginScan may read a page again (a dedup scanner does), and its EndScan repairs all at once.
    private func startRepairWhileOpen(_ token: String, of entry: RegionEntry) {
        guard !windows.repairing.contains(token), let layout = windows.open[token]?.layout else { return }
        windows.repairing.insert(token)
        Task {
            defer { windows.repairing.remove(token) }
            guard let (region, snapshot) = freshSnapshot(of: entry, layout: layout),
                  let (repair, guestTook) = windows.update(token, { $0.repairWhileOpen(after: snapshot) })
            else { return }
            if guestTook > 0 {
                logger.info("migration window: pages the guest took leave its cold set", metadata: [
                    "region": "\(entry.name)", "window": "\(token.prefix(8))", "pages": "\(guestTook)"])
            }
            _ = await carryOut(repair, of: entry, region: region, snapshot: snapshot, window: token, whileOpen: true)
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
