/// The whole configuration of pageoutd: what the config file says, or the built-in default.
public struct PageoutConfiguration: Sendable, Hashable {
    /// The keys at the top of the config file: its tables.
    public enum Key: String, Sendable, Hashable, CaseIterable {
        /// `[daemon]`.
        case daemon
        /// `[policy]`.
        case policy
        /// `[[region]]`.
        case region
    }

    /// The `[daemon]` table.
    public var daemon: DaemonSettings
    /// The `[policy]` table: the global policy, before any region's overrides.
    public var policy: PolicySettings
    /// The `[[region]]`s, in file order, each with its effective policy.
    public var regions: [RegionConfig]

    /// A configuration of these tables; every table left out has its built-in default.
    public init(daemon: DaemonSettings = .default, policy: PolicySettings = .default, regions: [RegionConfig] = []) {
        self.daemon = daemon
        self.policy = policy
        self.regions = regions
    }

    /// The built-in default: default daemon settings and policy, no regions (VMMs register over the control
    /// socket). Config/pageoutd.toml spells out this same configuration.
    public static let `default` = PageoutConfiguration()

    /// The region named `name`, if any.
    public func region(named name: String) -> RegionConfig? {
        regions.first { $0.name == name }
    }

    /// Everything wrong with this configuration, keyed as in the config file (`region[1].name`).
    public func validationIssues() -> [ConfigIssue] {
        let policyPath = ConfigKeyPath(Key.policy.rawValue)
        var issues = daemon.validationIssues(at: ConfigKeyPath(Key.daemon.rawValue))
        issues += policy.validationIssues { policyPath.appending($0.rawValue) }
        let regionPaths = regions.indices.map { ConfigKeyPath(Key.region.rawValue).appending(index: $0) }
        for (region, path) in zip(regions, regionPaths) {
            issues += region.validationIssues(at: path, globalPolicyPath: policyPath)
        }
        issues += Self.duplicateNameIssues(zip(regions.map(\.name), regionPaths).map { ($0, $1) })
        return issues
    }

    /// An issue for every region whose name an earlier region already has.
    ///
    /// - Parameter named: each region's name and key (`region[2]`), in file order.
    public static func duplicateNameIssues(_ named: [(name: String, path: ConfigKeyPath)]) -> [ConfigIssue] {
        var firstPath: [String: ConfigKeyPath] = [:]
        var issues: [ConfigIssue] = []
        for (name, path) in named {
            if let earlier = firstPath[name] {
                issues.append(ConfigIssue(key: path.appending(RegionConfig.Key.name.rawValue),
                                          problem: "\(name.configQuoted) is already the name of \(earlier)"))
            } else {
                firstPath[name] = path
            }
        }
        return issues
    }
}
