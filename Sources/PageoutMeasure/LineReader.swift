import Foundation
import Glibc

/// Reads the lines a child process writes to a pipe, with a timeout, without Foundation's run loop.
public final class LineReader {
    private let fd: Int32
    private let pipe: Pipe
    private var buffer: [UInt8] = []

    /// A reader of `fd`, the read end of `pipe` (kept open as long as the reader lives).
    public init(fd: Int32, keeping pipe: Pipe) {
        self.fd = fd
        self.pipe = pipe
    }

    /// The next line that starts with `prefix`, skipping others, or an error after `timeout` seconds.
    public func line(startingWith prefix: String, timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            guard let line = try nextLine(timeout: max(deadline.timeIntervalSinceNow, 0)) else {
                throw MeasureError("no \(prefix) line within \(timeout) s")
            }
            if line.hasPrefix(prefix) { return line }
        }
    }

    /// The next line (without its newline), or nil when none is complete within `timeout` seconds (0: only a
    /// line already written).
    ///
    /// - Throws: `MeasureError` when the writer closed the pipe before a whole line.
    public func nextLine(timeout: Double) throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(max(0, min(remaining, 1)) * 1000)) > 0 else {
                if remaining <= 0 { return nil }
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { throw MeasureError("output closed (read: \(count < 0 ? errno : 0))") }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}
