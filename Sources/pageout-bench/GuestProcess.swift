import Foundation
import Glibc

/// A `pageout-guestsim` started by a benchmark, killed when it goes away.
final class GuestProcess {
    let process = Process()
    /// The simulator's pid: the VMM of the benchmark's region.
    let pid: Int32
    /// The name of its guest-RAM memfd.
    let memfd: String
    /// Pages of its guest RAM.
    let pages: Int

    /// Starts the simulator next to this executable with `arguments` and reads its READY line.
    init(arguments: [String]) throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.executableURL = exe.deletingLastPathComponent().appendingPathComponent("pageout-guestsim")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var line = ""
        let handle = pipe.fileHandleForReading
        while !line.hasSuffix("\n") {
            let byte = handle.readData(ofLength: 1)
            guard let character = byte.first else { throw BenchError("pageout-guestsim exited before READY") }
            line.append(Character(UnicodeScalar(character)))
        }
        var fields: [String: String] = [:]
        for word in line.split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2 {
                fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        guard let pid = fields["pid"].flatMap({ Int32($0) }), let memfd = fields["memfd"],
              let pages = fields["pages"].flatMap({ Int($0) })
        else { throw BenchError("unexpected READY line: \(line)") }
        (self.pid, self.memfd, self.pages) = (pid, memfd, pages)
    }

    deinit {
        kill(pid, SIGTERM)
        process.waitUntilExit()
    }
}

/// A benchmark that could not run or produced a wrong result.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
