import ArgumentParser

/// `pageout-guestsim`: the stand-in VMM (`guest`, the default, so `pageout-guestsim --size 64MiB ...` runs it) and
/// a stand-in vhost-user backend that maps a running guest's memory (`backend`).
@main
struct GuestSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pageout-guestsim",
        abstract: "A stand-in VMM with memfd guest RAM, and a stand-in vhost-user backend that maps it too.",
        discussion: """
            Without a subcommand it runs `guest`: see `pageout-guestsim help guest` and \
            `pageout-guestsim help backend`.
            """,
        subcommands: [GuestSim.self, Backend.self],
        defaultSubcommand: GuestSim.self
    )
}
