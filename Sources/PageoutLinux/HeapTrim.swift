import CPageoutSys

/// Gives the heap's free memory back to the kernel.
///
/// A scan builds and drops bitmaps of its regions every round; glibc keeps the memory they freed in its arenas
/// (only the top of a heap is returned, and only past `M_TRIM_THRESHOLD`), so without this the daemon's resident
/// memory is its largest round ever (a region converging, its bitmaps mixed) rather than what it holds now.
/// `malloc_trim` returns every free page of every arena with MADV_DONTNEED.
public enum HeapTrim {
    /// Returns the free pages of every malloc arena to the kernel; true when any memory was released.
    @discardableResult
    public static func releaseFreePages() -> Bool {
        pageout_malloc_trim() != 0
    }
}
