/// The discussion text of `pageout-bench policy --help`.
enum PolicyBenchHelp {
    static let discussion = """
        Runs pageout-guestsim's realistic workload (--workload zipf: a working set scattered in runs through \
        guest RAM, Zipf popularity, open-loop accesses, moves every --move-every seconds) three times, one after \
        another, each with a fresh guest for --duration seconds:

          none      nothing pages the guest out
          naive     the whole region paged out every --cold-age seconds
                    (pageout-bench naive-pageout: process_madvise, MADV_PAGEOUT)
          pageoutd  the pageoutd next to this executable, defaults but cold_age

        and, only when asked for with --only, pageoutd-no-prefetch: the same pageoutd with prefetch = false, the \
        baseline of what prefetch does.

        Every second it reads the guest's LOAD line and the true state of the guest's memory (mincore on its own \
        untouched mapping of the memfd, SEEK_DATA for what holds data: allocated and not resident is in swap). \
        It prints one table: mean resident memory after the first minute and the share of the region saved; the \
        guest's major faults per minute after the first two minutes (settled: without the 30 s after a \
        working-set move; as a share of the working set, against the target of 0.2% a minute; and minute by \
        minute, so the end of a pager's learning shows); the median and \
        worst per-second p99.9 access latency; the largest lag behind the access schedule; the pager's CPU \
        time as a share of one core; the share of never-touched pages (data pages the guest never accessed) in \
        swap at 3 x cold_age + 30 s and at the end; and the working set pageoutd reports (n/a when its status \
        has no such figure) beside the true one (the pages the guest accessed in its last 3 cold ages).

        Run as root with swap enabled (scripts/setup-host.sh), on a quiet machine, from a release build. The \
        guests' and the pagers' output go to a temporary directory, removed after a good run and named when a \
        run fails; with --keep-output DIR they go to DIR and stay (the guest's LOAD lines, the pager's log, \
        the daemon's configuration and working-set file). Every process it starts is stopped when it ends, \
        also on SIGINT and SIGTERM.
        """
}
