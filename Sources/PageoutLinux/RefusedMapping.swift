import PageoutCore

/// A region whose memory the kernel will not page out at all: mlocked, hugetlbfs, device memory, or anything
/// else process_madvise(MADV_PAGEOUT) answers with EINVAL. Nothing the daemon does can change that; its VMM can
/// (munlock, a remap), and `memory` is what to watch for it.
public struct RefusedMapping: Error, Sendable, CustomStringConvertible {
    /// The VMM, through its pidfd: watched for exit while the region is refused, never acted on.
    public var process: ProcessHandle
    /// The region's mappings, as /proc/PID/maps described them.
    public var mappings: [MemoryMapping]
    /// Why nothing can be paged out, as a sentence for an operator.
    public var reason: String
    /// The VMM's locked and mapped memory when the region was refused: a change is the cue to look again.
    public var memory: ProcessMemoryStatus
    /// Bytes of the region mapped in the VMM (normal and huge TLB pages), from smaps.
    public var residentBytes: UInt64
    /// Bytes of the region in swap, from smaps.
    public var swapBytes: UInt64

    /// The refusal of `mappings` of `process` for `reason`, with the figures of `smaps` (nil when not read).
    init(process: ProcessHandle, mappings: [MemoryMapping], reason: String, memory: ProcessMemoryStatus,
         smaps: [UInt64: SmapsMapping]?) {
        self.process = process
        self.mappings = mappings
        self.reason = reason
        self.memory = memory
        let figures = mappings.compactMap { smaps?[$0.start] }
        residentBytes = figures.reduce(0) { $0 &+ $1.residentBytes &+ $1.hugetlbBytes }
        swapBytes = figures.reduce(0) { $0 &+ $1.swapBytes }
    }

    /// The size of the region: all its mappings together.
    public var byteCount: UInt64 { mappings.reduce(0) { $0 &+ $1.byteCount } }

    public var description: String { reason }

    /// Reads the smaps of `process` for `mappings` and words the refusal that `refusal` finds in the first
    /// mapping it finds one in; nil when it finds none.
    static func diagnose(process: ProcessHandle, mappings: [MemoryMapping], memory: ProcessMemoryStatus,
                         refusal: (SmapsMapping) -> PageoutRefusal?) throws -> RefusedMapping? {
        let smaps = try process.procfs.smapsMappings(pid: process.pid, startingAt: Set(mappings.map(\.start)))
        try process.checkAlive(during: "reading /proc/\(process.pid)/smaps")
        for mapping in mappings {
            guard let found = refusal(smaps[mapping.start] ?? SmapsMapping()) else { continue }
            let reason = "process \(process.pid): \(found) (mapping \(hexRange(mapping.start, mapping.end)))"
            return RefusedMapping(process: process, mappings: mappings, reason: reason, memory: memory, smaps: smaps)
        }
        return nil
    }
}

extension ShmemRegion {
    /// Throws `RefusedMapping` when the VMM locks any of the region's mappings (mlock, mlockall).
    ///
    /// /proc/PID/status first: a `VmLck:` of zero proves no mapping is locked. Only when it is not zero are the
    /// mappings' smaps `VmFlags` read (`lo`), which walks the VMM's page tables.
    public func checkNotRefused() throws {
        let memory = try process.procfs.memoryStatus(pid: process.pid)
        guard memory.lockedBytes > 0 else { return }
        if let refused = try RefusedMapping.diagnose(process: process, mappings: mappings, memory: memory,
                                                     refusal: \.refusal) {
            throw refused
        }
    }

    /// Why the kernel refused MADV_PAGEOUT with EINVAL on this region, from its mappings' smaps flags (a refusal
    /// that only quotes the flags when none explains it). Read once, after the failure.
    public func diagnoseRefusal() throws -> RefusedMapping {
        let memory = try process.procfs.memoryStatus(pid: process.pid)
        let refused = try RefusedMapping.diagnose(process: process, mappings: mappings, memory: memory) {
            $0.refusal ?? .kernelRefused(flags: $0.flags)
        }
        // The fallback refuses every mapping, and a region has at least one (`RegionSource` selects one or throws).
        guard let refused else { preconditionFailure("a region without mappings") }
        return refused
    }
}

extension RegionResolver {
    /// The refusal of a region whose mapping is not shmem (hugetlbfs, a disk file): its VMM and mappings now,
    /// with `notShmem`'s sentence as the reason; nil when the VMM exited meanwhile or its maps no longer select
    /// the region.
    public func refusal(_ notShmem: NotShmem, source: RegionSource) -> RefusedMapping? {
        guard let process = try? ProcessHandle(pid: notShmem.pid, procfs: procfs),
              let all = try? procfs.mappings(pid: process.pid),
              let mappings = try? source.mappings(in: all, pid: process.pid),
              let memory = try? procfs.memoryStatus(pid: process.pid)
        else { return nil }
        let smaps = try? procfs.smapsMappings(pid: process.pid, startingAt: Set(mappings.map(\.start)))
        return RefusedMapping(process: process, mappings: mappings, reason: "\(notShmem)", memory: memory,
                              smaps: smaps)
    }
}
