/// One `[[region]]` of the config file: a VMM's guest RAM that pageoutd watches, and the policy for it.
public struct RegionConfig: Sendable, Hashable {
    /// The keys of a `[[region]]`, as the config file spells them.
    public enum Key: String, Sendable, Hashable, CaseIterable {
        /// `name`: the region's unique name.
        case name
        /// `pid`: the VMM's process ID (one of `pid` and `pidfile`).
        case pid
        /// `pidfile`: a file holding the VMM's process ID (one of `pid` and `pidfile`).
        case pidfile
        /// `memfd`: the `memfd_create` name of the guest RAM (one of `memfd` and `path`).
        case memfd
        /// `path`: the shm file of the guest RAM (one of `memfd` and `path`).
        case path
        /// `policy`: the `[region.policy]` table of overrides.
        case policy
    }

    /// How the daemon finds the VMM process.
    public enum ProcessSource: Sendable, Hashable, CustomStringConvertible {
        /// This process ID.
        case pid(Int32)
        /// The process ID in this file, read whenever the region is (re)resolved.
        case pidfile(String)

        /// `pid 4242` or `pidfile /run/...`.
        public var description: String {
            switch self {
            case .pid(let pid): "pid \(pid)"
            case .pidfile(let path): "pidfile \(path)"
            }
        }
    }

    /// Which shared mappings of the VMM are the guest RAM.
    public enum MemorySource: Sendable, Hashable, CustomStringConvertible {
        /// Every shared mapping of the memfd with this name (`memory-backend-memfd` for QEMU).
        case memfd(String)
        /// Every shared mapping of this file (a `/dev/shm` file, or any shmem file).
        case shmFile(String)

        /// The same source as the kernel layer looks it up.
        public var regionSource: RegionSource {
            switch self {
            case .memfd(let name): .memfd(name)
            case .shmFile(let path): .shmPath(path)
            }
        }

        /// `memfd "name"` or `shm file /dev/shm/...`.
        public var description: String { regionSource.description }
    }

    /// The unique name: 1 to 64 of `A-Z a-z 0-9 . _ -`.
    public var name: String
    /// How the VMM process is found.
    public var process: ProcessSource
    /// Which of its mappings are the guest RAM.
    public var memory: MemorySource
    /// The effective policy: the global `[policy]` with this region's `[region.policy]` keys applied.
    public var policy: PolicySettings
    /// The keys that `[region.policy]` set; every other value of `policy` is the global one.
    public var overriddenKeys: Set<PolicySettings.Key>

    /// A region whose `policy` is already the effective one; `overriddenKeys` are the keys the region itself set.
    public init(name: String, process: ProcessSource, memory: MemorySource, policy: PolicySettings = .default,
                overriddenKeys: Set<PolicySettings.Key> = []) {
        self.name = name
        self.process = process
        self.memory = memory
        self.policy = policy
        self.overriddenKeys = overriddenKeys
    }

    /// The longest name a region may have.
    public static let maxNameLength = 64
    /// The longest memfd name the kernel keeps (`MFD_NAME_MAX_LEN`: 249 bytes).
    public static let maxMemfdNameLength = 249

    /// What is wrong with `name` as a region name, or nil when it is fine.
    public static func nameProblem(_ name: String) -> String? {
        let valid = (1...maxNameLength).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
        return valid ? nil : "\(name.configQuoted) is not a region name (1 to 64 of A-Z a-z 0-9 . _ -)"
    }

    /// What is wrong with `pid` as a VMM's process ID, or nil when it is fine.
    public static func pidProblem(_ pid: Int) -> String? {
        (1...Int(Int32.max)).contains(pid) ? nil : "\(pid) is not a process ID (1 to \(Int32.max))"
    }

    /// What is wrong with this region on its own (not with its name being unique).
    ///
    /// - Parameters:
    ///   - path: the region's key (`region[1]`).
    ///   - globalPolicyPath: the key of the global policy (`policy`), named for values the region inherits.
    public func validationIssues(at path: ConfigKeyPath,
                                 globalPolicyPath: ConfigKeyPath = ConfigKeyPath("policy")) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        if let problem = Self.nameProblem(name) {
            issues.append(ConfigIssue(key: path.appending(Key.name.rawValue), problem: problem))
        }
        switch process {
        case .pid(let pid):
            if let problem = Self.pidProblem(Int(pid)) {
                issues.append(ConfigIssue(key: path.appending(Key.pid.rawValue), problem: problem))
            }
        case .pidfile(let file):
            if let problem = absolutePathProblem(file) {
                issues.append(ConfigIssue(key: path.appending(Key.pidfile.rawValue), problem: problem))
            }
        }
        switch memory {
        case .memfd(let memfdName):
            let problem: String? = switch memfdName.utf8.count {
            case 0: "must not be empty"
            case (Self.maxMemfdNameLength + 1)...: "is longer than the kernel's \(Self.maxMemfdNameLength) bytes"
            default: memfdName.contains("\0") ? "\(memfdName.configQuoted) contains a NUL character" : nil
            }
            if let problem {
                issues.append(ConfigIssue(key: path.appending(Key.memfd.rawValue), problem: problem))
            }
        case .shmFile(let file):
            if let problem = absolutePathProblem(file) {
                issues.append(ConfigIssue(key: path.appending(Key.path.rawValue), problem: problem))
            }
        }
        let policyPath = path.appending(Key.policy.rawValue)
        issues += policy.validationIssues(of: overriddenKeys) { key in
            (overriddenKeys.contains(key) ? policyPath : globalPolicyPath).appending(key.rawValue)
        }
        return issues
    }
}
