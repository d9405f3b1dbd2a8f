import CPageoutSys
import Glibc
import PageoutCore
import SystemPackage

/// Which of the kernel interfaces pageoutd uses this kernel has, probed harmlessly at start.
public struct KernelFeatures: Sendable, Hashable {
    /// process_madvise(2), Linux 5.10: without it nothing can be paged out.
    public var processMadvise: Bool
    /// The PAGEMAP_SCAN ioctl, Linux 6.7: without it pagemap is read with pread (slower, same result).
    public var pagemapScan: Bool
    /// cachestat(2), Linux 6.5: used for cross-checks only.
    public var cachestat: Bool

    /// Probes this kernel: each call is made on an invalid descriptor or an empty range, so it does nothing, and
    /// the error tells whether the kernel knows the call (EBADF) or not (ENOSYS, ENOTTY).
    public static func probe(procfs: ProcFS = ProcFS()) -> KernelFeatures {
        let madvise = pageout_process_madvise(-1, nil, 0, MADV_PAGEOUT, 0) < 0 && pageout_errno() != ENOSYS
        var range = pageout_cachestat_range(off: 0, len: 0)
        var stat = pageout_cachestat()
        let cachestat = pageout_cachestat(-1, &range, &stat, 0) < 0 && pageout_errno() != ENOSYS
        var scan = false
        if let file = try? FileDescriptor.open(procfs.root.appending("self/pagemap"), .readOnly, options: [.closeOnExec]) {
            var argument = pageout_pm_scan_arg()
            argument.size = UInt64(MemoryLayout<pageout_pm_scan_arg>.size)
            argument.return_mask = UInt64(PAGEOUT_PAGE_IS_PRESENT)
            argument.category_mask = UInt64(PAGEOUT_PAGE_IS_PRESENT)
            scan = pageout_pagemap_scan(file.rawValue, &argument) >= 0
            try? file.close()
        }
        return KernelFeatures(processMadvise: madvise, pagemapScan: scan, cachestat: cachestat)
    }
}

/// The capabilities this process has in effect, from /proc/self/status.
extension ProcFS {
    /// The effective capability mask of this process.
    public func ownEffectiveCapabilities() throws -> UInt64 {
        let path = root.appending("self/status")
        let text = try ProcFile.read(path)
        guard let mask = Capability.effectiveMask(inStatus: text) else {
            throw ProcFileParseError(path: path, underlying: ProcTextParseError(line: 0, problem: "no CapEff: line"))
        }
        return mask
    }
}
