import CSystemd
import PageoutLinux
import SystemPackage

/// Tells systemd about the daemon's life cycle through libsystemd's `sd_notify` (the `NOTIFY_SOCKET` datagram
/// protocol of `Type=notify` and `Type=notify-reload` units) and reads the watchdog settings.
///
/// Every call reports a ``NotifyResult`` and none throws: outside systemd each call is a no-op that returns
/// ``NotifyResult/notConfigured``. Calls are cheap (one datagram) and safe from any thread. The environment is
/// read on every call and left as it is, so a child process the daemon spawns inherits `NOTIFY_SOCKET` unless the
/// daemon clears it for that child.
public struct SystemdNotifier: Sendable {
    /// Creates a notifier for this process.
    public init() {}

    /// Whether `NOTIFY_SOCKET` is set, i.e. whether messages go anywhere.
    public var isEnabled: Bool {
        guard let value = ProcessEnvironment.value("NOTIFY_SOCKET") else { return false }
        return !value.isEmpty
    }

    /// Sends `READY=1`, with `STATUS=` in the same message when `status` is given.
    @discardableResult
    public func ready(status: String? = nil) -> NotifyResult {
        send(.ready(status: status))
    }

    /// Sends `STATUS=<line>`; newlines in `line` become spaces.
    @discardableResult
    public func status(_ line: String) -> NotifyResult {
        send(.status(line))
    }

    /// Sends the watchdog keep-alive `WATCHDOG=1`. Call it every ``watchdogPingInterval``.
    @discardableResult
    public func watchdog() -> NotifyResult {
        send(.watchdog)
    }

    /// Sends `RELOADING=1` with `MONOTONIC_USEC=` set to CLOCK_MONOTONIC now; send ``ready(status:)`` after the
    /// reload finished (or failed and the old configuration stays).
    @discardableResult
    public func reloading() -> NotifyResult {
        send(.reloading(monotonicMicroseconds: Self.monotonicMicroseconds()))
    }

    /// Sends `STOPPING=1` at the start of graceful shutdown.
    @discardableResult
    public func stopping() -> NotifyResult {
        send(.stopping)
    }

    /// Sends `STATUS=<status>` and `ERRNO=<n>` before the daemon exits on an unrecoverable error.
    @discardableResult
    public func fatal(status: String, errno: Errno) -> NotifyResult {
        send(.fatal(status: status, errno: errno))
    }

    /// Sends any message, e.g. one the named methods do not cover.
    @discardableResult
    public func send(_ message: NotifyMessage) -> NotifyResult {
        let result = message.text.withCString { sd_notify(0, $0) }
        return NotifyResult(returnValue: result)
    }

    /// The unit's `WatchdogSec=`, from `WATCHDOG_USEC` (and `WATCHDOG_PID`, which must be this process when set),
    /// or `nil` when the watchdog is off for this process or the variables are malformed.
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(clamping: microseconds))
    }

    /// How often to send ``watchdog()``: half of ``watchdogInterval``, as sd_watchdog_enabled(3) recommends,
    /// or `nil` when the watchdog is off.
    public var watchdogPingInterval: Duration? {
        watchdogInterval.map { $0 / 2 }
    }

    /// CLOCK_MONOTONIC now in microseconds: the clock systemd compares `MONOTONIC_USEC=` against.
    static func monotonicMicroseconds() -> UInt64 {
        ProcessEnvironment.monotonicMicroseconds()
    }
}
