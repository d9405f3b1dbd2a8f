import Foundation
import PageoutLinux
import SystemPackage

/// A temporary directory standing in for /proc, removed when the value goes away.
public final class FakeProcTree {
    /// The directory standing in for /proc.
    public let root: FilePath
    private let url: URL

    /// A new empty tree.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("procfs-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        root = FilePath(url.path)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// A ProcFS reading the tree.
    public var procfs: ProcFS { ProcFS(root: root) }

    /// Writes `text` to `path` under the root, creating directories.
    public func write(_ path: String, text: String) throws {
        let file = url.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    /// Copies PageoutCoreTests' fixture `name` (without its `#` provenance comments) to `path` under the root.
    public func write(_ path: String, fixture name: String) throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PageoutCoreTests/Fixtures")
        let raw = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        let text = raw.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("#") }
            .joined(separator: "\n")
        try write(path, text: text)
    }
}
