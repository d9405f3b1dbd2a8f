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

    /// The name the config file uses (`info`).
    public var description: String { rawValue }
}

/// The `[daemon]` table: settings of the service itself.
public struct DaemonSettings: Sendable, Hashable {
    /// The keys of `[daemon]`, as the config file spells them.
    public enum Key: String, Sendable, Hashable, CaseIterable {
        /// `socket`: the path of the varlink control socket.
        case socket
        /// `socket_mode`: the file mode of the control socket, in octal.
        case socketMode = "socket_mode"
        /// `socket_group`: the control group, whose members may call the mutating methods.
        case socketGroup = "socket_group"
        /// `max_clients`: how many control connections are served at once.
        case maxClients = "max_clients"
        /// `client_idle_timeout`: how long a control connection may stay idle.
        case clientIdleTimeout = "client_idle_timeout"
        /// `state_directory`: where registrations persist across restarts.
        case stateDirectory = "state_directory"
        /// `scan_interval`: how often every region is scanned.
        case scanInterval = "scan_interval"
        /// `log_level`: how much the daemon logs.
        case logLevel = "log_level"
        /// `max_scan_window`: how long a scan window may stay open before it expires.
        case maxScanWindow = "max_scan_window"
        /// `metrics_textfile`: where the Prometheus metrics are written after every scan round.
        case metricsTextfile = "metrics_textfile"
        /// `vmm_users`: the users whose VMMs members of the control group may register, besides their own.
        case vmmUsers = "vmm_users"
        /// `max_regions`: how many regions may be registered over the control socket in all.
        case maxRegions = "max_regions"
        /// `max_regions_per_user`: how many of them one user other than root may register.
        case maxRegionsPerUser = "max_regions_per_user"
        /// `gone_region_grace`: how long a registered region whose VMM exited stays listed as gone.
        case goneRegionGrace = "gone_region_grace"
        /// `max_clients_per_uid`: how many control connections one uid other than root may hold.
        case maxClientsPerUid = "max_clients_per_uid"
        /// `reserved_clients`: connections of `max_clients` only root and the control group may take.
        case reservedClients = "reserved_clients"
        /// `max_subscribers_per_uid`: how many status streams (GetStatus with more) one uid other than root may hold.
        case maxSubscribersPerUid = "max_subscribers_per_uid"
        /// `max_scan_windows`: how many scan windows may be open on one region at once.
        case maxScanWindows = "max_scan_windows"
        /// `max_cpu`: the share of one core scan rounds may spend looking at regions.
        case maxCPU = "max_cpu"
    }

