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

    /// The control socket of an isolated daemon (in its own temporary directory).
    public let socketPath: String

    /// Starts `pageoutd --config FILE arguments…` with `config` as the file's text and `environment` added.
    ///
    /// With `isolated` (the default), unless the config names a socket, the daemon's socket and state directory
    /// go to its temporary directory, so
    /// daemons of tests running in parallel never meet: the lines are added right after `[daemon]` (or as a
    /// `[daemon]` table of their own at the top), which shifts later line numbers: tests of error messages with
    /// line numbers pass `isolated: false`.
    /// With `launcher` (e.g. `["setpriv", ...]`) the daemon runs through it. With `standardError` its stderr is
    /// that descriptor instead of the file at `stderrPath`.
    public init(config: String, arguments: [String] = [], environment: [String: String] = [:],
                isolated: Bool = true, launcher: [String] = [], standardError: FileHandle? = nil) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pageoutd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configPath = directory.appendingPathComponent("pageoutd.toml").path
        stderrPath = directory.appendingPathComponent("stderr.log").path
        socketPath = directory.appendingPathComponent("pageoutd.sock").path
        var text = config
        if isolated, !config.contains("socket = ") {
            let lines = "socket = \"\(socketPath)\"\nstate_directory = \"\(directory.path)/state\"\n"
            if let header = text.range(of: "[daemon]\n") {
                text.insert(contentsOf: lines, at: header.upperBound)
            } else {
                text = "[daemon]\n" + lines + "\n" + text
            }
        }
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        if launcher.isEmpty {
            process.executableURL = BuildProducts.url(of: "pageoutd")
            process.arguments = ["--config", configPath] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = launcher + [BuildProducts.url(of: "pageoutd").path, "--config", configPath] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = nil
        env["WATCHDOG_USEC"] = nil
        env["WATCHDOG_PID"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardError = try standardError ?? FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
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

/// Runs a command to its end (through /usr/bin/env, so PATH is searched) and returns its exit status and its
/// stdout and stderr together.
public func runToEnd(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}
