import Logging
import PageoutConfig
import PageoutCore
import PageoutLinux
import ServiceLifecycle
import UnixSignals

/// The daemon as a swift-service-lifecycle `Service`: the scan loop, reload on SIGHUP, systemd notifications.
///
/// Graceful shutdown (SIGTERM, SIGINT, through the `ServiceGroup`) ends the loop after the round in progress;
/// the service then says STOPPING=1 and returns.
public struct PageoutService: Service {
    /// The supervisor whose rounds the loop runs.
    public let supervisor: Supervisor
    private let configPath: String?
    private let notifier: SystemdNotifier
    private let logger: Logger
    /// The control socket, bound before the service runs (nil: none).
    private let control: ControlListener?

    /// A service over `supervisor`; `configPath` is the file SIGHUP reloads (nil: the built-in default);
    /// `control` is the bound control socket to serve while the service runs.
    public init(supervisor: Supervisor, configPath: String?, notifier: SystemdNotifier, logger: Logger,
                control: ControlListener? = nil) {
        self.supervisor = supervisor
        self.configPath = configPath
        self.notifier = notifier
        self.logger = logger
        self.control = control
    }

    /// Runs the first round, says READY=1, then serves SIGHUP reloads and the control socket while the scan
    /// loop runs; returns after STOPPING=1 once graceful shutdown ended the loop.
    public func run() async throws {
        await supervisor.start()
        let first = await supervisor.scanRound()
        notifier.ready(status: first.summary)
        logger.notice("pageoutd ready", metadata: ["status": "\(first.summary)"])
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals { await reload() }
            }
            group.addTask { await supervisor.watchMigrations(every: .milliseconds(100)) }
            if let control {  // control socket: served until the scan loop ends
                let methods = ControlMethods(supervisor: supervisor) { await reload() }
                group.addTask { await control.serve(methods, logger: logger) }
            }
            await scanLoop()
            group.cancelAll()
        }
        notifier.stopping()
        await supervisor.flushRegistrations()
        logger.notice("pageoutd stopping")
    }

    /// Runs rounds every scan interval until graceful shutdown, pinging the watchdog while rounds complete.
    private func scanLoop() async {
        let clock = ContinuousClock()
        let pingEvery = notifier.watchdogPingInterval
        var lastPing = clock.now
        var nextRound = clock.now
        var codeUnmapped = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = await supervisor.scanInterval
            nextRound = max(nextRound.advanced(by: interval), clock.now)
            // Sleep in steps short enough to ping the watchdog in time; the loop pings only while it runs.
            while clock.now < nextRound, !Task.isShuttingDownGracefully {
                let step = min(nextRound - clock.now, (pingEvery ?? interval) / 2)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: step) }
                if let pingEvery, clock.now - lastPing >= pingEvery / 2 {
                    notifier.watchdog()
                    lastPing = clock.now
                }
            }
            guard !Task.isShuttingDownGracefully else { break }
            let status = await supervisor.scanRound()
            notifier.status(status.summary)
            if !codeUnmapped {  // start-up is over: every task the daemon runs has run once
                unmapCode(after: "start-up")
                codeUnmapped = true
            }
            if pingEvery != nil {
                notifier.watchdog()
                lastPing = clock.now
            }
        }
    }

    /// Drops the page-table entries of the daemon's own code (`ExecutableCode`): what start-up or a reload ran
    /// and rounds do not stops counting in the daemon's resident memory; rounds map back what they run.
    private func unmapCode(after event: String) {
        do {
            let unmapped = try ExecutableCode.unmapAll()
            logger.debug("own code unmapped", metadata: [
                "after": "\(event)", "mapped_pages": "\(unmapped.mappedPages)",
                "unmapped_pages": "\(unmapped.unmappedPages)"])
        } catch {
            logger.warning("could not unmap own code", metadata: ["after": "\(event)", "error": "\(error)"])
        }
    }

    /// Reloads the configuration file: RELOADING=1, then the new configuration or, if it is invalid, the old one
    /// kept and said so; READY=1 either way. Returns why the file was refused, or nil.
    @discardableResult
    private func reload() async -> String? {
        notifier.reloading()
        defer { unmapCode(after: "reload") }
        guard let configPath else {
            logger.warning("reload asked, but pageoutd runs on the built-in default configuration: nothing to reload")
            notifier.ready(status: "reload: no configuration file, running on the built-in default")
            return nil
        }
        do {
            let configuration = try ConfigLoader.load(path: configPath)
            await supervisor.apply(configuration)
            logger.notice("configuration reloaded", metadata: ["file": "\(configPath)",
                                                               "regions": "\(configuration.regions.count)"])
            let status = await supervisor.statusBoard.current()
            notifier.ready(status: "reloaded \(configPath); " + status.summary)
            return nil
        } catch {
            let first = error.errors.first.map { "\($0)" } ?? "\(error)"
            logger.error("reload failed, keeping the running configuration", metadata: [
                "file": "\(configPath)", "error": "\(first)", "errors": "\(error.errors.count)"])
            await supervisor.reloadRefused(first)
            notifier.ready(status: await supervisor.statusBoard.current().summary)
            return first
        }
    }
}

extension PageoutService: CustomStringConvertible {
    public var description: String { "PageoutService" }
}
