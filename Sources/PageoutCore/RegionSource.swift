/// How a region of a VMM's guest RAM is named: which of its shared mappings make up the region.
///
/// Only shared (`s`) mappings ever match: a private mapping is not shmem guest RAM, even when it maps the same
/// file.
public enum RegionSource: Sendable, Hashable, CustomStringConvertible {
    /// Every shared mapping of the memfd with this `memfd_create` name, in address order.
    ///
    /// QEMU names every memfd backend `memory-backend-memfd`, whatever its `id`: a VM with several backends
    /// (NUMA nodes, hot-plugged DIMMs) has several VMAs of that one name, and the region is all of them.
    case memfd(String)
    /// Every shared mapping of this file (a `/dev/shm` path), whether or not it has been unlinked since.
    case shmPath(String)
    /// Every shared mapping that lies wholly inside `start..<end`.
    case addressRange(start: UInt64, end: UInt64)

    public var description: String {
        switch self {
        case .memfd(let name): "memfd \"\(name)\""
        case .shmPath(let path): "shm file \(path)"
        case .addressRange(let start, let end): "address range 0x\(procHex(start))-0x\(procHex(end))"
        }
    }

    /// The mappings of `mappings` (a process's /proc/PID/maps) that make up the region, in address order.
    ///
    /// - Parameter pid: the process the mappings belong to, for the error message.
    /// - Throws: `RegionSourceError` when nothing matches, or when an address range cuts through a shared mapping.
    public func mappings(in mappings: [MemoryMapping], pid: Int32) throws(RegionSourceError) -> [MemoryMapping] {
        let shared = mappings.filter(\.isShared).sorted { $0.start < $1.start }
        let selected: [MemoryMapping]
        switch self {
        case .memfd(let name):
            selected = shared.filter { $0.memfdName == name }
        case .shmPath(let path):
            selected = shared.filter { $0.pathWithoutDeletedSuffix == path }
        case .addressRange(let start, let end):
            guard start < end else { throw RegionSourceError(source: self, pid: pid, problem: .emptyRange) }
            let overlapping = shared.filter { $0.start < end && start < $0.end }
            if let cut = overlapping.first(where: { $0.start < start || $0.end > end }) {
                throw RegionSourceError(source: self, pid: pid, problem: .cutsThrough(cut))
            }
            selected = overlapping
        }
        guard !selected.isEmpty else { throw RegionSourceError(source: self, pid: pid, problem: .noMatch) }
        return selected
    }
}

/// A region source that does not select any usable mapping of a process.
public struct RegionSourceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why the source selects nothing usable.
    public enum Problem: Sendable, Hashable {
        /// No shared mapping matches.
        case noMatch
        /// The address range covers part of this shared mapping only.
        case cutsThrough(MemoryMapping)
        /// The address range is empty or inverted.
        case emptyRange
    }

    /// The source that was looked up.
    public var source: RegionSource
    /// The process whose maps were searched.
    public var pid: Int32
    /// Which of the problems it is; `description` words it for an operator.
    public var problem: Problem

    /// The error for `source` looked up in the maps of process `pid`.
    public init(source: RegionSource, pid: Int32, problem: Problem) {
        self.source = source
        self.pid = pid
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .noMatch:
            "process \(pid) has no shared mapping of \(source)"
        case .cutsThrough(let mapping):
            "\(source) of process \(pid) cuts through the shared mapping \(mapping); "
                + "a region must cover whole mappings"
        case .emptyRange:
            "\(source) of process \(pid) is empty: the end must lie after the start"
        }
    }
}
