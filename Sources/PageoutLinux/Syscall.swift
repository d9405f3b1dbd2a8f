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

    /// The error of `call` on `target`, failed with `errno`.
    public init(call: String, target: String, errno: Errno) {
        (self.call, self.target, self.errno) = (call, target, errno)
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

/// Runs one system call, retrying on EINTR, and turns a failure into a `SystemCallError` with errno captured
/// immediately after the call. Every call pageoutd makes goes through here (see `Syscalls`).
///
/// `body` returns the raw C result; `failed` tells a failure from a result (for most calls, a negative value).
/// Pass `retryOnInterrupt: false` for close(2): Linux has released the descriptor even when close reports EINTR,
/// and a second close could close a descriptor another thread has opened since.
@inline(__always)
func systemCall<R>(
    _ call: @autoclosure () -> String,
    on target: @autoclosure () -> String,
    retryOnInterrupt: Bool = true,
    failed: (R) -> Bool,
    _ body: () -> R
) throws(SystemCallError) -> R {
    while true {
        let result = body()
        guard failed(result) else { return result }
        let code = Errno(rawValue: pageout_errno())
        if code == .interrupted, retryOnInterrupt { continue }
        throw SystemCallError(call: call(), target: target(), errno: code)
    }
}

/// `systemCall` for the calls that return a negative number on failure.
@inline(__always)
func systemCall<R: BinaryInteger>(
    _ call: @autoclosure () -> String,
    on target: @autoclosure () -> String,
    retryOnInterrupt: Bool = true,
    _ body: () -> R
) throws(SystemCallError) -> R {
    try systemCall(call(), on: target(), retryOnInterrupt: retryOnInterrupt, failed: { $0 < 0 }, body)
}

/// Formats an address range the way /proc/PID/maps does, for error messages.
func hexRange(_ start: UInt64, _ end: UInt64) -> String {
    "0x" + String(start, radix: 16) + "..0x" + String(end, radix: 16)
}
