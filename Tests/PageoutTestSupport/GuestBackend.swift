import Foundation
import Glibc
import PageoutMeasure

/// A running `pageout-guestsim backend`: a second process that maps a guest's memfd and keeps some of its pages
/// mapped, as a vhost-user backend does. Its BACKEND READY line's figures are its properties.
public final class GuestBackend {
    public let process: Process
    public let output: LineReader
    /// The backend's own pid.
    public let pid: Int32
    /// The first page it read (a page index of the guest's mapping).
    public let firstPage: Int
    /// The distance between the pages it read.
    public let step: Int
    /// How many pages it read.
    public let touchedPages: Int

    /// Starts `pageout-guestsim backend` for `guest` with `arguments` (e.g. `["--share", "25%"]`) and waits for
    /// its BACKEND READY line.
    public init(of guest: GuestSim, _ arguments: [String]) throws {
        process = Process()
        process.executableURL = BuildProducts.url(of: "pageout-guestsim")
        process.arguments = ["backend", "--pid", String(guest.pid)] + arguments
        output = try GuestSim.run(process)
        let line = try output.line(startingWith: "BACKEND READY", timeout: 60)
        let fields = GuestOutput.fields(of: line)
        guard fields["guest_pid"] == String(guest.pid), let pid = fields["pid"].flatMap({ Int32($0) }) else {
            throw TestFailure("unexpected BACKEND READY line: \(line)")
        }
        self.pid = pid
        (firstPage, step, touchedPages) = try (GuestSim.number("first_page", of: line),
                                               GuestSim.number("step", of: line),
                                               GuestSim.number("touched_pages", of: line))
    }

    /// The guest's pages it read, in address order.
    public var pages: StrideTo<Int> {
        stride(from: firstPage, to: firstPage + touchedPages * step, by: step)
    }

    deinit {
        _ = stop()
    }

    /// Sends `signal`, reaps the backend and returns its exit status (nil if it had already been reaped).
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Int32? {
        guard process.isRunning else { return nil }
        kill(pid, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }
}
