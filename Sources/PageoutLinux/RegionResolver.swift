import PageoutCore
import SystemPackage

/// A region's VMM could not be identified from its pid file.
public struct PidFileUnreadable: Error, Sendable, CustomStringConvertible {
    /// The pid file, as configured.
    public var path: String
    /// What went wrong, completing "pid file PATH ...", e.g. `"is empty"`.
    public var problem: String
    public var description: String { "pid file \(path) \(problem)" }
}

/// Finds the VMM and the memory of a configured region and opens it.
public struct RegionResolver: Sendable {
    /// The /proc to read.
    public let procfs: ProcFS

    /// A resolver over `procfs`.
    public init(procfs: ProcFS = ProcFS()) {
        self.procfs = procfs
    }

    /// The VMM's pid: the configured one, or the one its pid file names now.
    public func pid(of source: RegionConfig.ProcessSource) throws -> Int32 {
        switch source {
        case .pid(let pid):
            return pid
        case .pidfile(let path):
            let text: String
            do {
                text = try ProcFile.read(FilePath(path))
            } catch {
                throw PidFileUnreadable(path: path,
                                        problem: "cannot be read: \(error.errno.symbolicName) (\(error.errno))")
            }
            switch PidFile.parse(text) {
            case .success(let pid): return pid
            case .failure(let error): throw PidFileUnreadable(path: path, problem: error.problem)
            }
        }
    }

    /// Opens the region `config` describes: its VMM through a pidfd and every mapping its memory source selects.
    public func open(_ config: RegionConfig) throws -> ShmemRegion {
        let process = try ProcessHandle(pid: try pid(of: config.process), procfs: procfs)
        return try ShmemRegion(process: process, source: config.memory.regionSource)
    }

    /// True if the mappings `region` was opened with are still the ones its source selects in /proc/PID/maps.
    ///
    /// Memory hot-unplug or a remap changes them; a region must then be opened again before it is acted on.
    public func isCurrent(_ region: ShmemRegion, source: RegionSource) throws -> Bool {
        let mappings = try procfs.mappings(pid: region.process.pid)
        try region.process.checkAlive(during: "reading /proc/\(region.process.pid)/maps")
        guard let now = try? source.mappings(in: mappings, pid: region.process.pid) else { return false }
        return now == region.mappings
    }
}
