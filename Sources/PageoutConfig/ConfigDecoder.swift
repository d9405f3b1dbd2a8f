import PageoutCore

/// Turns the parsed TOML of a config file into a `PageoutConfiguration`, collecting every issue on the way.
///
/// Each value is checked for type and form as it is read; what involves several values (unique names, backoff
/// order, absolute paths) is left to the model's validation, which runs on the result. A value that could not be
/// read keeps its default (or a placeholder) and its key is remembered as failed, so validation does not report
/// consequences of an error already reported.
struct ConfigDecoder {
    /// What is wrong, in the order found.
    private(set) var issues: [ConfigIssue] = []
    /// Keys whose values could not be read, or that are missing.
    private var failedKeys: Set<ConfigKeyPath> = []

    typealias Table = [(key: String, value: TOMLNode)]

    /// Decodes the top table of a file. The result is meaningful only when `issues` is empty.
    mutating func decode(_ root: Table) -> PageoutConfiguration {
        var configuration = PageoutConfiguration.default
        var regionNodes: [(node: TOMLNode, path: ConfigKeyPath)] = []
        let regionPath = ConfigKeyPath(PageoutConfiguration.Key.region.rawValue)
        for (key, node) in root {
            let path = ConfigKeyPath(key)
            switch PageoutConfiguration.Key(rawValue: key) {
            case .daemon:
                if let table = table(node, at: path, expected: "a table ([daemon])") {
                    configuration.daemon = decodeDaemon(table, at: path)
                }
            case .policy:
                if let table = table(node, at: path, expected: "a table ([policy])") {
                    (configuration.policy, _) = decodePolicy(table, at: path, base: .default)
                }
            case .region:
                guard case .array(let elements) = node else {
                    fail(path, "expected an array of tables ([[region]]), found \(node.found)")
                    continue
                }
                regionNodes = elements.enumerated().map { ($1, regionPath.appending(index: $0)) }
            case nil:
                fail(path, ConfigSection.root.unknownKeyProblem(key))
            }
        }
        let policyPath = ConfigKeyPath(PageoutConfiguration.Key.policy.rawValue)
        var found = configuration.daemon.validationIssues(at: ConfigKeyPath(PageoutConfiguration.Key.daemon.rawValue))
        found += configuration.policy.validationIssues { policyPath.appending($0.rawValue) }
        var named: [(name: String, path: ConfigKeyPath)] = []
        for (node, path) in regionNodes {
            guard let table = table(node, at: path, expected: "a table ([[region]])") else { continue }
            let region = decodeRegion(table, at: path, global: configuration.policy)
            found += region.validationIssues(at: path, globalPolicyPath: policyPath)
            named.append((region.name, path))
            configuration.regions.append(region)
        }
        found += PageoutConfiguration.duplicateNameIssues(named)
        issues += found.filter { issue in
            !failedKeys.contains(issue.key) && issue.relatedKeys.allSatisfy { !failedKeys.contains($0) }
        }
        return configuration
    }

