import Foundation

/// The journald of this machine, if any.
public enum Journald {
    /// Whether journald's native socket exists (it does on every systemd host, not in most containers).
    public static let isRunning = FileManager.default.fileExists(atPath: "/run/systemd/journal/socket")

    /// The newest entry with `field=value`, as journalctl's JSON object, or nil when none arrived within `timeout`
    /// seconds or journalctl is missing. The default is generous: it counts from the call, and on a loaded machine
    /// the process that logs may itself take tens of seconds to start (seen: 45 s while the whole suite ran).
    public static func entry(field: String, value: String,
                             timeout: Double = 2 * Eventually.defaultTimeout) async throws -> [String: Any]? {
        guard let journalctl = HostRequirements.journalctl else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let entry = try newest(field: field, value: value, journalctl: journalctl) { return entry }
            try await Task.sleep(for: .milliseconds(100))
        } while Date() < deadline
        return nil
    }

    /// One `journalctl -o json -n 1 FIELD=VALUE` query.
    private static func newest(field: String, value: String, journalctl: String) throws -> [String: Any]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: journalctl)
        process.arguments = ["--no-pager", "-o", "json", "-n", "1", "\(field)=\(value)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let line = data.split(separator: UInt8(ascii: "\n")).first else { return nil }
        return try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
    }
}
