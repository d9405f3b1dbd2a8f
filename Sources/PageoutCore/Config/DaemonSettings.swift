/// How much the daemon logs: the levels of swift-log, by the names the config file uses.
public enum LogLevel: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Everything, including per-scan details.
    case trace
    /// Details useful when debugging.
    case debug
    /// Normal operation: start-up, registrations, pageout summaries.
    case info
    /// Noteworthy conditions that need no action.
    case notice
    /// Conditions that may need action (pageout paused for low swap).
    case warning
    /// Errors that affect one region or request.
    case error
    /// Errors that stop the daemon.
    case critical

    /// Parses a level name (`"info"`).
    ///
    /// - Throws: `ConfigValueError` naming the text and the levels there are.
    public init(configText text: String) throws(ConfigValueError) {
        guard let level = LogLevel(rawValue: text) else {
            let names = LogLevel.allCases.map(\.rawValue)
            throw ConfigValueError("\(text.configQuoted) is not a log level (use "
                + names.dropLast().joined(separator: ", ") + " or \(names.last ?? ""))")
        }
        self = level
    }

    /// The name.
    public var description: String { rawValue }
}

/// The `[daemon]` table: settings of the service itself.
public struct DaemonSettings: Sendable, Hashable {
    /// The keys of `[daemon]`, as the config file spells them.
    public enum Key: String, Sendable, Hashable, CaseIterable {
        /// `socket`: the path of the varlink control socket.
        case socket
        /// `state_directory`: where registrations persist across restarts.
        case stateDirectory = "state_directory"
        /// `scan_interval`: how often every region is scanned.
        case scanInterval = "scan_interval"
        /// `log_level`: how much the daemon logs.
        case logLevel = "log_level"
    }

    /// The path of the varlink control socket (when systemd does not pass one in).
    public var socket: String
    /// The directory where registrations made over the control socket persist.
    public var stateDirectory: String
    /// How often every region is scanned. More than zero.
    public var scanInterval: Duration
    /// How much the daemon logs.
    public var logLevel: LogLevel

    /// Creates daemon settings; every value has the built-in default.
    public init(
        socket: String = "/run/pageoutd/pageoutd.sock",
        stateDirectory: String = "/var/lib/pageoutd",
        scanInterval: Duration = .seconds(1),
        logLevel: LogLevel = .info
    ) {
        self.socket = socket
        self.stateDirectory = stateDirectory
        self.scanInterval = scanInterval
        self.logLevel = logLevel
    }

    /// The built-in defaults.
    public static let `default` = DaemonSettings()

    /// What is wrong with these settings, each issue keyed below `path` (`daemon`).
    public func validationIssues(at path: ConfigKeyPath) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        for (key, value) in [(Key.socket, socket), (.stateDirectory, stateDirectory)] {
            if let problem = absolutePathProblem(value) {
                issues.append(ConfigIssue(key: path.appending(key.rawValue), problem: problem))
            }
        }
        if scanInterval <= .zero {
            issues.append(ConfigIssue(key: path.appending(Key.scanInterval.rawValue),
                                      problem: "must be more than zero"))
        }
        return issues
    }
}

/// The problem with `path` as a path the daemon opens, or nil when it is an absolute path.
func absolutePathProblem(_ path: String) -> String? {
    if path.contains("\0") { return "\(path.configQuoted) contains a NUL character" }
    return path.hasPrefix("/") ? nil : "\(path.configQuoted) is not an absolute path"
}
