import PageoutCore

/// The tables of the config file, for telling what an unknown key may have been meant as.
enum ConfigSection: CaseIterable {
    case root, daemon, policy, region, regionPolicy

    /// The keys the table takes.
    var keys: [String] {
        switch self {
        case .root: PageoutConfiguration.Key.allCases.map(\.rawValue)
        case .daemon: DaemonSettings.Key.allCases.map(\.rawValue)
        case .policy, .regionPolicy: PolicySettings.Key.allCases.map(\.rawValue)
        case .region: RegionConfig.Key.allCases.map(\.rawValue)
        }
    }

    /// How a message names the table.
    var title: String {
        switch self {
        case .root: "the top level"
        case .daemon: "[daemon]"
        case .policy: "[policy]"
        case .region: "[[region]]"
        case .regionPolicy: "[region.policy]"
        }
    }

    /// Where a key of another table would belong, seen from this one, in the order to suggest them.
    private var elsewhere: [ConfigSection] {
        switch self {
        case .root: [.daemon, .policy, .region]
        case .daemon: [.policy, .region]
        case .policy: [.daemon, .region]
        case .region: [.regionPolicy, .daemon]
        case .regionPolicy: [.region, .daemon]
        }
    }

    /// The problem with `key` in this table: where it belongs instead, a close known key, or the known keys.
    func unknownKeyProblem(_ key: String) -> String {
        let here = "unknown key in \(title)"
        if let home = elsewhere.first(where: { $0.keys.contains(key) && key != RegionConfig.Key.policy.rawValue }) {
            return "\(here) (\(key) belongs in \(home.title))"
        }
        let close = keys.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= min(2, $0.0.count / 2) }
        if let best = close.min(by: { $0.1 < $1.1 }) {
            return "\(here) (did you mean \(best.0)?)"
        }
        return "\(here) (known keys: \(keys.joined(separator: ", ")))"
    }
}

/// The Levenshtein distance between two strings, counted in characters.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let left = Array(lhs), right = Array(rhs)
    var previous = Array(0...right.count)
    for (row, leftCharacter) in left.enumerated() {
        var current = [row + 1]
        for (column, rightCharacter) in right.enumerated() {
            let substitution = previous[column] + (leftCharacter == rightCharacter ? 0 : 1)
            current.append(min(substitution, previous[column + 1] + 1, current[column] + 1))
        }
        previous = current
    }
    return previous[right.count]
}
