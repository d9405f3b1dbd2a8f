import PageoutCore

/// Register's parameters, checked: a name, exactly one of pid and pidfile, and exactly one of memfd and path.
public struct RegisterParameters: Sendable, Hashable {
    /// The region's name.
    public var name: String
    /// How the VMM is found.
    public var process: RegionConfig.ProcessSource
    /// Which of its mappings are the guest RAM.
    public var memory: RegionConfig.MemorySource

    /// The names Register takes.
    public static let names: Set<String> = ["name", "pid", "pidfile", "memfd", "path"]

    /// The parameters of a Register call, already checked.
    public init(name: String, process: RegionConfig.ProcessSource, memory: RegionConfig.MemorySource) {
        self.name = name
        self.process = process
        self.memory = memory
    }

    /// Reads Register's parameters from `parameters`.
    ///
    /// - Throws: `io.pageoutd.InvalidParameter` naming the parameter that is missing, of the wrong type, out of
    ///   range, or given together with the one it excludes.
    public init(_ parameters: ControlParameters) throws(ControlError) {
        name = try parameters.string("name")
        let pid = try parameters.optionalInteger("pid", in: 1...Int64(Int32.max))
        let pidfile = try parameters.optionalString("pidfile")
        let memfd = try parameters.optionalString("memfd")
        let path = try parameters.optionalString("path")
        switch (pid, pidfile) {
        case (let pid?, nil): process = .pid(Int32(pid))
        case (nil, let pidfile?): process = .pidfile(pidfile)
        case (nil, nil): throw .invalidParameter("pid", "one of pid and pidfile is required")
        case (_?, _?): throw .invalidParameter("pidfile", "give pid or pidfile, not both")
        }
        switch (memfd, path) {
        case (let memfd?, nil): memory = .memfd(memfd)
        case (nil, let path?): memory = .shmFile(path)
        case (nil, nil): throw .invalidParameter("memfd", "one of memfd and path is required")
        case (_?, _?): throw .invalidParameter("path", "give memfd or path, not both")
        }
    }
}
