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
    ///
    /// Checked before every pageout, so its cost is mostly parsing: a text identical to the last one found current
    /// (the same digest, SipHash with this process's random seed) is current without being parsed again.
    public func isCurrent(_ region: ShmemRegion, source: RegionSource) throws -> Bool {
        let pid = region.process.pid
        let text = try procfs.mapsText(pid: pid)
        try region.process.checkAlive(during: "reading /proc/\(pid)/maps")
        let digest = text.hashValue
        if region.currentMapsDigest.withLock({ $0 == digest }) { return true }
        let mappings = try procfs.mappings(pid: pid, text: text)
        guard let now = try? source.mappings(in: mappings, pid: pid), now == region.mappings else { return false }
        region.currentMapsDigest.withLock { $0 = digest }
        return true
    }
}
