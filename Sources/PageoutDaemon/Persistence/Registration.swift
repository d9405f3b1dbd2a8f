import PageoutCore

/// A region registered over the control socket, as it is persisted: what the client asked for and which process
/// it meant, so a restart can tell that process from a new one with a recycled pid.
public struct Registration: Codable, Sendable, Hashable {
    /// A process as the kernel identifies it over time: its pid and when it started.
    public struct ProcessIdentity: Codable, Sendable, Hashable {
        /// The process ID.
        public var pid: Int32
        /// Field 22 of /proc/PID/stat: clock ticks after boot. A recycled pid has a later one.
        public var startTime: UInt64

        /// The identity of the process `pid` that started `startTime` ticks after boot.
        public init(pid: Int32, startTime: UInt64) {
            self.pid = pid
            self.startTime = startTime
        }

        enum CodingKeys: String, CodingKey {
            case pid
            case startTime = "start_time"
        }
    }

    /// The name the client chose: unique among all regions (the configuration file's win), and the name status,
    /// metrics and logs use.
    public var name: String
    /// How the VMM is found.
    public var process: RegionConfig.ProcessSource
    /// Which of its mappings are the guest RAM.
    public var memory: RegionConfig.MemorySource
    /// The VMM process when the region was registered (for a pid file: the one it named then).
    public var identity: ProcessIdentity?
    /// The uid of the caller who registered it: root and this user may act on the region. Nil in a file written
    /// before it was recorded: root only.
    public var registrant: UInt32?

    /// A registration as Register asks for it; `identity` is filled in once the VMM has been checked.
    public init(name: String, process: RegionConfig.ProcessSource, memory: RegionConfig.MemorySource,
                identity: ProcessIdentity? = nil, registrant: UInt32? = nil) {
        self.name = name
        self.process = process
        self.memory = memory
        self.identity = identity
        self.registrant = registrant
    }

    /// The region's configuration under `policy` (the global policy in force: registered regions have no
    /// overrides of their own).
    public func regionConfig(policy: PolicySettings) -> RegionConfig {
        RegionConfig(name: name, process: process, memory: memory, policy: policy)
    }

    enum CodingKeys: String, CodingKey {
        case name, pid, pidfile, memfd, path, identity
        case registrant = "registrant_uid"
    }

    /// Reads the flat form of `registrations.json`: `pid` or `pidfile`, `memfd` or `path` (the names of Register's
    /// parameters), and `identity` when saved.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        if let pid = try container.decodeIfPresent(Int32.self, forKey: .pid) {
            process = .pid(pid)
        } else {
            process = .pidfile(try container.decode(String.self, forKey: .pidfile))
        }
        if let memfd = try container.decodeIfPresent(String.self, forKey: .memfd) {
            memory = .memfd(memfd)
        } else {
            memory = .shmFile(try container.decode(String.self, forKey: .path))
        }
        identity = try container.decodeIfPresent(ProcessIdentity.self, forKey: .identity)
        registrant = try container.decodeIfPresent(UInt32.self, forKey: .registrant)
    }

    /// Writes the flat form `init(from:)` reads.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        switch process {
        case .pid(let pid): try container.encode(pid, forKey: .pid)
        case .pidfile(let path): try container.encode(path, forKey: .pidfile)
        }
        switch memory {
        case .memfd(let memfd): try container.encode(memfd, forKey: .memfd)
        case .shmFile(let path): try container.encode(path, forKey: .path)
        }
        try container.encodeIfPresent(identity, forKey: .identity)
        try container.encodeIfPresent(registrant, forKey: .registrant)
    }
}

/// The file format of `registrations.json`.
struct RegistrationFile: Codable, Sendable {
    /// The format's version; a newer one is refused rather than misread.
    var version = 1
    /// Every registration, in the order they were made.
    var registrations: [Registration]
}
