import Logging
import PageoutConfig
import PageoutCore
import PageoutLinux

/// The daemon's one owner of region state: the configuration in force, every region, the shared rate limit, the
/// open scan windows, and one scan round at a time.
///
/// It runs on a thread of its own: scanning (pagemap, mincore, SEEK_DATA) and paging out (MADV_PAGEOUT reclaims
/// in the calling thread) block in the kernel, and must never hold a thread of Swift's cooperative pool, which
/// on a 2-core host has two. Status and metrics are read from the `StatusBoard`, which never waits for a round.
public actor Supervisor {
    private let executor = ThreadExecutor(name: "pageoutd-round")
    /// The supervisor's own thread (see `ThreadExecutor`): every isolated method runs there.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Where status and metrics go after every round and every change.
    public nonisolated let statusBoard: StatusBoard
    let procfs: ProcFS
    let resolver: RegionResolver
    /// Carries out jobs of regions not in dry run.
    let advisor: any PageoutAdvisor
    let logger: Logger
    /// Writes the metrics textfile off the supervisor's thread.
    lazy var metricsWriter = FileWriterThread(threadName: "pageoutd-metric", what: "the metrics textfile",
                                              logger: logger)
    /// Writes `registrations.json` off the supervisor's thread; `flushRegistrations()` waits for it.
    nonisolated let registrationWriter: FileWriterThread
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private let forceDryRun: Bool
    /// The configuration in force.
    public private(set) var configuration: PageoutConfiguration
    /// The shared rate limit (max_pageout_rate of the global policy).
    var bucket: TokenBucket
    /// The CPU the rounds may spend on scans (`[daemon] max_cpu`).
    var scanBudget: ScanCPUBudget
    /// The CPU the rounds spent, by part.
    var roundCPU = RoundCPU()
    /// Every region, configured or registered.
    var regions = RegionRegistry()
    /// Open scan windows (BeginScan/EndScan).
    var windows = ScanWindows()
    /// The task directory of each VMM the migration watch looks at: one descriptor per process, however many
    /// regions it has (`taskDirectory(of:)`).
    var taskDirectories: [Int32: TaskDirectory] = [:]
    let registrationStore: RegistrationStore
    /// The uids of `[daemon] vmm_users`, resolved at start and at every reload.
    var vmmUserIDs: Set<UInt32> = []
    private var rounds: UInt64 = 0
    private var lastMachineGuard: String?
    private var reloadProblem: String?
    private var metrics = MetricsPublisher()

    /// A supervisor for `configuration`; `forceDryRun` is the `--dry-run` flag (it wins over the file).
    public init(configuration: PageoutConfiguration, forceDryRun: Bool, procfs: ProcFS, logger: Logger) {
        self.init(configuration: configuration, forceDryRun: forceDryRun, procfs: procfs,
                  advisor: KernelAdvisor(resolver: RegionResolver(procfs: procfs)), logger: logger)
    }

    /// A supervisor whose jobs `advisor` carries out (tests drive rounds without touching guest memory).
    init(configuration: PageoutConfiguration, forceDryRun: Bool, procfs: ProcFS, advisor: any PageoutAdvisor,
         logger: Logger) {
        self.forceDryRun = forceDryRun
        self.configuration = Self.applyingDryRun(forceDryRun, to: configuration)
        self.procfs = procfs
        self.resolver = RegionResolver(procfs: procfs)
        self.advisor = advisor
        self.logger = logger
        self.statusBoard = StatusBoard()
        self.origin = clock.now
        self.bucket = TokenBucket(rate: configuration.policy.maxPageoutRate.bytes, now: 0)
        self.scanBudget = ScanCPUBudget(share: configuration.daemon.maxCPU.fraction, now: 0)
        self.registrationStore = RegistrationStore(directory: configuration.daemon.stateDirectory)
        self.registrationWriter = FileWriterThread(threadName: "pageoutd-state", what: "the registrations",
                                                   logger: logger)
    }

    /// Milliseconds since the supervisor started: the policy's monotonic clock.
    var now: Int64 {
        Self.milliseconds(origin.duration(to: clock.now))
    }

    /// `duration` in whole milliseconds.
    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// Restores the persisted registrations and sets up every region; called once before the first round.
    public func start() async {
        vmmUserIDs = resolveVMMUsers()
        restoreRegistrations()
        regions.configure(configuration.regions, policy: configuration.policy, now: now)
        await flushRegistrations()  // a restore that dropped entries rewrote the file before the socket answers
    }

    /// Replaces the configuration in force (a reload). Learned state of unchanged regions is kept. The status
    /// shows it at once: no reload problem any more, the regions of the new file.
    public func apply(_ newConfiguration: PageoutConfiguration) async {
        configuration = Self.applyingDryRun(forceDryRun, to: newConfiguration)
        reloadProblem = nil
        vmmUserIDs = resolveVMMUsers()
        bucket.setRate(configuration.policy.maxPageoutRate.bytes)
        scanBudget.setShare(configuration.daemon.maxCPU.fraction)
        regions.configure(configuration.regions, policy: configuration.policy, now: now)
        await publishRegions()
    }

    /// Records that a reload was refused: status says so until a reload succeeds.
    public func reloadRefused(_ problem: String) async {
        reloadProblem = problem
        await publishRegions()
    }

    /// The time between rounds (`[daemon] scan_interval`); the service's loop reads it before every sleep, so a
    /// reload takes effect at the next round.
    public var scanInterval: Duration { configuration.daemon.scanInterval }

    /// Pauses or resumes a region, or all of them (`region` nil: for a caller other than root, all the regions
    /// it registered); returns the names affected.
    ///
    /// - Throws: `DaemonError.notYourRegion` when `caller` may not act on `region`.
    public func setPaused(_ paused: Bool, region: String?, by caller: Caller = .root) async throws(DaemonError)
        -> [String] {
        if let region, regions[region] != nil { try authorize(caller, paused ? "Pause" : "Resume", on: region) }
        let chosen = regions.entries.filter { entry in
            region == nil ? caller.isRoot || entry.registration?.registrant == caller.uid : entry.name == region
        }
        chosen.forEach { entry in
            entry.isPaused = paused
            entry.pacing.wake()
        }
        return chosen.map(\.name)
    }

    /// The guards of this moment, from the swap and pressure figures read now.
    func readGuards() -> RoundGuards {
        var swap: SwapStatus?
        var swapProblem: String?
        do { swap = try procfs.swapStatus() } catch { swapProblem = "swap figures: \(error)" }
        return RoundGuards(swap: swap, pressure: try? procfs.memoryPressure(), swapProblem: swapProblem,
                           policy: configuration.policy)
    }

    /// Publishes every region's status at once (a registration or a window shows before the next round).
    @discardableResult
    func publishRegions() async -> [RegionStatus] {
        var status = await statusBoard.current()
        status.regions = regions.statuses
        status.reloadProblem = reloadProblem
        await statusBoard.publish(status)
        return status.regions
    }

    /// Publishes the status of a finished round: to the board, the metrics registry and the metrics textfile.
    func publishRound(guards: RoundGuards) async -> DaemonStatus {
        rounds += 1
        var status = DaemonStatus()
        status.regions = regions.statuses
        status.guardReason = guards.machine?.description
        status.scans = rounds
        status.dryRun = configuration.policy.dryRun
        status.reloadProblem = reloadProblem
        status.maxCPUPercent = configuration.daemon.maxCPU.value
        status.scanCPUPercent = 100 * scanBudget.recentShare
        status.snapshotCPUMicroseconds = UInt64(roundCPU.snapshot * 1_000_000)
        status.policyCPUMicroseconds = UInt64(max(0, roundCPU.scan - roundCPU.snapshot) * 1_000_000)
        status.pageoutCPUMicroseconds = UInt64(roundCPU.pageout * 1_000_000)
        status.scansDeferred = scanBudget.deferred
        metrics.publish(status)
        await statusBoard.publish(status, metrics: metrics.renderer)
        // metrics_textfile: the round's metrics for node_exporter, written off this thread; a failure is logged
        // and the next round retries.
        if !configuration.daemon.metricsTextfile.isEmpty {
            let textfile = MetricsTextfile(path: configuration.daemon.metricsTextfile)
            let metricsText = metrics.text
            metricsWriter.submit { [metricsText] in try textfile.write(metricsText) }
        }
        return status
    }

    /// Logs a change of the machine-wide guard once, not every round.
    func reportMachineGuard(_ current: PageoutGuard?) {
        let text = current?.description
        guard text != lastMachineGuard else { return }
        if let text {
            logger.warning("pageout held back", metadata: ["reason": "\(text)"])
        } else if lastMachineGuard != nil {
            logger.notice("pageout resumed", metadata: ["was": "\(lastMachineGuard ?? "")"])
        }
        lastMachineGuard = text
    }

    /// `configuration` with dry_run forced on everywhere when `force` is set.
    private static func applyingDryRun(_ force: Bool, to configuration: PageoutConfiguration) -> PageoutConfiguration {
        guard force else { return configuration }
        var result = configuration
        result.policy.dryRun = true
        for index in result.regions.indices { result.regions[index].policy.dryRun = true }
        return result
    }
}
