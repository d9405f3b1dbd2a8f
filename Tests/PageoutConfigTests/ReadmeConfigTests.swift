import Foundation
import Testing

/// The README's configuration reference and pageoutd.toml(5) stay in step with Config/pageoutd.toml: every key the
/// file sets is named in both.
@Suite struct ReadmeConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The keys Config/pageoutd.toml sets.
    static func keys() throws -> [String] {
        let config = try String(contentsOf: root.appendingPathComponent("Config/pageoutd.toml"), encoding: .utf8)
        return config.split(separator: "\n").compactMap { line -> String? in
            guard let first = line.first, first.isLetter, let equals = line.firstIndex(of: "=") else { return nil }
            return line[..<equals].trimmingCharacters(in: .whitespaces)
        }
    }

    @Test func everyKeyOfTheDefaultFileIsInTheReadme() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let keys = try Self.keys()
        #expect(keys.count >= 15, "keys found: \(keys)")
        let missing = keys.filter { !readme.contains("`\($0)`") }
        #expect(missing.isEmpty, "README.md does not name: \(missing)")
    }

    @Test func everyKeyOfTheDefaultFileHasAnEntryInTheManPage() throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent("man/pageoutd.toml.5"), encoding: .utf8)
        let entries = Set(page.split(separator: "\n").filter { $0.hasPrefix(".B ") }.map { $0.dropFirst(3) }
            .map { $0.replacingOccurrences(of: "\\-", with: "-") })
        let missing = try Self.keys().filter { !entries.contains($0) }
        #expect(missing.isEmpty, "man/pageoutd.toml.5 has no entry for: \(missing)")
    }
}
