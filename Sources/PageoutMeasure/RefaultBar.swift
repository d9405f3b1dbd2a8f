/// The bar a policy's refaults are judged by: the far-memory target of 0.2% of the working set per minute, held
/// to within 50%.
///
/// A floor keeps tiny working sets from making the bar impossible: 0.2% of a working set of a few MiB is a handful
/// of pages a minute, fewer than a guest faults in for reasons no pageout policy controls (its own executable and
/// stack pages coming back after the machine was short of memory for a moment). The target never goes below
/// `floorPerMinute`, one fault every two seconds.
public enum RefaultBar {
    /// The target: this fraction of the working set's pages per minute.
    public static let targetShareOfWorkingSetPerMinute = 0.002
    /// The lowest target, in faults per minute.
    public static let floorPerMinute = 30.0
    /// How far above the target the measured rate may be: 50%.
    public static let tolerance = 1.5

    /// The target in faults per minute for a working set of `workingSetPages` pages.
    public static func targetPerMinute(workingSetPages: Int) -> Double {
        max(targetShareOfWorkingSetPerMinute * Double(workingSetPages), floorPerMinute)
    }

    /// The most faults per minute that still meet the bar.
    public static func limitPerMinute(workingSetPages: Int) -> Double {
        tolerance * targetPerMinute(workingSetPages: workingSetPages)
    }
}
