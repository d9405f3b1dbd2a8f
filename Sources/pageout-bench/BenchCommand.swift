import ArgumentParser

/// `pageout-bench`: benchmarks that report ratios against raw kernel baselines measured in the same run.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pageout-bench",
        abstract: "Benchmarks of pageoutd's kernel paths, as ratios against raw kernel baselines of the same run.",
        discussion: """
            Run as root with swap enabled (scripts/setup-host.sh). Each benchmark starts its own \
            pageout-guestsim (found next to this executable), measures, and checks its result is correct.
            """,
        subcommands: [SnapshotBench.self, ScanLoop.self])
}
