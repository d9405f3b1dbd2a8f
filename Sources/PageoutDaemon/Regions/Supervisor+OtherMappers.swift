import Glibc
import Logging
import PageoutCore
import PageoutLinux

/// Pages another process maps too: found from their mapcounts, and the processes named.
///
/// MADV_PAGEOUT skips a page mapped by more than one process (mm/madvise.c), so a vhost-user backend's buffers
/// stay resident whatever the daemon does, and stay mapped in the VMM after a pageout that covered them. Read
/// as refaults they would make every probed block look hot; the policy holds them instead, and status says who
/// maps them.
extension Supervisor {
    /// The mapcounts of the mapped pages whose meaning depends on them (`PolicyEngine.sharingCandidates`):
    /// nil when there are none, or before the region's first evaluation.
    func sharing(of entry: RegionEntry, scanner: SnapshotScanner, snapshot: PageSnapshot) throws -> PageSharing? {
        guard let policy = entry.policy else { return nil }
        let candidates = PolicyEngine.sharingCandidates(policy, snapshot: snapshot)
        guard !candidates.isEmpty else { return nil }
        return PageSharing(looked: candidates, shared: try scanner.look(at: candidates).shared)
    }

    /// Keeps the region's list of other mappers current before an evaluation: looked up when pages held by other
    /// mappers appear or grow, when a known mapper exits or unmaps the region, and at a long interval; each lookup
    /// also lets the held pages the VMM does not map be tried again (all of them when no other mapper is left).
    func followOtherMappers(_ entry: RegionEntry, region: ShmemRegion, snapshot: PageSnapshot) {
        guard var policy = entry.policy else { return }
        let watch = entry.otherMappers
        let files = Set(region.mappings.map(MappedFileIdentity.init))
        let anyGone = watch.mappers.contains { !procfs.stillMaps($0, anyOf: files) }
        guard watch.isLookupDue(at: now, held: policy.mappedByOthers.setCount, anyGone: anyGone) else { return }
        lookUpOtherMappers(entry, region: region)
        policy.releaseMappedByOthers(mapped: snapshot.mapped)
        entry.otherMappers.heldAtLookup = policy.mappedByOthers.setCount
        entry.policy = policy
    }

    /// Pages a repair (or a finished pageout) through the daemon's view left resident: if another process maps
    /// the region's memory, they are its pages, held from now on; otherwise reclaim failed and the next scan
    /// tries again.
    func noteKeptPages(_ kept: PageBitmap, of entry: RegionEntry, region: ShmemRegion) {
        guard !kept.isEmpty, var policy = entry.policy else { return }
        let lookedUpAt = entry.otherMappers.lookedUpAt
        if entry.otherMappers.mappers.isEmpty,
           lookedUpAt.map({ now - $0 >= OtherMapperWatch.promptedLookupSpacing }) ?? true {
            lookUpOtherMappers(entry, region: region)
        }
        guard !entry.otherMappers.mappers.isEmpty else { return }
        policy.noteMappedByOthers(kept)
        entry.policy = policy
    }

    /// Reads every process's maps for the region's files, keeps what it found, and logs a change.
    private func lookUpOtherMappers(_ entry: RegionEntry, region: ShmemRegion) {
        let files = Set(region.mappings.map(MappedFileIdentity.init))
        let found = procfs.processesMapping(files, excluding: [region.process.pid, getpid()])
        let before = Set(entry.otherMappers.mappers.map(\.pid))
        entry.otherMappers.mappers = found
        entry.otherMappers.lookedUpAt = now
        entry.status.otherMappers = found
        guard Set(found.map(\.pid)) != before else { return }
        if found.isEmpty {
            logger.notice("no other process maps the region's memory now", metadata: ["region": "\(entry.name)"])
        } else {
            logger.notice("other processes map the region's memory: the kernel will not page out the pages they map",
                          metadata: ["region": "\(entry.name)", "vmm_pid": "\(region.process.pid)",
                                     "mappers": "\(found.map(\.description).joined(separator: ", "))"])
        }
    }
}
