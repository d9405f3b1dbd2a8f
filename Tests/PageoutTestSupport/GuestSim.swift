import Foundation
import Glibc
import Testing

/// A running `pageout-guestsim`: the stand-in VMM the kernel tests page out.
public final class GuestSim {
    public let process: Process
    public let output: LineReader
    public let pid: Int32
    public let start: UInt64
    public let end: UInt64
    public let memfd: String
    public let pages: Int
    public let hotPages: Int
    public let holePages: Int

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
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        output = LineReader(fd: pipe.fileHandleForReading.fileDescriptor, keeping: pipe)
        let ready = try output.line(startingWith: "READY", timeout: 60)
        let fields = GuestSim.fields(of: ready)
        guard let pid = fields["pid"].flatMap({ Int32($0) }),
              let start = fields["start"].flatMap({ UInt64($0.dropFirst(2), radix: 16) }),
              let end = fields["end"].flatMap({ UInt64($0.dropFirst(2), radix: 16) }),
              let memfd = fields["memfd"],
              let pages = fields["pages"].flatMap({ Int($0) }),
              let hot = fields["hot_pages"].flatMap({ Int($0) }),
              let holes = fields["hole_pages"].flatMap({ Int($0) })
        else { throw TestFailure("unparseable READY line: \(ready)") }
        (self.pid, self.start, self.end, self.memfd, self.pages, self.hotPages, self.holePages)
            = (pid, start, end, memfd, pages, hot, holes)
    }

    deinit {
        stop()
    }

    /// `key=value` fields of an output line.
    public static func fields(of line: String) -> [String: String] {
        var result: [String: String] = [:]
        for word in line.split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }

    /// The integer field `key` of an output line; throws when it is missing, so a test never compares a made-up 0.
    public static func number(_ key: String, of line: String) throws -> Int {
        guard let value = fields(of: line)[key].flatMap({ Int($0) }) else { throw TestFailure("no \(key) in: \(line)") }
        return value
    }

    /// The path through which another process can open the guest's memfd.
    public var mapFilesPath: String {
        "/proc/\(pid)/map_files/" + String(start, radix: 16) + "-" + String(end, radix: 16)
    }

    /// Asks the guest to check every page's pattern; returns (ok, bad).
    public func verify() throws -> (ok: Int, bad: Int) {
        kill(pid, SIGUSR2)
        let fields = GuestSim.fields(of: try output.line(startingWith: "VERIFY", timeout: 120))
        return (Int(fields["ok"] ?? "") ?? -1, Int(fields["bad"] ?? "") ?? -1)
    }

    /// Kills the guest with `signal` and reaps it.
    public func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(pid, signal)
        process.waitUntilExit()
    }
}

/// Reads lines from a pipe with a timeout, without Foundation's run loop.
public final class LineReader {
    private let fd: Int32
    private let pipe: Pipe
    private var buffer: [UInt8] = []

    public init(fd: Int32, keeping pipe: Pipe) {
        self.fd = fd
        self.pipe = pipe
    }

    /// The next line that starts with `prefix`, skipping others, or an error after `timeout` seconds.
    public func line(startingWith prefix: String, timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                if line.hasPrefix(prefix) { return line }
                continue
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw TestFailure("no \(prefix) line within \(timeout) s") }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(min(remaining, 1) * 1000)) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { throw TestFailure("output closed before a \(prefix) line") }
            buffer.append(contentsOf: chunk[..<count])
        }
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
