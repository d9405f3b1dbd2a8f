import Logging

/// Where the daemon's log messages go.
public enum LogDestination: String, Sendable, CaseIterable {
    /// journald's native protocol, one structured entry per message (``JournalLogHandler``).
    case journal
    /// Lines on stderr with a syslog priority prefix (``StderrLogHandler``).
    case standardError

    /// ``journal`` when stderr is connected to journald (see ``JournalStream/isConnected(_:environmentValue:)``),
    /// else ``standardError``: a terminal, a pipe, a file, or a container runtime that collects stderr.
    public static func detect() -> LogDestination {
        JournalStream.isConnected() ? .journal : .standardError
    }
}

/// Chooses and installs the daemon's log handler.
///
/// `LoggingSystem.bootstrap` may run only once per process, so only the executable calls
/// ``bootstrap(level:destination:)``; tests and tools build handlers with ``makeHandler(label:level:destination:)``
/// or the handlers' initialisers.
public enum LoggingSetup {
    /// A handler for the logger `label` that emits `level` and above, writing to `destination`.
    public static func makeHandler(
        label: String,
        level: Logger.Level,
        destination: LogDestination
    ) -> any LogHandler {
        switch destination {
        case .journal: JournalLogHandler(label: label, logLevel: level)
        case .standardError: StderrLogHandler(label: label, logLevel: level)
        }
    }

    /// Installs handlers for every logger of the process: `level` and above, to `destination` (detected from
    /// the environment by default). Call once, early in `main`.
    public static func bootstrap(level: Logger.Level, destination: LogDestination = .detect()) {
        LoggingSystem.bootstrap { label in
            makeHandler(label: label, level: level, destination: destination)
        }
    }
}
