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
