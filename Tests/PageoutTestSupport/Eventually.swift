import Foundation

/// Waiting for a condition instead of sleeping a fixed time. A loaded machine (2 cores, other suites in
/// parallel) makes everything slower but nothing different, so a test polls until what it waits for holds, with a
/// deadline far beyond what an idle machine needs: only a failure ever waits that long.
public enum Eventually {
    /// The deadline of a wait that names none.
    public static let defaultTimeout: Double = 60

    /// Polls `body` every `interval` seconds until it returns a value, and returns it; after `timeout` seconds,
    /// throws naming `what` and the last thing `describe` says about the state.
    @discardableResult
    public static func value<T>(_ what: String, timeout: Double = defaultTimeout, interval: Double = 0.1,
                                describe: () -> String = { "" }, _ body: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let value = try body() { return value }
            guard Date() < deadline else {
                let state = describe()
                throw TestFailure("\(what): not within \(timeout) s" + (state.isEmpty ? "" : "; \(state)"))
            }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Polls `condition` every `interval` seconds until it holds; throws naming `what` after `timeout` seconds.
    public static func wait(for what: String, timeout: Double = defaultTimeout, interval: Double = 0.1,
                            describe: () -> String = { "" }, _ condition: () throws -> Bool) throws {
        try value(what, timeout: timeout, interval: interval, describe: describe) { try condition() ? () : nil }
    }
}

extension Eventually {
    /// Polls `condition` every `interval` seconds, from an async context (an actor's state), until it holds;
    /// throws naming `what` after `timeout` seconds.
    public static func asyncWait(for what: String, timeout: Double = defaultTimeout, interval: Double = 0.01,
                                 _ condition: () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !(await condition()) {
            guard Date() < deadline else { throw TestFailure("\(what): not within \(timeout) s") }
            try await Task.sleep(for: .seconds(interval))
        }
    }
}
