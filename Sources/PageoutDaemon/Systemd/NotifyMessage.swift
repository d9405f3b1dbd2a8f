import SystemPackage

/// One state change for the service manager, in the `KEY=value` lines of the sd_notify protocol.
///
/// The constructors build the exact text systemd expects; ``SystemdNotifier`` sends it. Free text (a status line)
/// is cleaned first: the protocol separates assignments with newlines and the C API ends the string at a NUL, so
/// both would corrupt the message.
public struct NotifyMessage: Sendable, Equatable, CustomStringConvertible {
    /// The newline-separated assignments, e.g. `"READY=1\nSTATUS=Watching 3 regions"`.
    public let text: String

    /// Wraps assignments that are already in protocol form. Prefer the named constructors.
    public init(text: String) {
        self.text = text
    }

    public var description: String { text }

    /// `READY=1`: start-up is finished. With a status line, `STATUS=` goes in the same datagram, so the unit
    /// never shows "active" with a stale status.
    public static func ready(status: String? = nil) -> NotifyMessage {
        guard let status else { return NotifyMessage(text: "READY=1") }
        return NotifyMessage(text: "READY=1\nSTATUS=" + singleLine(status))
    }

    /// `STATUS=<line>`: the free-form status `systemctl status` shows. Newlines become spaces.
    public static func status(_ line: String) -> NotifyMessage {
        NotifyMessage(text: "STATUS=" + singleLine(line))
    }

    /// `WATCHDOG=1`: the keep-alive ping for `WatchdogSec=`.
    public static let watchdog = NotifyMessage(text: "WATCHDOG=1")

    /// `RELOADING=1` with `MONOTONIC_USEC=`: a configuration reload has begun; send ``ready(status:)`` when done.
    ///
    /// systemd 253 and later require the CLOCK_MONOTONIC timestamp (in µs) with `RELOADING=1` for
    /// `Type=notify-reload`, to tell this reload from an earlier one; older versions ignore the field.
    public static func reloading(monotonicMicroseconds: UInt64) -> NotifyMessage {
        NotifyMessage(text: "RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds)")
    }

    /// `STOPPING=1`: graceful shutdown has begun.
    public static let stopping = NotifyMessage(text: "STOPPING=1")

    /// `STATUS=<line>` and `ERRNO=<n>`: the service is failing for the reason given; systemd records the errno.
    public static func fatal(status: String, errno: Errno) -> NotifyMessage {
        NotifyMessage(text: "STATUS=" + singleLine(status) + "\nERRNO=\(errno.rawValue)")
    }

    /// Replaces line breaks (and NUL, which would end the C string early) with spaces.
    static func singleLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isBreak) else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.map { isBreak($0) ? " " : $0 })
        return String(scalars)
    }

    private static func isBreak(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\n" || scalar == "\r" || scalar == "\0"
    }
}
