import Glibc

/// Line output straight to file descriptors 1 and 2 with write(2).
///
/// Nothing is buffered, so a line is out (the equivalent of `fflush(stdout)`) when `line` returns. Tests read
/// stdout line by line while the simulator runs; a line stuck in a buffer would stall them. SIGPIPE is blocked
/// (see `SignalWaiter`), so a reader that went away shows up as EPIPE, and the simulator then exits quietly.
enum Output {
    /// Writes `text` and a newline to stdout; exits with status 0, printing nothing, if the reader is gone.
    static func line(_ text: String) {
        switch write(text + "\n", to: STDOUT_FILENO) {
        case 0:
            return
        case EPIPE:
            exit(0)
        case let error:
            warn("cannot write to stdout: \(GuestSimError.errnoName(error))")
            exit(1)
        }
    }

    /// Writes `pageout-guestsim: ` and `text` to stderr, ignoring failure (there is nowhere left to report it).
    static func warn(_ text: String) {
        _ = write("pageout-guestsim: " + text + "\n", to: STDERR_FILENO)
    }

    /// Writes all of `text` to `fd`, retrying after EINTR and partial writes. Returns 0 or the errno.
    static func write(_ text: String, to fd: Int32) -> Int32 {
        var text = text
        return text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return 0
        }
    }

    /// `nanoseconds` as milliseconds with three decimals, e.g. `0.412`.
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let microseconds = (nanoseconds + 500) / 1000
        let fraction = String(microseconds % 1000)
        return "\(microseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// `nanoseconds` as microseconds with one decimal, e.g. `0.4` or `35.2`.
    static func microseconds(_ nanoseconds: UInt64) -> String {
        let tenths = (nanoseconds + 50) / 100
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// `value` in lowercase hexadecimal with a `0x` prefix.
    static func hex(_ value: UInt) -> String {
        "0x" + String(value, radix: 16)
    }
}

/// A failure that stops the simulator, with a sentence that names the call and the errno.
struct GuestSimError: Error, CustomStringConvertible {
    let description: String

    /// A failed system call: `call` describes it with its arguments, `error` is the errno it left.
    static func syscall(_ call: String, _ error: Int32) -> GuestSimError {
        GuestSimError(description: "\(call): \(errnoName(error))")
    }

    /// The message for errno value `error`, e.g. "Cannot allocate memory (errno 12)".
    static func errnoName(_ error: Int32) -> String {
        "\(String(cString: strerror(error))) (errno \(error))"
    }
}
