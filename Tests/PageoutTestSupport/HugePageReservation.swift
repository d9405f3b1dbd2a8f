import Foundation
import Testing

/// Huge pages reserved in /proc/sys/vm/nr_hugepages for a test; `restore` puts the old count back.
///
/// The reservation is machine-wide: a suite that holds one while other tests run must be serialised with every
/// other test that reserves huge pages.
public struct HugePageReservation {
    private static let path = "/proc/sys/vm/nr_hugepages"
    private let previous: String

    /// Raises the reservation by `pages`, or cancels the test when the kernel cannot reserve them.
    public init(pages: Int) throws {
        previous = try String(contentsOfFile: Self.path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let wanted = (Int(previous) ?? 0) + pages
        try "\(wanted)\n".write(toFile: Self.path, atomically: false, encoding: .utf8)
        let now = Int(try String(contentsOfFile: Self.path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        if now < wanted {
            restore()
            try Test.cancel("the kernel reserved \(now) of \(wanted) huge pages: no hugetlbfs memfd to test with")
        }
    }

    /// Puts back the count found at `init`.
    public func restore() {
        try? "\(previous)\n".write(toFile: Self.path, atomically: false, encoding: .utf8)
    }
}
