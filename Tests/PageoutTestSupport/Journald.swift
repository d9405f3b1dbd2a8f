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
        var problem: Error?
        while true {
            do {
                if let entry = try newest(field: field, value: value, journalctl: journalctl) { return entry }
            } catch {
                problem = error  // a journalctl that failed once may answer at the next query
            }
            // The deadline is judged before the sleep, so that the last query comes after it: while the suite
            // runs, a sleeping task may wake long after its time (the pool's threads busy with other tests'
            // blocking waits), and a wait that woke past its deadline without asking again missed an entry
            // journald had had for minutes.
            if Date() >= deadline { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        if let problem { throw problem }
        return nil
    }

    /// One `journalctl -o json FIELD=VALUE` query: the last entry it prints (every matching entry is read, a few
    /// at most). A failing journalctl throws with its exit status and stderr.
    private static func newest(field: String, value: String, journalctl: String) throws -> [String: Any]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: journalctl)
        process.arguments = ["--no-pager", "-o", "json", "\(field)=\(value)"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("journalctl \(field)=\(value) exited \(process.terminationStatus): "
                              + String(decoding: problem, as: UTF8.self))
        }
        guard let line = data.split(separator: UInt8(ascii: "\n")).last else { return nil }
        return try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
    }
}
