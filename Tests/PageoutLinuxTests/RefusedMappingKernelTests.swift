import Foundation
import PageoutCore
import PageoutLinux
import PageoutTestSupport
import Testing

/// What the kernel does with a VMM's locked guest RAM, and how `RefusedMapping` reads it: VmLck of status,
/// then smaps `lo`; process_madvise(MADV_PAGEOUT) fails with EINVAL until the VMM unlocks.
@Suite struct RefusedMappingKernelTests {
    @Test func lockedGuestRAMIsRefusedBeforeActingAndAcceptedOnceUnlocked() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let vmm = try LockingVMM(.mlock, mebibytes: 8)
        defer { vmm.stop() }
        let procfs = ProcFS()
        #expect(try procfs.memoryStatus(pid: vmm.pid).lockedBytes >= 8 << 20)
        let region = try ShmemRegion(process: ProcessHandle(pid: vmm.pid), source: .memfd(LockingVMM.memfdName))
        do {
            try region.checkNotRefused()
            Issue.record("a locked region was not refused")
        } catch let refused as RefusedMapping {
            #expect(refused.reason.contains("the VMM locks guest RAM in memory (mlock)"), "\(refused)")
            #expect(refused.residentBytes == 8 << 20 && refused.swapBytes == 0 && refused.byteCount == 8 << 20)
        }
        // The kernel's answer, and the diagnosis made of it.
        do {
            try region.pageOutMapped([0..<vmm.pages])
            Issue.record("process_madvise(MADV_PAGEOUT) of locked memory succeeded")
        } catch let error as SystemCallError {
            #expect(error.errno == .invalidArgument && error.call == "process_madvise MADV_PAGEOUT", "\(error)")
        }
        #expect(try region.diagnoseRefusal().reason.contains("(mlock)"))

        try vmm.unlock()
        #expect(try procfs.memoryStatus(pid: vmm.pid).lockedBytes == 0)
        try region.checkNotRefused()
        #expect(try region.pageOutMapped([0..<vmm.pages]) == UInt64(8 << 20))
        let probe = try MemfdProbe(path: vmm.mapFilesPath)
        defer { probe.close() }
        try Eventually.wait(for: "the unlocked pages in swap") {
            Double(try probe.cacheStat(pages: 0..<vmm.pages).evicted) >= 0.99 * Double(vmm.pages)
        }
    }
}