    /// The path of the varlink control socket (when systemd does not pass one in).
    public var socket: String
    /// The file mode of the control socket the daemon binds (connecting needs write permission). At most 0777.
    public var socketMode: FileMode
    /// The control group, a name or a numeric gid: owns the socket, and its members may call the mutating
    /// methods. Empty: the daemon's own group, and root alone may change the daemon.
    public var socketGroup: String
    /// How many control connections are served at once; more are closed at once. From 1 to 4096.
    public var maxClients: Int
    /// How long a control connection may stay with no call in progress, or with a reply its client does not
    /// read, before it is closed. More than zero.
    public var clientIdleTimeout: Duration
    /// The directory where registrations made over the control socket persist.
    public var stateDirectory: String
    /// How often every region is scanned. More than zero.
    public var scanInterval: Duration
    /// The least severe level the daemon logs.
    public var logLevel: LogLevel
    /// How long a scan window (BeginScan..EndScan) may stay open; one left open longer expires, with a warning,
    /// and its pages count as the guest's again. More than zero.
    public var maxScanWindow: Duration
    /// The file the Prometheus metrics are written to after every scan round, atomically, for node_exporter's
    /// textfile collector (name it `*.prom` in the collector's directory). Empty: none. Else an absolute path.
    public var metricsTextfile: String
    /// User names or numeric uids whose VMM processes members of the control group may register, besides
    /// processes of their own uid (e.g. `libvirt-qemu`). Empty: only their own.
    public var vmmUsers: [String]
    /// How many regions may be registered over the control socket in all (root's too). From 1 to 65536.
    public var maxRegions: Int
    /// How many registered regions one user other than root may have at once. From 1 to 65536.
    public var maxRegionsPerUser: Int
    /// How long a region registered over the control socket stays listed as gone after its VMM exited; then it
    /// is forgotten. More than zero.
    public var goneRegionGrace: Duration
    /// How many control connections one uid other than root may hold at once. From 1 to 4096.
    public var maxClientsPerUid: Int
    /// How many of the `max_clients` connections only root and members of the control group may take, so that
    /// other users holding every other connection cannot lock them out. From 0 to 4096; at most
    /// `max_clients - 1` are held back.
    public var reservedClients: Int
    /// How many status streams (GetStatus with `more`) one uid other than root may hold at once. From 1 to 4096.
    public var maxSubscribersPerUid: Int
    /// How many scan windows may be open on one region at once; BeginScan past it fails. Each costs one bit per
    /// page of the region. From 1 to 64.
    public var maxScanWindows: Int
    /// The share of one core the scan rounds may spend looking at regions (snapshots and policy; pageout is
    /// bounded by `max_pageout_rate`), enforced as a quota: past it, regions that can wait are scanned in later
    /// rounds. Zero: no limit.
    public var maxCPU: Percent

    /// Creates daemon settings; every value has the built-in default.
    public init(
        socket: String = "/run/pageoutd/pageoutd.sock",
        socketMode: FileMode = FileMode(0o660),
        socketGroup: String = "",
        maxClients: Int = 64,
        clientIdleTimeout: Duration = .seconds(60),
        stateDirectory: String = "/var/lib/pageoutd",
        scanInterval: Duration = .seconds(1),
        logLevel: LogLevel = .info,
        maxScanWindow: Duration = .seconds(600),
        metricsTextfile: String = "",
        vmmUsers: [String] = [],
        maxRegions: Int = 1024,
        maxRegionsPerUser: Int = 64,
        goneRegionGrace: Duration = .seconds(300),
        maxClientsPerUid: Int = 8,
        reservedClients: Int = 8,
        maxSubscribersPerUid: Int = 2,
        maxScanWindows: Int = 4,
        maxCPU: Percent = Percent(25)
    ) {
        self.socket = socket
        self.socketMode = socketMode
        self.socketGroup = socketGroup
        self.maxClients = maxClients
        self.clientIdleTimeout = clientIdleTimeout
        self.stateDirectory = stateDirectory
        self.scanInterval = scanInterval
        self.logLevel = logLevel
        self.maxScanWindow = maxScanWindow
        self.metricsTextfile = metricsTextfile
        self.vmmUsers = vmmUsers
        self.maxRegions = maxRegions
        self.maxRegionsPerUser = maxRegionsPerUser
        self.goneRegionGrace = goneRegionGrace
        self.maxClientsPerUid = maxClientsPerUid
        self.reservedClients = reservedClients
        self.maxSubscribersPerUid = maxSubscribersPerUid
        self.maxScanWindows = maxScanWindows
        self.maxCPU = maxCPU
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
        if !metricsTextfile.isEmpty, let problem = absolutePathProblem(metricsTextfile) {
            issues.append(ConfigIssue(key: path.appending(Key.metricsTextfile.rawValue), problem: problem))
        }
        if scanInterval <= .zero {
            issues.append(ConfigIssue(key: path.appending(Key.scanInterval.rawValue),
                                      problem: "must be more than zero"))
        }
        if let problem = Self.groupProblem(socketGroup) {
            issues.append(ConfigIssue(key: path.appending(Key.socketGroup.rawValue), problem: problem))
        }
        let counts: [(Key, Int, ClosedRange<Int>)] = [
            (.maxClients, maxClients, Self.clientRange), (.maxClientsPerUid, maxClientsPerUid, Self.clientRange),
            (.reservedClients, reservedClients, 0...Self.clientRange.upperBound),
            (.maxSubscribersPerUid, maxSubscribersPerUid, Self.clientRange),
            (.maxScanWindows, maxScanWindows, Self.scanWindowRange),
        ]
        for (key, value, range) in counts where !range.contains(value) {
            issues.append(ConfigIssue(key: path.appending(key.rawValue),
                                      problem: "\(value) is not from \(range.lowerBound) to \(range.upperBound)"))
        }
        for (key, duration) in [(Key.clientIdleTimeout, clientIdleTimeout), (.maxScanWindow, maxScanWindow)]
        where duration <= .zero {
            issues.append(ConfigIssue(key: path.appending(key.rawValue), problem: "must be more than zero"))
        }
        issues += registrationIssues(at: path)
        return issues
    }
}

