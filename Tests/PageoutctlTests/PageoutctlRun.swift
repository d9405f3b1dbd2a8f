import Foundation
import PageoutTestSupport

/// The outcome of one run of the built `pageoutctl`.
struct PageoutctlRun {
    /// The exit status.
    var status: Int32
    /// Everything it printed to stdout.
    var stdout: String
    /// Everything it printed to stderr.
    var stderr: String

    /// Runs `pageoutctl arguments…` with `environment` added (and PAGEOUTD_SOCKET removed unless given), and waits
    /// for it to exit.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = BuildProducts.url(of: "pageoutctl")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["PAGEOUTD_SOCKET"] = nil
        env["COLUMNS"] = "100"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read stderr on another thread so neither pipe can fill up and stall the process.
        let errorText = ErrorText()
        let reader = Thread { errorText.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        stdout = String(decoding: outData, as: UTF8.self)
        stderr = String(decoding: errorText.wait(), as: UTF8.self)
    }
}

/// Stderr's bytes, handed from the reading thread.
private final class ErrorText: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    func set(_ data: Data) {
        lock.withLock { self.data = data }
        done.signal()
    }

    func wait() -> Data {
        done.wait()
        return lock.withLock { data }
    }
}