    /// Decodes `[daemon]` over the defaults.
    mutating func decodeDaemon(_ table: Table, at path: ConfigKeyPath) -> DaemonSettings {
        var daemon = DaemonSettings.default
        for (key, node) in table {
            let keyPath = path.appending(key)
            switch DaemonSettings.Key(rawValue: key) {
            case .socket: read(node, at: keyPath, as: .string("a path string"), into: &daemon.socket)
            case .socketMode: read(node, at: keyPath, as: .fileMode, into: &daemon.socketMode)
            case .socketGroup:
                read(node, at: keyPath, as: .string("a group name or ID string"), into: &daemon.socketGroup)
            case .maxClients: read(node, at: keyPath, as: .integer, into: &daemon.maxClients)
            case .maxClientsPerUid: read(node, at: keyPath, as: .integer, into: &daemon.maxClientsPerUid)
            case .reservedClients: read(node, at: keyPath, as: .integer, into: &daemon.reservedClients)
            case .maxSubscribersPerUid: read(node, at: keyPath, as: .integer, into: &daemon.maxSubscribersPerUid)
            case .maxScanWindows: read(node, at: keyPath, as: .integer, into: &daemon.maxScanWindows)
            case .maxCPU: read(node, at: keyPath, as: .percent, into: &daemon.maxCPU)
            case .clientIdleTimeout: read(node, at: keyPath, as: .duration, into: &daemon.clientIdleTimeout)
            case .maxScanWindow: read(node, at: keyPath, as: .duration, into: &daemon.maxScanWindow)
            case .metricsTextfile:
                read(node, at: keyPath, as: .string("a path string"), into: &daemon.metricsTextfile)
            case .stateDirectory: read(node, at: keyPath, as: .string("a path string"), into: &daemon.stateDirectory)
            case .scanInterval: read(node, at: keyPath, as: .duration, into: &daemon.scanInterval)
            case .logLevel: read(node, at: keyPath, as: .logLevel, into: &daemon.logLevel)
            case .vmmUsers: read(node, at: keyPath, as: .strings("an array of user name or ID strings"),
                                 into: &daemon.vmmUsers)
            case .maxRegions: read(node, at: keyPath, as: .integer, into: &daemon.maxRegions)
            case .maxRegionsPerUser: read(node, at: keyPath, as: .integer, into: &daemon.maxRegionsPerUser)
            case .goneRegionGrace: read(node, at: keyPath, as: .duration, into: &daemon.goneRegionGrace)
            case nil: fail(keyPath, ConfigSection.daemon.unknownKeyProblem(key))
            }
        }
        return daemon
    }

    /// Decodes `[policy]` or `[region.policy]` over `base`, and returns the result and the keys it sets (also
    /// those whose values could not be read).
    mutating func decodePolicy(_ table: Table, at path: ConfigKeyPath,
                               base: PolicySettings) -> (PolicySettings, Set<PolicySettings.Key>) {
        var policy = base
        var keys: Set<PolicySettings.Key> = []
        let section: ConfigSection = path.components.count > 1 ? .regionPolicy : .policy
        for (key, node) in table {
            let keyPath = path.appending(key)
            guard let known = PolicySettings.Key(rawValue: key) else {
                fail(keyPath, section.unknownKeyProblem(key))
                continue
            }
            keys.insert(known)
            switch known {
            case .coldAge: read(node, at: keyPath, as: .duration, into: &policy.coldAge)
            case .minBackoff: read(node, at: keyPath, as: .duration, into: &policy.minBackoff)
            case .maxBackoff: read(node, at: keyPath, as: .duration, into: &policy.maxBackoff)
            case .maxPageoutRate: read(node, at: keyPath, as: .rate, into: &policy.maxPageoutRate)
            case .minFreeSwap: read(node, at: keyPath, as: .swapAmount, into: &policy.minFreeSwap)
            case .psiSomeAvg10Max: read(node, at: keyPath, as: .number, into: &policy.psiSomeAvg10Max)
            case .maxSwappedPercent: read(node, at: keyPath, as: .percent, into: &policy.maxSwappedPercent)
            case .probeBudget: read(node, at: keyPath, as: .size, into: &policy.probeBudget)
            case .probePerColdAge: read(node, at: keyPath, as: .percent, into: &policy.probePerColdAge)
            case .maxProbeRate: read(node, at: keyPath, as: .rate, into: &policy.maxProbeRate)
            case .refaultTarget: read(node, at: keyPath, as: .percent, into: &policy.refaultTarget)
            case .autoRepair: read(node, at: keyPath, as: .boolean, into: &policy.autoRepair)
            case .prefetch: read(node, at: keyPath, as: .boolean, into: &policy.prefetch)
            case .autoWindows: read(node, at: keyPath, as: .boolean, into: &policy.autoWindows)
            case .dryRun: read(node, at: keyPath, as: .boolean, into: &policy.dryRun)
            }
        }
        return (policy, keys)
    }

