/// What a look at the mapcounts of some mapped pages found (pagemap bit 56, PM_MMAP_EXCLUSIVE, is clear for a
/// page another process maps too).
public struct PageSharing: Sendable, Equatable {
    /// The pages looked at.
    public var looked: PageBitmap
    /// Of those, the pages mapped by another process as well.
    public var shared: PageBitmap

    /// The result of looking at `looked`, of which `shared` are mapped by another process too.
    public init(looked: PageBitmap, shared: PageBitmap) {
        self.looked = looked
        self.shared = shared
    }
}
