/// The true state of one page of a shmem region, as pageoutd sees it without touching the page.
public enum PageState: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Never written (or returned to a hole): no page and no swap entry backs it.
    case hole
    /// Mapped in the VMM's page table: the guest (or the VMM) used it since it was last reclaimed.
    case mapped
    /// In the page cache but not mapped in the VMM: only another process reading the memory leaves a page so.
    case residentUnmapped
    /// Allocated, not in the page cache: its data lives in swap.
    case swapped

    public var description: String {
        switch self {
        case .hole: "hole"
        case .mapped: "mapped"
        case .residentUnmapped: "resident-unmapped"
        case .swapped: "swapped"
        }
    }
}

/// A page-aligned range of a process's virtual addresses, end exclusive.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The first address.
    public var start: UInt64
    /// The address one past the last byte.
    public var end: UInt64

    /// The range `start..<end`; `start` must not lie after `end` (that traps).
    public init(start: UInt64, end: UInt64) {
        precondition(start <= end, "an address range cannot end before it starts")
        self.start = start
        self.end = end
    }

    /// The length in bytes.
    public var byteCount: UInt64 { end - start }

    public var description: String {
        "0x" + String(start, radix: 16) + "-0x" + String(end, radix: 16)
    }
}
