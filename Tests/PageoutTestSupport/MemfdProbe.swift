import CPageoutSys
import Foundation
import Glibc
import PageoutMeasure

/// Independent reads of a guest's memfd (opened through map_files): cachestat counts, straight from the kernel.
public final class MemfdProbe {
    private let fd: Int32

    /// Opens the file at `path` read-only.
    public init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TestFailure("open \(path): errno \(errno)") }
    }

    /// Closes the file.
    public func close() {
        Glibc.close(fd)
    }

    /// cachestat(2) of `pages`: (cached, evicted) page counts.
    public func cacheStat(pages: Range<Int>) throws -> (cached: Int, evicted: Int) {
        var range = pageout_cachestat_range(off: UInt64(pages.lowerBound * RawKernel.pageSize),
                                            len: UInt64(pages.count * RawKernel.pageSize))
        var stat = pageout_cachestat()
        guard pageout_cachestat(fd, &range, &stat, 0) == 0 else { throw TestFailure("cachestat: errno \(errno)") }
        return (Int(stat.nr_cache), Int(stat.nr_evicted))
    }
}

/// CPU time and RSS of a running process, from /proc/PID/stat and /proc/PID/status.
public struct ProcessUsage {
    /// User + system CPU seconds so far.
    public let cpuSeconds: Double
    /// VmRSS in KiB.
    public let residentKiB: Int

    /// Reads the figures of `pid` now.
    public init(pid: Int32) throws {
        cpuSeconds = try ProcessCPU.seconds(pid: pid)
        residentKiB = try RawKernel.residentKiB(pid: pid)
    }

    /// The resident KiB of the mappings of file `path` in process `pid` (from /proc/PID/smaps).
    public static func residentKiB(ofMappingsOf path: String, pid: Int32) throws -> Int {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let mappings = try ProcText.smaps(pid: pid)
        return mappings.filter { $0.header.hasSuffix(resolved) }.reduce(0) { $0 + ($1.fields["Rss"] ?? 0) }
    }
}
