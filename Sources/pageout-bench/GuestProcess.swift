import Foundation
import PageoutMeasure

/// A `pageout-guestsim` started by a benchmark: its READY line read, its later lines available one by one and
/// copied to a log file; stopped when released.
final class GuestProcess {
    private let child: ChildProcess
    private let lines: LineReader
    private let log: FileHandle?
    /// What its READY line said.
    let ready: GuestReady

    /// Starts the simulator with `arguments`, its stderr in `stderrPath` (nil: the benchmark's stderr) and the
    /// lines it prints copied to `logPath` (nil: none), and reads its READY line.
    init(arguments: [String], stderrPath: String? = nil, logPath: String? = nil) throws {
        let pipe = Pipe()
        child = try ChildProcess("pageout-guestsim", arguments: arguments, outputPath: stderrPath, standardOutput: pipe)
        lines = LineReader(fd: pipe.fileHandleForReading.fileDescriptor, keeping: pipe)
        log = try logPath.map(ChildProcess.createFile)
        do {
            ready = try GuestReady(try lines.line(startingWith: "READY", timeout: 120))
        } catch {
            throw BenchError("pageout-guestsim did not start (\(error))" + (stderrPath.map { "; see \($0)" } ?? ""))
        }
    }

    /// The simulator's pid: the VMM of the benchmark's region.
    var pid: Int32 { ready.pid }
    /// The name of its guest-RAM memfd.
    var memfd: String { ready.memfd }
    /// Pages of its guest RAM.
    var pages: Int { ready.pages }

    /// The next line it prints within `timeout` seconds (copied to the log), or nil.
    func nextLine(timeout: Double) throws -> String? {
        do {
            guard let line = try lines.nextLine(timeout: timeout) else { return nil }
            log?.write(Data((line + "\n").utf8))
            return line
        } catch {
            try child.checkRunning()
            throw error
        }
    }

    /// Stops it (SIGTERM) and reaps it.
    func stop() {
        child.stop()
    }
}

/// A benchmark that could not run or produced a wrong result.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
