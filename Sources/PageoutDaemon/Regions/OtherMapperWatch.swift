import PageoutCore

/// What the daemon knows of the processes other than the VMM that map a region's memory.
struct OtherMapperWatch {
    /// How long a lookup stays good while nothing suggests a change (ms): a new mapper of pages already held,
    /// or one that unmapped without exiting, is found within this; held pages the VMM does not map are tried
    /// again this often.
    static let lookupInterval: Int64 = 60_000
    /// The shortest time between two lookups prompted by more pages held (ms): a backend touching pages one by
    /// one must not make the daemon read every process's maps every scan.
    static let promptedLookupSpacing: Int64 = 10_000

    /// The mappers found by the last lookup.
    var mappers: [OtherMapper] = []
    /// When (ms) the last lookup ran; nil before the first.
    var lookedUpAt: Int64?
    /// The pages held by other mappers at the last lookup.
    var heldAtLookup = 0

    /// True when a lookup is due at `now` with `held` pages held by other mappers (`anyGone`: a known mapper
    /// exited since).
    func isLookupDue(at now: Int64, held: Int, anyGone: Bool) -> Bool {
        guard let lookedUpAt else { return held > 0 }
        if anyGone { return true }
        if held > heldAtLookup, now - lookedUpAt >= Self.promptedLookupSpacing { return true }
        return (held > 0 || !mappers.isEmpty) && now - lookedUpAt >= Self.lookupInterval
    }
}
