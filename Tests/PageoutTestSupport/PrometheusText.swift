import Foundation
import Testing

/// Prometheus text read by the python `prometheus_client` parser (Tests/python/prometheus_check.py), an
/// implementation of the exposition format none of us wrote.
public enum PrometheusText {
    /// One family as the parser read it.
    public struct Family: Decodable {
        public var type: String
        public var help: String
        public var samples: [Sample]
    }

    /// One sample as the parser read it.
    public struct Sample: Decodable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    /// The families the parser reads from `text`, by name (a counter's without `_total`); a text the parser
    /// rejects fails the test.
    public static func parse(_ text: String) throws -> [String: Family] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/prometheus_check.py").path
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).prom")
        try text.write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let (status, output) = try runToEnd(["python3", script, input.path])
        try #require(status == 0, "prometheus_client rejected the text: \(output)\n\(text)")
        struct Result: Decodable { var families: [String: Family] }
        return try JSONDecoder().decode(Result.self, from: Data(output.utf8)).families
    }
}
