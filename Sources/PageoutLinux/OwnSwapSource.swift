/// Where a snapshot takes the `Swap:` bytes of the daemon's own views (/proc/self/smaps) from when several
/// snapshots share one read of them.
///
/// A read of smaps walks the page tables of every mapping the daemon has, the views of every region among them:
/// one read per snapshot made a round cost grow with the square of the regions watched (64 regions: 64 reads of
/// 64 views' tables a round, nearly half the daemon's CPU). A source hands out figures read a moment before; a
/// snapshot whose counts disagree with them asks for them read again before it goes page by page.
///
/// Why figures read a moment before the pagemap serve as well as figures read just after it: the counts test
/// (allocated = mapped + swapped) fails, and the snapshot reads again, when a page moved between swap and the
/// VMM's page table in between (a refault, reclaim). The one move it cannot see is a page another process read
/// from swap in between: it leaves `Swap:` and stays resident but unmapped, the two cancel, and the page counts
/// as swapped until the next scan. A read just after the pagemap has the same blind spot over the time between
/// the two reads; a source bounds how old its figures may be (`RoundOwnSwap`: 50 ms).
public protocol OwnSwapSource: AnyObject {
    /// `Swap:` bytes by mapping start address for at least every view of the regions being scanned; read now
    /// when `again` is true (the figures disagreed with a snapshot's counts).
    func swapBytes(readingAgain again: Bool) throws -> [UInt64: UInt64]
}
