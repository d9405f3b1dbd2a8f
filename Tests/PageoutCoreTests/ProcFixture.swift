import Foundation

/// The /proc fixture files in `Fixtures/` next to this file (the target excludes the folder from its sources).
enum ProcFixture {
    /// The directory holding the fixtures.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The text of fixture `name`, with `#` comment lines (provenance notes, never in real /proc files) removed.
    static func text(_ name: String) throws -> String {
        let raw = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        return raw.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("#") }
            .joined(separator: "\n")
    }
}
