import ArgumentParser
import Foundation
import Logging
import PageoutConfig
import PageoutCore
import PageoutDaemon
import PageoutLinux
import ServiceLifecycle
import SystemPackage

/// `pageoutd [run] [--config FILE] [--dry-run]`, and `pageoutd --check-config FILE`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon (the default command).")

    /// Where the configuration lives when --config is not given.
    static let defaultConfigPath = "/etc/pageoutd/pageoutd.toml"

    @Option(name: .long, help: "The configuration file.")
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Validate FILE, print the effective configuration, exit 0 (valid) or 1.",
                                            valueName: "FILE"))
    var checkConfig: String?

    @Flag(name: .long, help: "Plan and log pageouts, never carry them out (overrides dry_run in the file).")
    var dryRun = false

    /// Checks the configuration (with --check-config), or runs the daemon until SIGTERM or SIGINT; any problem
    /// that keeps it from starting is logged, told to systemd (STATUS=, ERRNO=) and exits 1.
    func run() async throws {
        if let checkConfig {
            throw ExitCode(Self.check(path: checkConfig))
        }
        let notifier = SystemdNotifier()
        let (configuration, path) = try Self.loadConfiguration(config, notifier: notifier)
        LoggingSetup.bootstrap(level: Logger.Level(rawValue: configuration.daemon.logLevel.rawValue) ?? .info)
        let logger = Logger(label: "pageoutd")
        logger.notice("pageoutd starting", metadata: [
            "config": "\(path ?? "built-in default")", "regions": "\(configuration.regions.count)",
            "dry_run": "\(dryRun || configuration.policy.dryRun)"])
        try Self.preflight(logger: logger, notifier: notifier)
        // vmm_users names users like socket_group names a group: one that does not exist stops the start.
        do {
            _ = try VMMUsers.resolveAll(configuration.daemon.vmmUsers)
        } catch {
            logger.critical("vmm_users unusable", metadata: ["error": "\(error.message)"])
            _ = notifier.fatal(status: error.message, errno: .invalidArgument)
            throw ExitCode(1)
        }
        // The control socket is bound before the first round, so READY=1 means clients can connect.
        let control: ControlListener
        do {
            control = try await ControlListener.bind(settings: configuration.daemon)
        } catch {
            logger.critical("control socket unusable", metadata: ["error": "\(error.message)"])
            _ = notifier.fatal(status: error.message, errno: error.errno)
            throw ExitCode(1)
        }
        logger.info("control socket listening", metadata: ["socket": "\(control.endpoint)"])

        let supervisor = Supervisor(configuration: configuration, forceDryRun: dryRun, procfs: ProcFS(), logger: logger)
        let service = PageoutService(supervisor: supervisor, configPath: path, notifier: notifier, logger: logger,
                                     control: control)
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }

    /// The configuration of `--config`, else of the default path when that file exists, else the built-in
    /// default; with the path it came from (nil: built in). An invalid file prints every error and exits 1.
    private static func loadConfiguration(
        _ config: String?, notifier: SystemdNotifier
    ) throws -> (PageoutConfiguration, String?) {
        let path = config ?? (FileManager.default.fileExists(atPath: defaultConfigPath) ? defaultConfigPath : nil)
        guard let path else { return (.default, nil) }
        do {
            return (try ConfigLoader.load(path: path), path)
        } catch {
            for line in error.errors { printError("\(line)") }
            let first = error.errors.first.map { "\($0)" } ?? "\(error)"
            _ = notifier.fatal(status: "invalid configuration: \(first)", errno: .invalidArgument)
            throw ExitCode(1)
        }
    }

    /// Logs every preflight finding at its severity; exits 1 on a fatal one.
    private static func preflight(logger: Logger, notifier: SystemdNotifier) throws {
        let findings = Preflight.run()
        for finding in findings {
            switch finding.severity {
            case .fatal: logger.critical("preflight: \(finding.sentence)")
            case .warning: logger.warning("preflight: \(finding.sentence)")
            case .info: logger.info("preflight: \(finding.sentence)")
            }
        }
        if let fatal = findings.first(where: { $0.severity == .fatal }) {
            _ = notifier.fatal(status: fatal.sentence, errno: Errno(rawValue: fatal.errno))
            throw ExitCode(1)
        }
    }

    /// Validates the file at `path`: prints the effective configuration (exit 0) or every error (exit 1).
    static func check(path: String) -> Int32 {
        do {
            let configuration = try ConfigLoader.load(path: path)
            print(configuration.renderTOML(), terminator: "")
            return 0
        } catch {
            for line in error.errors { printError("\(line)") }
            return 1
        }
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
