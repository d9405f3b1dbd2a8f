extension DaemonSettings {
    /// The values `max_regions` and `max_regions_per_user` may take.
    public static let regionLimitRange = 1...65536

    /// The limits on registered regions.
    public var regionQuota: RegionQuota { RegionQuota(total: maxRegions, perUser: maxRegionsPerUser) }

    /// What is wrong with the keys about registrations (`vmm_users`, the region limits, `gone_region_grace`).
    func registrationIssues(at path: ConfigKeyPath) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        for (index, user) in vmmUsers.enumerated() {
            let problem = user.isEmpty ? "an empty string is not a user name or ID"
                : Self.accountProblem(user, kind: "user")
            if let problem {
                issues.append(ConfigIssue(key: path.appending(Key.vmmUsers.rawValue).appending(index: index),
                                          problem: problem))
            }
        }
        for (key, value) in [(Key.maxRegions, maxRegions), (.maxRegionsPerUser, maxRegionsPerUser)]
        where !Self.regionLimitRange.contains(value) {
            issues.append(ConfigIssue(key: path.appending(key.rawValue),
                                      problem: "\(value) is not from \(Self.regionLimitRange.lowerBound) "
                                        + "to \(Self.regionLimitRange.upperBound)"))
        }
        if goneRegionGrace <= .zero {
            issues.append(ConfigIssue(key: path.appending(Key.goneRegionGrace.rawValue),
                                      problem: "must be more than zero"))
        }
        return issues
    }
}
