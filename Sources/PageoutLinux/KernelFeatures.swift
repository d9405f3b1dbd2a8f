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
        let invalid = FileDescriptor(rawValue: -1)
        let madvise = knows { () throws(SystemCallError) in
            _ = try Syscalls.adviseProcess(invalid, UnsafeBufferPointer(start: nil, count: 0), advice: MADV_PAGEOUT,
                                           adviceName: "MADV_PAGEOUT", target: "probe")
        }
        let cachestat = knows { () throws(SystemCallError) in
            _ = try Syscalls.cacheStatus(invalid, offset: 0, length: 0, target: "probe")
        }
        var scan = false
        let path = procfs.root.appending("self/pagemap").string
        if let file = try? Syscalls.open(path, O_RDONLY | O_CLOEXEC) {
            var argument = pageout_pm_scan_arg()
            argument.size = UInt64(MemoryLayout<pageout_pm_scan_arg>.size)
            argument.return_mask = UInt64(PAGEOUT_PAGE_IS_PRESENT)
            argument.category_mask = UInt64(PAGEOUT_PAGE_IS_PRESENT)
            scan = (try? Syscalls.scanPagemap(file, &argument, target: path)) != nil
            Syscalls.close(file)
        }
        return KernelFeatures(processMadvise: madvise, pagemapScan: scan, cachestat: cachestat)
    }

    /// Whether the kernel knows the call `probe` makes: it succeeds, or fails with anything but ENOSYS.
    private static func knows(_ probe: () throws(SystemCallError) -> Void) -> Bool {
        do {
            try probe()
            return true
        } catch {
            return error.errno != .noFunction
        }
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
