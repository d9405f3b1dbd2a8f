/// The names QEMU gives the thread that reads guest RAM for an outgoing live migration (or a background
/// snapshot), as /proc/PID/task/TID/comm shows them.
///
/// QEMU names its threads only when it runs with `-name ...,debug-threads=on` (libvirt always starts it so;
/// util/qemu-thread-posix.c). The thread exists from the start of an outgoing migration until it completes, fails
/// or is cancelled (migration/migration.c creates it when the migration connects and joins it at cleanup): while
/// it runs, the VMM reads every page of guest RAM once, and dirtied pages again. Multifd channels and the return
/// path have threads of their own that read no more than the main one hands them, and run only beside it.
public enum MigrationThreads {
    /// `live_migration` (QEMU 5.0 to 9.0) and `mig/src/main` (9.1 on, renamed in commit 60ce47675d); a
    /// background snapshot runs on `bg_snapshot` (6.0 to 9.0) and `mig/snapshot` (9.1 on) in its place.
    public static let names: Set<String> = ["live_migration", "mig/src/main", "bg_snapshot", "mig/snapshot"]
}
