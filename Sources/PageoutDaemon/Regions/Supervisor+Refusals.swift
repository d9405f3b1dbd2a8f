import Logging
import PageoutCore
import PageoutLinux

/// Regions the kernel will not page out at all (mlocked, hugetlbfs, device memory): refused once and said once,
/// never scanned or resolved again every scan, and looked at afresh when the VMM's locked memory or mappings
/// change (it may munlock, or remap its RAM).
extension Supervisor {
    /// True while `entry` stays refused: its VMM runs, its pid file still names it, and its locked and mapped
    /// memory (/proc/PID/status `VmLck:`, `VmSize:`) are what they were when it was refused. That one cheap read
    /// is all a refused region costs a scan. When anything changed, the refusal is dropped and the caller
    /// resolves the region again, which checks it afresh.
    func staysRefused(_ entry: RegionEntry) -> Bool {
        guard let refused = entry.refused else { return false }
        let process = refused.process
        var unchanged = false
        do {
            let memory = try procfs.memoryStatus(pid: process.pid)
            try process.checkAlive(during: "reading /proc/\(process.pid)/status")
            unchanged = try memory == refused.memory && resolver.pid(of: entry.config.process) == process.pid
        } catch {
            unchanged = false  // exited, or the pid file is gone: resolving the region tells what happened
        }
        if unchanged { return true }
        entry.refused = nil
        logger.info("refused region changed, checking it again",
                    metadata: ["region": "\(entry.name)", "vmm_pid": "\(process.pid)"])
        return false
    }

    /// Refuses `entry` when `error` shows the kernel will not page out its memory: a `RefusedMapping` found
    /// before acting, a mapping that is not shmem (hugetlbfs), or EINVAL from process_madvise(MADV_PAGEOUT),
    /// whose cause the region's smaps flags tell once. Returns true if it refused the region.
    func refuse(_ entry: RegionEntry, after error: any Error) -> Bool {
        let refused: RefusedMapping?
        switch error {
        case let error as RefusedMapping:
            refused = error
        case let error as NotShmem:
            refused = resolver.refusal(error, source: entry.config.memory.regionSource)
        case let error as SystemCallError where error.errno == .invalidArgument
            && error.call == "process_madvise MADV_PAGEOUT":
            refused = try? entry.region?.diagnoseRefusal()
        default:
            refused = nil
        }
        guard let refused else { return false }
        entry.close()
        entry.refused = refused
        entry.status.showRefused(refused)
        if entry.lastProblem != refused.reason {
            entry.lastProblem = refused.reason
            logger.warning("region refused: the kernel will not page out its memory, not scanning it", metadata: [
                "region": "\(entry.name)", "vmm_pid": "\(refused.process.pid)", "reason": "\(refused.reason)"])
        }
        return true
    }
}

extension RegionStatus {
    /// The status of a refused region: its size and what is mapped and swapped as smaps said when it was
    /// refused; no page is classified hot, warm or cold (none can be paged out). Totals since registration stay.
    mutating func showRefused(_ refused: RefusedMapping) {
        pid = refused.process.pid
        phase = .refused
        reason = refused.reason
        sizeBytes = refused.byteCount
        mappedBytes = refused.residentBytes
        swappedBytes = refused.swapBytes
        (holeBytes, skewedBytes, hotBytes, warmBytes, coldBytes, workingSetBytes) = (0, 0, 0, 0, 0, 0)
        (refaultTargetPerMinute, refaultRatePerMinute, holdMinSeconds, holdMaxSeconds) = (0, 0, 0, 0)
    }
}
