/// The varlink interface description (IDL) of pageoutd's control socket: the one place the protocol is written
/// down. `org.varlink.service.GetInterfaceDescription` returns it, and a test checks it against the methods the
/// server implements.
public enum ControlInterface {
    /// The interface name: the prefix of every method and error of pageoutd's (`io.pageoutd.GetStatus`).
    public static let name = "io.pageoutd"

    /// The IDL text, as varlink.org specifies it.
    public static let description = """
        # pageoutd: pages out cold shared-memory guest RAM of VMMs into swap, and keeps it there.
        interface io.pageoutd

        # One registered region of guest RAM. Sizes are bytes; working_set is hot + warm; refault_target and
        # refault_rate are pages per minute; hold_min and hold_max are seconds; scan_stretch is the scan
        # intervals between the region's scans now (1 while it changes, more while it is quiet); state_bytes is
        # the daemon's memory its page state takes (bitmaps, blocks, last snapshot, scan windows). state is
        # pending, active, paused, failed, refused (the kernel will not page its memory out: mlocked or hugetlbfs
        # RAM) or gone; reason says why, or names what holds pageout back.
        type Region (
          name: string,
          pid: ?int,
          state: string,
          reason: ?string,
          size: int,
          mapped: int,
          swapped: int,
          holes: int,
          skewed: int,
          hot: int,
          warm: int,
          cold: int,
          held_by_other_mappers: int,
          other_mappers: []OtherMapper,
          working_set: int,
          refault_target: int,
          refault_rate: int,
          hold_min: int,
          hold_max: int,
          paged_out: int,
          refaults: int,
          prefetched: int,
          prefetch_hits: int,
          prefetch_waiting: int,
          prefetch_dropped: int,
          prefetch_reach: int,
          prefetch_gap_reach: int,
          repaired: int,
          windows_opened: int,
          windows_closed: int,
          windows_expired: int,
          auto_windows_opened: int,
          auto_windows_closed: int,
          migrating: bool,
          windows_open: int,
          window_peak_resident: int,
          window_repaired: int,
          scans: int,
          scans_skipped: int,
          scan_stretch: int,
          state_bytes: int
        )

        # A process other than the VMM that maps a region's memory (a vhost-user backend); mapped is the bytes
        # of the region's files its mappings cover. The kernel will not page out a page two processes map.
        type OtherMapper (
          pid: int,
          command: string,
          mapped: int
        )

        # The daemon after its last scan round. max_cpu is the percentage of one core scans may use (0: no
        # limit), scan_cpu what they used over about the last 10 s; scans_deferred counts region scans left for
        # a later round because they had used it.
        type Status (
          regions: []Region,
          held_by: ?string,
          scans: int,
          dry_run: bool,
          reload_problem: ?string,
          swapped: int,
          paged_out: int,
          max_cpu: float,
          scan_cpu: float,
          scans_deferred: int
        )

        # A picture of one region at its last scan: its pages in cells of pages_per_cell pages, in page order
        # (the last cell may be shorter). Each class lists a count of pages per cell: hole (never written),
        # swapped, cold (mapped in the VMM, a pageout candidate), warm (mapped, held back), hot (mapped, used
        # within cold_age), skewed (resident, not mapped in the VMM). size and page_size are bytes; scans is the
        # region's scan count, which changes with every new picture.
        type Heatmap (
          name: string,
          size: int,
          page_size: int,
          pages_per_cell: int,
          scans: int,
          hole: []int,
          swapped: []int,
          cold: []int,
          warm: []int,
          hot: []int,
          skewed: []int
        )

        # The status; with "more", a reply after every scan round until the client goes away.
        method GetStatus() -> (status: Status)

        # Every region.
        method ListRegions() -> (regions: []Region)

        # One region.
        method GetRegion(name: string) -> (region: Region)

        # A region's pages by class at its last scan, in at most cells equal slices (1 to \(WireHeatmap.maximumCells),
        # default \(WireHeatmap.defaultCells)).
        method GetHeatmap(name: string, cells: ?int) -> (heatmap: Heatmap)

        # The status of the last scan round as Prometheus metrics, in the text exposition format 0.0.4.
        method GetMetrics() -> (text: string)

        # Registers a region: a VMM (pid or pidfile) and its memory (memfd name or /dev/shm path).
        method Register(name: string, pid: ?int, pidfile: ?string, memfd: ?string, path: ?string) -> (region: Region)

        # Forgets a region registered over this socket.
        method Unregister(name: string) -> ()

        # Holds pageout back for one region, or all when name is absent.
        method Pause(name: ?string) -> (names: []string)

        # Lets pageout run again for one region, or all when name is absent.
        method Resume(name: ?string) -> (names: []string)

        # Pages the region's cold pages out now, at most bytes (default: the rate limit allows).
        method PageoutNow(name: string, bytes: ?int) -> (bytes: int)

        # Reloads the configuration file, as SIGHUP does.
        method Reload() -> ()

        # Opens a scan window before something reads all of a region's memory (a live migration, a backup):
        # records its cold set (swapped pages, pages paged out and not used since, holes), in pages. Windows
        # may overlap; one left open for 10 minutes expires.
        method BeginScan(name: string) -> (token: string, cold_pages: int)

        # Ends a scan window: pages the resident part of its cold set out again, under the pageout guards and
        # rate limit. Counts in pages, from a scan after the repair: paged_out were mapped in the VMM,
        # repaired were resident and unmapped, swapped_after of the cold_pages are in swap.
        method EndScan(token: string) -> (paged_out: int, repaired: int, cold_pages: int, swapped_after: int)

        error RegionNotFound (name: string)
        error RegionExists (name: string)
        error InvalidParameter (parameter: string, reason: string)
        error PermissionDenied (method: string)
        error ProcessNotFound (pid: int)
        error MappingNotFound (name: string, source: string)
        error NoSwap (reason: string)
        error WindowNotFound (token: string)

        # Register refused: the caller may not register this process (pid 1, pageoutd itself, a kernel thread,
        # or, for a member of the control group, a process with a uid neither its own nor in vmm_users).
        error NotYourVMM (pid: int, uid: int, reason: string)

        # The caller may not act on this region: only root and the member who registered it may.
        error NotYourRegion (name: string, reason: string)

        # Register refused: it would pass the limit set by [daemon] key.
        error TooManyRegions (limit: int, key: string)
        """

    /// The methods of `io.pageoutd`, fully qualified, in the order the IDL declares them.
    public static let methods = [
        "GetStatus", "ListRegions", "GetRegion", "GetHeatmap", "GetMetrics", "Register", "Unregister", "Pause",
        "Resume", "PageoutNow", "Reload", "BeginScan", "EndScan",
    ].map { "\(name).\($0)" }

    /// Methods that change the daemon: only uid 0 and members of the control group may call them.
    public static let mutatingMethods: Set<String> = Set(
        ["Register", "Unregister", "Pause", "Resume", "PageoutNow", "Reload", "BeginScan", "EndScan"]
            .map { "\(name).\($0)" })
}
