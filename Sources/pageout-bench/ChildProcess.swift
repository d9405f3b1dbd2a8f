import Foundation
import Glibc
import Synchronization

/// A process a benchmark started: an executable that lies next to this one (the package's build puts them
/// together), its stderr (and stdout, unless a pipe takes it) written to a file or, without one, to the
/// benchmark's own. It is stopped when released, and on SIGINT or SIGTERM of the benchmark.
final class ChildProcess {
    private let process = Process()
    /// The executable's name, for messages.
    let name: String
    /// Where its output goes; nil for the benchmark's own stderr.
    let outputPath: String?

    /// Starts `name` (next to this executable) with `arguments`; with `standardOutput`, its stdout goes there.
    init(_ name: String, arguments: [String], outputPath: String?, standardOutput: Pipe? = nil) throws {
        self.name = name
        self.outputPath = outputPath
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.executableURL = exe.deletingLastPathComponent().appendingPathComponent(name)
        process.arguments = arguments
        let output = try outputPath.map(Self.createFile) ?? FileHandle.standardError
        process.standardError = output
        if let standardOutput {
            process.standardOutput = standardOutput
        } else {
            process.standardOutput = output
        }
        do {
            try process.run()
        } catch {
            throw BenchError("cannot start \(process.executableURL!.path): \(error)")
        }
        ChildRegistry.shared.add(process.processIdentifier)
    }

    deinit {
        stop()
    }

    /// Creates (or empties) the file at `path` and opens it for writing.
    static func createFile(_ path: String) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path)
        else { throw BenchError("cannot create \(path): errno \(errno)") }
        return handle
    }

    /// Its pid.
    var pid: Int32 { process.processIdentifier }

    /// Whether it still runs.
    var isRunning: Bool { process.isRunning }

    /// Throws naming it and its output file if it has exited.
    func checkRunning() throws {
        guard !process.isRunning else { return }
        let see = outputPath.map { "; see \($0)" } ?? ""
        throw BenchError("\(name) (pid \(pid)) exited with status \(process.terminationStatus)\(see)")
    }

    /// Sends SIGTERM, waits up to 10 s, then SIGKILL; reaps it.
    func stop() {
        defer { ChildRegistry.shared.remove(pid) }
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}

/// The pids of the children that run, so that a SIGINT or SIGTERM of the benchmark stops them too.
final class ChildRegistry: Sendable {
    /// The one registry of this process.
    static let shared = ChildRegistry()

    private let pids = Mutex<Set<Int32>>([])

    func add(_ pid: Int32) {
        pids.withLock { _ = $0.insert(pid) }
    }

    func remove(_ pid: Int32) {
        pids.withLock { _ = $0.remove(pid) }
    }

    /// From now on, SIGINT and SIGTERM send SIGTERM to every registered child and exit with 128 + the signal, as
    /// long as the caller keeps the returned sources alive.
    func stopChildrenOnSignals() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in
                for pid in pids.withLock({ $0 }) { kill(pid, SIGTERM) }
                exit(128 + signalNumber)
            }
            source.resume()
            return source
        }
    }
}
