import ArgumentParser

/// `pageoutd`: pages out cold shmem guest memory of VMMs, and repairs what memory scanners fault back in.
@main
struct Pageoutd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pageoutd",
        abstract: "Pages out cold shared-memory guest RAM of VMMs into swap, and keeps it there.",
        discussion: """
            Runs as a systemd service (Type=notify). Reads its configuration from --config \
            (default \(RunCommand.defaultConfigPath), or the built-in default when that file does not exist). \
            SIGHUP reloads the configuration; SIGTERM stops after the scan in progress.
            """,
        subcommands: [RunCommand.self, DemoCommand.self],
        defaultSubcommand: RunCommand.self)
}
