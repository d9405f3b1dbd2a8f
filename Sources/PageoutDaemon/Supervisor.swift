import Logging
import PageoutConfig
import PageoutCore
import PageoutLinux

/// The scan loop's brain: the configuration in force, the shared rate limit, and one scan round at a time.
public actor Supervisor {
    /// Where status goes.
    public let statusBoard: StatusBoard
    // Internal (not private) for the control socket's extension in Control/Supervisor+Control.swift.
    let scanWorker: ScanWorker
    let pageoutWorker: PageoutWorker
    let procfs: ProcFS
    let logger: Logger
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private let forceDryRun: Bool
    /// The configuration in force.
    public private(set) var configuration: PageoutConfiguration
    var bucket: TokenBucket
    private var rounds: UInt64 = 0
    private var lastMachineGuard: String?
    private var reloadProblem: String?
    private var metrics = MetricsPublisher()
    // Control socket: regions registered at run time, the ones of them whose VMM exited, and where they persist.
    var registrations: [Registration] = []
    var goneRegistrations: Set<String> = []
    let registrationStore: RegistrationStore

    /// A supervisor for `configuration`; `forceDryRun` is the `--dry-run` flag (it wins over the file).
    public init(configuration: PageoutConfiguration, forceDryRun: Bool, procfs: ProcFS, logger: Logger) {
        self.forceDryRun = forceDryRun
        self.configuration = Self.applyingDryRun(forceDryRun, to: configuration)
        self.procfs = procfs
        self.logger = logger
        self.statusBoard = StatusBoard()
        let resolver = RegionResolver(procfs: procfs)
        self.scanWorker = ScanWorker(resolver: resolver, logger: logger)
        self.pageoutWorker = PageoutWorker(resolver: resolver)
        self.origin = clock.now
        self.bucket = TokenBucket(rate: configuration.policy.maxPageoutRate.bytes, now: 0)
        self.registrationStore = RegistrationStore(directory: configuration.daemon.stateDirectory)
    }

    /// Milliseconds since the supervisor started: the policy's monotonic clock.
    var now: Int64 {
        let elapsed = origin.duration(to: clock.now)
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    /// Registers the configured regions; called once before the first round.
    public func start() async {
        restoreRegistrations()  // control socket
        await scanWorker.configure(regionConfigs, now: now)
    }

    /// Replaces the configuration in force (a reload). Learned state of unchanged regions is kept.
    public func apply(_ newConfiguration: PageoutConfiguration) async {
        configuration = Self.applyingDryRun(forceDryRun, to: newConfiguration)
        reloadProblem = nil
        bucket.setRate(configuration.policy.maxPageoutRate.bytes)
        await scanWorker.configure(regionConfigs, now: now)  // control socket: configured + registered regions
    }

    /// Records that a reload was refused: status says so until a reload succeeds.
    public func reloadRefused(_ problem: String) async {
        reloadProblem = problem
        var status = await statusBoard.current()
        status.reloadProblem = problem
        await statusBoard.publish(status)
    }

    /// The metrics of the last round in the Prometheus text exposition format.
    public var metricsText: String { metrics.text }

    /// The time between rounds.
    public var scanInterval: Duration { configuration.daemon.scanInterval }

    /// One round: scan every region, carry out the plans, recheck what was just paged out, publish status.
    @discardableResult
    public func scanRound() async -> DaemonStatus {
        let started = now
        var swap: SwapStatus?
        var swapProblem: String?
        do { swap = try procfs.swapStatus() } catch { swapProblem = "swap figures: \(error)" }
        let pressure = try? procfs.memoryPressure()
        let machineGuard: PageoutGuard? = swapProblem.map { .unreadable($0) }
            ?? swap.flatMap { PageoutGuard.machine(swap: $0, pressure: pressure, policy: configuration.policy) }
        reportMachineGuard(machineGuard)
        bucket.refill(at: started)
        // Scan windows left open longer than max_scan_window end.
        await scanWorker.expireWindows(at: started,
                                       maximum: configuration.daemon.maxScanWindow.wholeNanoseconds / 1_000_000)

        var pagedOut: [String] = []
        for name in await scanWorker.regionNames {
            let outcome = await scanWorker.scan(name, now: now, globalBudget: bucket.available, swap: swap,
                                                pressure: pressure, swapProblem: swapProblem)
            guard !outcome.isEmpty else { continue }
            do {
                if !outcome.repair.isEmpty || !outcome.finish.isEmpty {
                    let (finished, repaired) = try await pageoutWorker.pageOutUnmapped(outcome)
                    let pageSize = outcome.region?.layout.pageSize ?? 4096
                    bucket.take(UInt64(finished + repaired) * UInt64(pageSize))
                    await scanWorker.recordUnmappedPageout(outcome, finished: finished, repaired: repaired)
                    logger.debug("paged out unmapped pages", metadata: [
                        "region": "\(name)", "finished_pages": "\(finished)", "repaired_pages": "\(repaired)"])
                }
                guard !outcome.ranges.isEmpty else { continue }
                let advised = try await pageoutWorker.pageOut(outcome)
                bucket.take(outcome.bytes)
                await scanWorker.recordPageout(outcome, at: now)
                pagedOut.append(name)
                logger.debug("paged out", metadata: ["region": "\(name)", "bytes": "\(advised)",
                                                     "probe_pages": "\(outcome.plan.probePages)"])
            } catch {
                await scanWorker.pageoutFailed(name, error: error)
            }
        }
        if !pagedOut.isEmpty {
            // Pages the guest needs come back within milliseconds: look again shortly, while it is cheap.
            let delay = min(Duration.milliseconds(250), scanInterval / 4)
            try? await Task.sleep(for: delay)
            for name in pagedOut { await scanWorker.recheck(name, at: now) }
        }
        rounds += 1
        var status = DaemonStatus()
        status.regions = await scanWorker.statuses()
        forgetGoneRegistrations(status.regions)  // control socket
        status.guardReason = machineGuard?.description
        status.scans = rounds
        status.dryRun = configuration.policy.dryRun
        status.reloadProblem = reloadProblem
        await statusBoard.publish(status)
        metrics.publish(status)
        // metrics_textfile: the round's metrics for node_exporter; a failure is logged and the next round retries.
        if !configuration.daemon.metricsTextfile.isEmpty {
            let textfile = MetricsTextfile(path: configuration.daemon.metricsTextfile)
            do { try textfile.write(metrics.text) } catch {
                logger.warning("cannot write the metrics textfile, ignoring",
                               metadata: ["path": "\(textfile.path)", "error": "\(error)"])
            }
        }
        return status
    }

    /// Pauses or resumes a region, or all of them.
    public func setPaused(_ paused: Bool, region: String?) async -> [String] {
        await scanWorker.setPaused(paused, name: region)
    }

    /// Logs a change of the machine-wide guard once, not every round.
    private func reportMachineGuard(_ current: PageoutGuard?) {
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
