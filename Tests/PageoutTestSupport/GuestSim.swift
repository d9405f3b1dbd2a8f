import Foundation
import Glibc
import PageoutMeasure
import Testing

/// A running `pageout-guestsim`: the stand-in VMM the kernel tests page out. What its READY line said (`pid`,
/// `start`, `end`, `memfd`, `pages`, `hotPages`, `holePages`, `mapFilesPath`) reads as its own properties.
@dynamicMemberLookup
public final class GuestSim {
    public let process: Process
    public let output: LineReader
    /// Its READY line.
    public let ready: GuestReady

    /// Starts a guest simulator with `arguments` and waits for its READY line.
    /// With `launcher` (e.g. `["setpriv", "--reuid", "65534", ...]`), the simulator runs through it: a copy of it
    /// in a world-readable temporary directory, so that another user may execute it.
    public init(_ arguments: [String], launcher: [String] = []) throws {
        process = Process()
        if launcher.isEmpty {
            process.executableURL = BuildProducts.url(of: "pageout-guestsim")
            process.arguments = arguments
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("guestsim-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            let copy = directory.appendingPathComponent("pageout-guestsim")
            try FileManager.default.copyItem(at: BuildProducts.url(of: "pageout-guestsim"), to: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = launcher + [copy.path] + arguments
        }
        output = try Self.run(process)
        ready = try GuestReady(try output.line(startingWith: "READY", timeout: 60))
    }

    /// Starts `process` with its stdout on a pipe, and returns the reader of that pipe.
    static func run(_ process: Process) throws -> LineReader {
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        return LineReader(fd: pipe.fileHandleForReading.fileDescriptor, keeping: pipe)
    }

    /// A figure of the READY line, e.g. `guest.pid`.
    public subscript<Value>(dynamicMember keyPath: KeyPath<GuestReady, Value>) -> Value {
        ready[keyPath: keyPath]
    }

    deinit {
        stop()
    }

    /// `key=value` fields of an output line.
    public static func fields(of line: String) -> [String: String] {
        GuestOutput.fields(of: line)
    }

    /// The integer field `key` of an output line; throws when it is missing, so a test never compares a made-up 0.
    public static func number(_ key: String, of line: String) throws -> Int {
        guard let value = fields(of: line)[key].flatMap({ Int($0) }) else { throw TestFailure("no \(key) in: \(line)") }
        return value
    }

    /// Asks the guest to check every page's pattern; returns (ok, bad).
    public func verify() throws -> (ok: Int, bad: Int) {
        kill(ready.pid, SIGUSR2)
        let fields = GuestSim.fields(of: try output.line(startingWith: "VERIFY", timeout: 120))
        return (Int(fields["ok"] ?? "") ?? -1, Int(fields["bad"] ?? "") ?? -1)
    }

    /// Kills the guest with `signal` and reaps it.
    public func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(ready.pid, signal)
        process.waitUntilExit()
    }
}

/// A test-support failure with a sentence.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where `swift build` put the package's executables: next to the test bundle.
public enum BuildProducts {
    public static func url(of name: String) -> URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent(name)
    }
}
