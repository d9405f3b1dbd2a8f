import PageoutCore
import PageoutLinux

/// What the daemon knows of a VMM's threads, to see a migration start and end at the cost of one directory read
/// per look while nothing changes.
///
/// A look lists /proc/PID/task (kept open, one per VMM: `TaskDirectory`); only when the list of threads changed
/// (and at the look after, since a thread names itself just after it starts) are the names read again. The
/// migration thread is then known by its id, and the migration is over when that id is gone. Between listings,
/// a look whose thread count (the directory's link count, one `fstat`) is unchanged lists nothing: a thread that
/// started while another ended is seen at the next listing, at most `listingEvery` looks later.
struct MigrationWatch {
    /// Most looks between two listings while the thread count stays the same.
    static let listingEvery = 10
    /// The VMM's thread ids at the last look, in directory order.
    private var threads: [Int32] = []
    /// Whether the names must be read at the next look: the threads changed at the last one.
    private var namesDue = true
    /// Looks since the last listing.
    private var looksSinceListing = 0
    /// The migration thread's id while one runs.
    private(set) var migrationThread: Int32?

    /// The VMM's threads at the last look but its migration thread: the guest's (vCPUs, I/O) and the VMM's own.
    var guestThreads: [Int32] { threads.filter { $0 != migrationThread } }

    /// Looks at the VMM's threads through its task directory `directory`; returns whether a migration runs. A VMM
    /// that cannot be read (no directory, or one that lists nothing) is taken as not migrating (its scan reports
    /// why).
    mutating func look(in directory: TaskDirectory?, procfs: ProcFS) -> Bool {
        if let directory, !namesDue, looksSinceListing + 1 < Self.listingEvery,
           directory.threadCount() == threads.count {
            looksSinceListing += 1
            return migrationThread != nil
        }
        looksSinceListing = 0
        guard let directory, let listed = directory.threadIDs() else {
            self = MigrationWatch()
            return false
        }
        // /proc lists a process's threads in the order of its thread list: the same threads list the same way.
        let changed = listed != threads
        threads = listed
        if let thread = migrationThread, !listed.contains(thread) { migrationThread = nil }
        guard changed || namesDue else { return migrationThread != nil }
        namesDue = changed
        if migrationThread == nil {
            migrationThread = listed.first { tid in
                procfs.threadName(pid: directory.pid, tid: tid).map { MigrationThreads.names.contains($0) } ?? false
            }
        }
        return migrationThread != nil
    }
}