    /// Decodes one `[[region]]`. Missing or unreadable parts get placeholders, and their keys count as failed.
    mutating func decodeRegion(_ table: Table, at path: ConfigKeyPath, global: PolicySettings) -> RegionConfig {
        typealias Key = RegionConfig.Key
        var region = RegionConfig(name: "", process: .pid(0), memory: .memfd(""), policy: global)
        var present: Set<Key> = []
        for (key, node) in table {
            let keyPath = path.appending(key)
            guard let known = Key(rawValue: key) else {
                fail(keyPath, ConfigSection.region.unknownKeyProblem(key))
                continue
            }
            present.insert(known)
            switch known {
            case .name:
                read(node, at: keyPath, as: .string("a name string"), into: &region.name)
            case .pid:
                if let pid = value(node, at: keyPath, as: .pid), !present.contains(.pidfile) {
                    region.process = .pid(pid)
                }
            case .pidfile:
                if let file = value(node, at: keyPath, as: .string("a path string")), !present.contains(.pid) {
                    region.process = .pidfile(file)
                }
            case .memfd:
                if let name = value(node, at: keyPath, as: .string("a memfd name string")), !present.contains(.path) {
                    region.memory = .memfd(name)
                }
            case .path:
                if let file = value(node, at: keyPath, as: .string("a path string")), !present.contains(.memfd) {
                    region.memory = .shmFile(file)
                }
            case .policy:
                if let overrides = self.table(node, at: keyPath, expected: "a table ([region.policy])") {
                    (region.policy, region.overriddenKeys) = decodePolicy(overrides, at: keyPath, base: global)
                }
            }
        }
        if !present.contains(.name) {
            fail(path.appending(Key.name.rawValue), "missing (every region needs a unique name)")
        }
        requireOne(of: .pid, .pidfile, present: present, at: path, what: "to find the VMM process")
        requireOne(of: .memfd, .path, present: present, at: path, what: "to find the guest RAM")
        return region
    }

    /// Reports a region with neither or both of two alternative keys.
    private mutating func requireOne(of first: RegionConfig.Key, _ second: RegionConfig.Key,
                                     present: Set<RegionConfig.Key>, at path: ConfigKeyPath, what: String) {
        switch (present.contains(first), present.contains(second)) {
        case (false, false):
            failedKeys.insert(path.appending(first.rawValue))
            fail(path, "neither \(first.rawValue) nor \(second.rawValue) is set (set one \(what))")
        case (true, true):
            fail(path.appending(second.rawValue),
                 "\(first.rawValue) and \(second.rawValue) are both set (set only one)")
        default:
            break
        }
    }

    /// The table in `node`, or nil after reporting that it is something else.
    private mutating func table(_ node: TOMLNode, at path: ConfigKeyPath, expected: String) -> Table? {
        guard case .table(let entries) = node else {
            fail(path, "expected \(expected), found \(node.found)")
            return nil
        }
        return entries
    }

    /// The value of `node` as `kind`, or nil after reporting why not.
    private mutating func value<Value>(_ node: TOMLNode, at path: ConfigKeyPath, as kind: ValueKind<Value>) -> Value? {
        do throws(ConfigValueError) {
            if let value = try kind.decode(node) { return value }
            fail(path, "expected \(kind.expected), found \(node.found)")
        } catch {
            fail(path, error.message)
        }
        return nil
    }

    /// Stores the value of `node` as `kind` in `target`, or reports why not and leaves `target` alone.
    private mutating func read<Value>(_ node: TOMLNode, at path: ConfigKeyPath, as kind: ValueKind<Value>,
                                      into target: inout Value) {
        if let value = value(node, at: path, as: kind) { target = value }
    }

    private mutating func fail(_ path: ConfigKeyPath, _ problem: String) {
        failedKeys.insert(path)
        issues.append(ConfigIssue(key: path, problem: problem))
    }
}

extension ValueKind where Value == FileMode {
    /// An octal file mode string: `"0660"`.
    static var fileMode: Self { .text("an octal file mode string such as \"0660\"", FileMode.init(configText:)) }
}

extension ValueKind where Value == Int {
    /// An integer; its range is checked by validation.
    static var integer: Self {
        ValueKind(expected: "an integer") { node in
            guard case .integer(let number) = node else { return nil }
            return number
        }
    }
}

extension ValueKind where Value == [String] {
    /// An array of strings (`["libvirt-qemu", "1001"]`); what each must look like is checked by validation.
    static func strings(_ expected: String) -> Self {
        ValueKind(expected: expected) { node in
            guard case .array(let elements) = node else { return nil }
            let strings = elements.compactMap { element -> String? in
                guard case .string(let text) = element else { return nil }
                return text
            }
            return strings.count == elements.count ? strings : nil
        }
    }
}
