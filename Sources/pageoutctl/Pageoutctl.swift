import ArgumentParser
import Foundation
import PageoutControl

/// `pageoutctl [--socket PATH] [--json] COMMAND`: queries and steers pageoutd over its varlink control socket.
struct Pageoutctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pageoutctl",
        abstract: "Query and steer pageoutd over its control socket.",
        discussion: """
            Talks varlink (interface \(ControlInterface.name)) to the daemon's socket: --socket, else \
            $\(socketVariable), else \(defaultSocket). Sizes are human-readable in tables and exact byte counts \
            with --json. Exit status: 0 done, 1 the daemon returned an error, 2 usage, 3 cannot connect.
            """,
        subcommands: [
            StatusCommand.self, RegionsCommand.self, HeatmapCommand.self, MetricsCommand.self, RegisterCommand.self,
            UnregisterCommand.self, PauseCommand.self, ResumeCommand.self, PageoutCommand.self, ReloadCommand.self,
            WatchCommand.self, ScanBeginCommand.self, ScanEndCommand.self, ScanWrapCommand.self,
        ])

    /// The daemon's socket when neither --socket nor the environment names one.
    static let defaultSocket = "/run/pageoutd/pageoutd.sock"
    /// The environment variable naming the socket.
    static let socketVariable = "PAGEOUTD_SOCKET"

    @Option(name: .long, help: ArgumentHelp("The daemon's control socket.", valueName: "PATH"))
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's replies as JSON (sorted keys, exact byte counts).")
    var json = false

    @Option(name: .long, help: ArgumentHelp("How long to wait for the daemon's reply.", valueName: "SECONDS"))
    var timeout: Double = 30

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number") }
    }

    func run() throws {
        throw ValidationError("a command is required")
    }

    /// The socket to use: --socket, else $PAGEOUTD_SOCKET, else the default.
    var socketPath: String {
        if let socket { return socket }
        if let path = ProcessInfo.processInfo.environment[Self.socketVariable], !path.isEmpty { return path }
        return Self.defaultSocket
    }

    /// A connection to the daemon with these options.
    func session() throws(CommandFailure) -> Session {
        try Session(path: socketPath, json: json, timeout: .milliseconds(Int64(timeout * 1000)))
    }
}
