/// The command's discussion text: what it writes, what it prints, and the signals it answers.
enum GuestSimHelp {
    static let discussion = """
        Creates a memfd named NAME of SIZE bytes, maps it shared and writable, and writes a distinct \
        pattern to every page except the holes (HOLES% of the pages, spread in short runs: in every group \
        of 64 pages the last ones stay unwritten). Each data page is half pseudo-random and half zero, so \
        zram compresses it about 2:1. The hot set is the first HOT% of the data pages in address order. \
        Then it prints one line (end is exclusive, addresses in lowercase hex):

          READY pid=P start=0xS end=0xE memfd=NAME pages=N hot_pages=H hole_pages=Z

        and touches every hot page (one read and one write) in passes at most every 10 ms, never \
        touching the cold pages again. About once a second it prints the mean and worst pass time in that \
        second, the passes in that second, and the major page faults since start:

          STAT hot_pass_ms=MEAN max_pass_ms=WORST passes=N majflt=N

        With --workload zipf there is no hot set and no STAT line. The data pages, in address order, are cut \
        into runs of --run-size; a working set of WS% of the data pages (rounded down to whole runs) is \
        chosen among them at random, and every other data page is written once and never touched again. \
        The working set's pages are ranked by a random permutation, so the hot ones are scattered too, and \
        accessed RATE times a second, rank k with probability proportional to 1/k^S. Each access reads the \
        page's first word and writes it back unchanged (the pattern stays intact). Accesses are scheduled \
        (open loop): every millisecond releases its share, and an access held up by a swap-in delays those \
        behind it instead of lowering the rate. The READY line then gives the working set's pages as H and \
        ends in two more fields, workload=zipf run_pages=R (pages per run).

        Once a second it prints the accesses done in that second, those slower than 20 us, their p99.9 \
        latency in microseconds (to within 12.5%), the major page faults in that second and of them those \
        of pages that had faulted before (majflt_repeat: a page paged out again after it came back), the \
        largest delay behind schedule in that second, the working set's pages, the moves so far, and the \
        distinct pages accessed in the last --recent-window seconds (the true recent working set):

          LOAD accesses=N slow=N p999_us=X majflt=N majflt_repeat=N lag_ms=X ws_pages=N
               moves=N recent_pages=N                          (all on one line)

        Every --move-every seconds the working set moves: new random runs (outside the current set while \
        there are enough) with new ranks, and the old pages are never touched again; then it prints:

          MOVED moves=N ws_pages=N

        With --drift-percent D, D% of the working set's runs are replaced per minute, one at a time at even \
        intervals, each by a random run outside the set that takes over the old pages' ranks. Every random \
        choice comes from --seed, so a seed repeats the same pages and ranks.

        With --working-set-file PATH it writes, before READY and after every change (before the MOVED line \
        of a move; drift before the next LOAD line), every page's class to PATH (through PATH.tmp and rename, so readers see \
        a whole file): a line of counts, then runs of pages of one class in address order, page indices \
        counting from start. Classes: ws (the working set), retired (in an earlier working set), never \
        (written before READY, never accessed), hole. Scans and verifies (below) are not accesses here.

          moves=M pages=N ws_pages=N retired_pages=N never_pages=N hole_pages=N
          ws FIRST COUNT
          never FIRST COUNT
          ...

        Signals:
          SIGUSR1   read every page once, holes included, like a migration scan
                    (swaps cold pages in, fills holes), then print: SCANNED; with
                    --scan-thread NAME on a thread of that name, at --scan-rate,
                    as QEMU migrates on 'live_migration': SCANNED thread=NAME ms=N
          SIGUSR2   check every page's pattern (holes must read as zeros),
                    then print: VERIFY ok=N bad=N
          SIGTERM   exit 0 (SIGINT too)

        Every line is flushed when printed. If stdout is a pipe whose reader went away, it exits quietly.

        """

    /// The discussion of `pageout-guestsim backend`.
    static let backendDiscussion = """
        Acts like a vhost-user backend (virtiofsd, DPDK, SPDK) of a running guest: finds the guest's memory in \
        /proc/PID/maps (the shared mapping of memfd --memfd, or else the largest shared mapping of a memfd or a \
        /dev/shm file), opens it through /proc/PID/map_files/START-END read-only and maps it shared. With N the \
        mapping's pages, F = N * FROM / 100 and K = 100 / SHARE (both rounded down), it reads one word of pages \
        F, F+K, F+2K, ... below N, so that they are mapped in both processes, and keeps no other page mapped \
        (a read fault maps the resident neighbours too: the others are dropped from this process's page \
        table again with MADV_DONTNEED, which leaves the guest's memory alone). Then it prints one line, with \
        the guest's start and end of the mapping (end exclusive, lowercase hex):

          BACKEND READY pid=OWN_PID guest_pid=P start=0xS end=0xE touched_pages=T first_page=F step=K

        and keeps those pages mapped, touching nothing more, until SIGTERM or SIGINT (exit 0, unmapping). \
        With --keep-touching M it reads the first M of its pages again every --touch-interval, like a \
        backend whose rings and buffers stay busy.

        """
}
