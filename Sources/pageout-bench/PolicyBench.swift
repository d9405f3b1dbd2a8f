import ArgumentParser
import Foundation
import PageoutMeasure

/// `pageout-bench policy`: how well a pageout policy does on a realistic guest, against no pageout and the naive
/// whole-region pageout, measured in the same run.
struct PolicyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Runs a realistic guest with no pageout, a naive whole-region pageout and pageoutd: one table.",
        discussion: PolicyBenchHelp.discussion)

    @Option(help: "Guest RAM size (B, KiB, MiB, GiB, TiB).")
    var size = "1GiB"

    @Option(help: "Percentage (1-100) of the data pages in the working set.")
    var workingSetPercent = 40

    @Option(help: "The size of the working set's runs, scattered through guest RAM.")
    var runSize = "64KiB"

    @Option(help: "The exponent s of the pages' popularity 1/rank^s.")
    var zipf = 0.99

    @Option(help: "Guest accesses per second (open loop).")
    var accessRate = 50_000

    @Option(help: "Seconds between working-set moves, 0 for never.")
    var moveEvery = 120

    @Option(help: "Seconds each run lasts.")
    var duration = 240

    @Option(help: "Seconds: pageoutd's cold_age and the naive loop's period.")
    var coldAge = 20

    @Option(help: ArgumentHelp("Run only this one: none, naive, pageoutd or pageoutd-no-prefetch (pageoutd with "
                               + "prefetch = false) (repeat for several; default: none, naive and pageoutd)."))
    var only: [PolicyVariant] = []

    @Option(help: "Keep the guests' LOAD lines, the pagers' logs and the daemon's files in this directory.")
    var keepOutput: String?

    func validate() throws {
        let checks: [(Bool, String)] = [
            ((1...100).contains(workingSetPercent), "--working-set-percent \(workingSetPercent) is outside 1...100."),
            (accessRate >= 1, "--access-rate \(accessRate) is below 1."),
            (moveEvery >= 0, "--move-every \(moveEvery) is negative."),
            (duration >= 1, "--duration \(duration) is below 1 second."),
            (coldAge >= 1, "--cold-age \(coldAge) is below 1 second."),
        ]
        if let failed = checks.first(where: { !$0.0 }) { throw ValidationError(failed.1) }
    }

    private var workload: PolicyWorkload {
        PolicyWorkload(size: size, workingSetPercent: workingSetPercent, runSize: runSize, zipf: zipf,
                       accessRate: accessRate, moveEvery: moveEvery, duration: duration, coldAge: coldAge)
    }

    func run() throws {
        let signalSources = ChildRegistry.shared.stopChildrenOnSignals()
        defer { withExtendedLifetime(signalSources) {} }
        let directory = keepOutput
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("pageout-bench-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let variants = only.isEmpty ? PolicyVariant.byDefault : PolicyVariant.allCases.filter { only.contains($0) }
        var runs: [PolicyFigures] = []
        for variant in variants {
            FileHandle.standardError.write(Data("policy: \(variant.rawValue), \(duration) s\n".utf8))
            do {
                runs.append(try PolicyRun(variant: variant, workload: workload, directory: directory).run())
            } catch {
                let message = "pageout-bench policy: the \(variant.rawValue) run failed: \(error)\n"
                    + "the guest's and the pager's output are in \(directory)\n"
                FileHandle.standardError.write(Data(message.utf8))
                throw ExitCode.failure
            }
        }
        print("pageout-bench policy --size \(size) --working-set-percent \(workingSetPercent) --run-size \(runSize) "
              + "--zipf \(zipf) --access-rate \(accessRate) --move-every \(moveEvery) --duration \(duration) "
              + "--cold-age \(coldAge)\n")
        print(PolicyTable.text(runs, workload: workload))
        if keepOutput == nil { try? FileManager.default.removeItem(atPath: directory) }
    }
}

extension PolicyVariant: ExpressibleByArgument {}
