import ArgumentParser

/// `pageout-bench`: benchmarks that report against baselines measured in the same run: raw kernel reads for the
/// kernel paths, no pageout and a naive pageout for the policy.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pageout-bench",
        abstract: "Benchmarks of pageoutd's kernel paths and policy, against baselines measured in the same run.",
        discussion: """
            Run as root with swap enabled (scripts/setup-host.sh). Each benchmark starts its own \
            pageout-guestsim (found next to this executable), measures, and checks its result is correct.
            """,
        subcommands: [SnapshotBench.self, ScanLoop.self, PolicyBench.self, ScaleBench.self, BitmapBench.self,
                      NaivePageout.self])
}
