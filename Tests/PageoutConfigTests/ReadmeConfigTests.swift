import Foundation
import Testing

/// The README's configuration reference stays in step with Config/pageoutd.toml: every key the file sets is named.
@Suite struct ReadmeConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func everyKeyOfTheDefaultFileIsInTheReadme() throws {
        let config = try String(contentsOf: Self.root.appendingPathComponent("Config/pageoutd.toml"), encoding: .utf8)
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let keys = config.split(separator: "\n").compactMap { line -> String? in
            guard let first = line.first, first.isLetter, let equals = line.firstIndex(of: "=") else { return nil }
            return line[..<equals].trimmingCharacters(in: .whitespaces)
        }
        #expect(keys.count >= 15, "keys found: \(keys)")
        let missing = keys.filter { !readme.contains("`\($0)`") }
        #expect(missing.isEmpty, "README.md does not name: \(missing)")
    }
}
