import Foundation
import Glibc

/// The built-in guest simulator, run by `pageoutd demo`: its READY line, and its STAT lines as they come.
final class DemoGuest: DemoChild, @unchecked Sendable {
    // @unchecked: `latestPass`, `firstPass` and `majorFaults` are only touched with `lock` held.
    let process = Process()
    let pid: Int32
    let memfd: String
    let pages: Int
    let hotPages: Int
    let start: UInt64
    let end: UInt64
    private let lock = NSLock()
    private var latestPass: (mean: Double, worst: Double)?
    private var firstPass: Double?
    private var majorFaults = 0

    /// Starts `pageout-guestsim` (next to this executable) with `size` bytes and `hotPercent`% hot.
    init(size: UInt64, hotPercent: Int) throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.executableURL = exe.deletingLastPathComponent().appendingPathComponent("pageout-guestsim")
        process.arguments = ["--size", "\(size)", "--hot-percent", "\(hotPercent)", "--name", "demo-ram"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let reader = pipe.fileHandleForReading
        let line = try Self.readLine(reader, of: "the guest simulator")
        let fields = Self.fields(line)
        guard let pid = fields["pid"].flatMap({ Int32($0) }), let memfd = fields["memfd"],
              let pages = fields["pages"].flatMap({ Int($0) }), let hot = fields["hot_pages"].flatMap({ Int($0) }),
              let start = fields["start"].flatMap({ UInt64($0.dropFirst(2), radix: 16) }),
              let end = fields["end"].flatMap({ UInt64($0.dropFirst(2), radix: 16) })
        else { throw DemoError("unexpected line from the guest simulator: \(line)") }
        (self.pid, self.memfd, self.pages, self.hotPages, self.start, self.end) = (pid, memfd, pages, hot, start, end)
        let thread = Thread { [self] in follow(reader) }
        thread.start()
    }

    deinit {
        stop()
    }


    /// The mean and worst hot-loop pass of the last second (ms), and the first second's mean.
    var passes: (mean: Double, worst: Double, first: Double)? {
        lock.lock()
        defer { lock.unlock() }
        guard let latestPass, let firstPass else { return nil }
        return (latestPass.mean, latestPass.worst, firstPass)
    }

    /// The simulator's major faults so far (its swap-ins).
    var faults: Int {
        lock.lock()
        defer { lock.unlock() }
        return majorFaults
    }

    /// The path another process opens the guest's memory through.
    var mapFilesPath: String { "/proc/\(pid)/map_files/" + String(start, radix: 16) + "-" + String(end, radix: 16) }

    private func follow(_ reader: FileHandle) {
        var buffer = ""
        while true {
            let data = reader.availableData
            guard !data.isEmpty else { return }
            buffer += String(decoding: data, as: UTF8.self)
            while let newline = buffer.firstIndex(of: "\n") {
                let line = String(buffer[..<newline])
                buffer.removeSubrange(...newline)
                guard line.hasPrefix("STAT") else { continue }
                let fields = Self.fields(line)
                let mean = Double(fields["hot_pass_ms"] ?? "") ?? 0
                let worst = Double(fields["max_pass_ms"] ?? "") ?? 0
                lock.lock()
                latestPass = (mean, worst)
                if firstPass == nil { firstPass = mean }
                majorFaults = Int(fields["majflt"] ?? "") ?? majorFaults
                lock.unlock()
            }
        }
    }

    /// The first line `reader` gives (byte by byte: what follows is left for a reader thread), from `program`.
    static func readLine(_ reader: FileHandle, of program: String) throws -> String {
        var line = ""
        while !line.hasSuffix("\n") {
            guard let byte = reader.readData(ofLength: 1).first else {
                throw DemoError("\(program) exited before it was ready")
            }
            line.append(Character(UnicodeScalar(byte)))
        }
        return line
    }

    /// The `key=value` words of `line`.
    static func fields(_ line: String) -> [String: String] {
        var result: [String: String] = [:]
        for word in line.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }
}

/// A program the demo runs next to the daemon, stopped with SIGTERM (the backend unmaps the guest's memory as it
/// exits).
protocol DemoChild: AnyObject {
    var process: Process { get }
    var pid: Int32 { get }
}

extension DemoChild {
    /// Stops the program and waits for it.
    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        process.waitUntilExit()
    }
}

/// Something the demo cannot go on without, in a sentence.
struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
