import CPageoutSys
import Glibc
import SystemPackage

/// A failed system call: which call, on what, and the errno the kernel returned.
///
/// The message reads like a log line an operator can act on:
/// `process_madvise(pid 4242, 0x7f00..0x7f40): ESRCH (No such process)`.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The system call or library function, e.g. `"process_madvise"`.
    public var call: String
    /// What the call was applied to, e.g. `"pid 4242, 0x7f00..0x7f40"` or a path.
    public var target: String
    /// The errno the call failed with.
    public var errno: Errno

    /// Creates an error for `call` on `target` that failed with `errno`.
    public init(call: String, target: String, errno: Errno) {
        self.call = call
        self.target = target
        self.errno = errno
    }

    public var description: String {
        "\(call)(\(target)): \(errno.symbolicName) (\(errno.description))"
    }
}

extension Errno {
    /// The C name of the errno (`"ESRCH"`), for messages operators grep for.
    public var symbolicName: String {
        guard let name = pageout_errno_name(rawValue) else { return "errno \(rawValue)" }
        return String(cString: name)
    }
}

/// Runs one system call, retrying on EINTR, and turns a failure into a `SystemCallError`
/// with errno captured immediately after the call.
///
/// `body` returns the raw C result; any negative value is a failure.
@inline(__always)
func systemCall<R: BinaryInteger>(
    _ call: @autoclosure () -> String,
    on target: @autoclosure () -> String,
    _ body: () -> R
) throws(SystemCallError) -> R {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = Errno(rawValue: pageout_errno())
        if code == .interrupted { continue }
        throw SystemCallError(call: call(), target: target(), errno: code)
    }
}

/// Formats an address range the way /proc/PID/maps does, for error messages.
func hexRange(_ start: UInt64, _ end: UInt64) -> String {
    "0x" + String(start, radix: 16) + "..0x" + String(end, radix: 16)
}
