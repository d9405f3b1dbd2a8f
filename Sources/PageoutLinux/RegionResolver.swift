import PageoutCore
import SystemPackage

/// Finds the VMM and the memory of a configured region and opens it.
public struct RegionResolver: Sendable {
    /// The /proc to read.
    public let procfs: ProcFS

    /// A resolver over `procfs`.
    public init(procfs: ProcFS = ProcFS()) {
        self.procfs = procfs
    }

    /// The VMM's pid: the configured one, or the one its pid file names now (see `PidFileReader`).
    public func pid(of source: RegionConfig.ProcessSource) throws -> Int32 {
        switch source {
        case .pid(let pid):
            return pid
        case .pidfile(let path):
            return try PidFileReader.pid(at: path, procfs: procfs)
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