extension DaemonSettings {
    /// The values `max_clients` may take.
    public static let clientRange = 1...4096
    /// The values `max_scan_windows` may take.
    public static let scanWindowRange = 1...64

    /// The problem with `group` as a `socket_group` value, or nil when it is empty, a gid, or a group name.
    static func groupProblem(_ group: String) -> String? {
        if group.isEmpty { return nil }
        return accountProblem(group, kind: "group")
    }

    /// The problem with `name` as a user or group (`kind`) name or numeric ID, or nil.
    static func accountProblem(_ group: String, kind: String) -> String? {
        if group.allSatisfy(\.isASCIIDigit) {
            // (gid_t)-1 and (uid_t)-1 mean "no change" to chown, so they name no one.
            guard let gid = UInt32(group), gid != .max else {
                return "\(group) is not a \(kind) ID (0 to 4294967294)"
            }
            return nil
        }
        // The characters shadow-utils' groupadd accepts in a name.
        let allowed = group.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-$".unicodeScalars.contains($0))
        }
        guard allowed, !group.hasPrefix("-"), group.utf8.count <= 32 else {
            return "\(group.configQuoted) is not a \(kind) name or ID"
        }
        return nil
    }
}

/// File permission bits, as `chmod` takes them: `socket_mode = "0660"`.
public struct FileMode: Sendable, Hashable, CustomStringConvertible {
    /// The bits, at most 0o777.
    public var bits: UInt32

    /// The mode of `bits`; more than 0o777 traps (setuid, setgid and sticky bits are not for sockets).
    public init(_ bits: UInt32) {
        precondition(bits <= 0o777, "file mode \(String(bits, radix: 8)) has bits beyond 0777")
        self.bits = bits
    }

    /// Parses 3 or 4 octal digits, at most `"0777"` (no setuid, setgid or sticky bits).
    ///
    /// - Throws: `ConfigValueError` naming the text.
    public init(configText text: String) throws(ConfigValueError) {
        guard (3...4).contains(text.count), text.allSatisfy({ ("0"..."7").contains($0) }),
              let bits = UInt32(text, radix: 8) else {
            throw ConfigValueError("\(text.configQuoted) is not an octal file mode (use e.g. \"0660\")")
        }
        guard bits <= 0o777 else {
            throw ConfigValueError("\(text.configQuoted) sets bits beyond \"0777\" (setuid, setgid or sticky)")
        }
        self.bits = bits
    }

    /// Four octal digits: `"0660"`.
    public var configText: String {
        let digits = String(bits, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The four octal digits.
    public var description: String { configText }
}

/// The problem with `path` as a path the daemon opens, or nil when it is an absolute path.
func absolutePathProblem(_ path: String) -> String? {
    if path.contains("\0") { return "\(path.configQuoted) contains a NUL character" }
    return path.hasPrefix("/") ? nil : "\(path.configQuoted) is not an absolute path"
}
