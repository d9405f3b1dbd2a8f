import Foundation
import Glibc

/// A `pageoutd` started by a test, with its configuration in a temporary file and its stderr in another.
public final class DaemonProcess {
    /// The process.
    public let process = Process()
    /// The configuration file it was started with.
    public let configPath: String
    /// Where its stderr goes.
    public let stderrPath: String

    /// Starts `pageoutd --config FILE arguments…` with `config` as the file's text and `environment` added.
    public init(config: String, arguments: [String] = [], environment: [String: String] = [:]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pageoutd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configPath = directory.appendingPathComponent("pageoutd.toml").path
        stderrPath = directory.appendingPathComponent("stderr.log").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = BuildProducts.url(of: "pageoutd")
        process.arguments = ["--config", configPath] + arguments
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = nil
        env["WATCHDOG_USEC"] = nil
        env["WATCHDOG_PID"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The daemon's pid.
    public var pid: Int32 { process.processIdentifier }

    /// Replaces the configuration file's text (for reload tests).
    public func rewriteConfig(_ text: String) throws {
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Sends `signal`.
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits up to `timeout` seconds for the daemon to exit; returns its exit status, or nil if it did not.
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// What it wrote to stderr so far.
    public var stderrText: String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }
}
