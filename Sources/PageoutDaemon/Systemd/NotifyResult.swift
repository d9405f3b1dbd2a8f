import SystemPackage

/// What became of one sd_notify message.
///
/// Not being run by systemd is normal (a developer's shell, `pageoutd demo`), so it is a result, not an error.
/// A failure is worth a log line ("..., ignoring") but never stops the daemon.
public enum NotifyResult: Sendable, Equatable {
    /// The datagram went to the service manager's socket (`sd_notify` returned a positive value).
    case sent
    /// `NOTIFY_SOCKET` is not set: the process does not run under a `Type=notify` unit. Nothing was sent.
    case notConfigured
    /// `NOTIFY_SOCKET` is set but sending failed, e.g. `ECONNREFUSED` or `ENOENT` when the socket is gone.
    case failed(Errno)

    /// Whether the message reached the socket.
    public var wasSent: Bool { self == .sent }

    /// Interprets a return value of libsystemd's `sd_notify` family: > 0 sent, 0 no socket, < 0 `-errno`.
    init(returnValue: Int32) {
        if returnValue > 0 {
            self = .sent
        } else if returnValue == 0 {
            self = .notConfigured
        } else {
            self = .failed(Errno(rawValue: -returnValue))
        }
    }
}
