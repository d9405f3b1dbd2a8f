import Foundation
import PageoutTestSupport
import Testing

/// `pageoutd demo`, the newcomer's first command, as a person would run it (output to a pipe: plain lines).
@Suite struct DemoTests {
    static func runDemo(_ arguments: [String], launcher: [String] = []) throws -> (status: Int32, output: String) {
        try runToEnd(launcher + [BuildProducts.url(of: "pageoutd").path, "demo"] + arguments)
    }

    @Test func theDemoConvergesSummarisesAndRepairsAScan() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let run = try Self.runDemo(["--size", "256MiB", "--hot-percent", "20", "--duration", "2m"])
        print(run.output)
        #expect(run.status == 0)
        #expect(run.output.contains("Converged after"))
        #expect(run.output.contains("cold memory in swap:"))
        #expect(run.output.contains("in swap again"))
        #expect(!run.output.contains("\u{1B}["), "no terminal control codes when stdout is not a terminal")
    }

    @Test func theDurationTakesTheConfigSyntaxAndARefusalNamesTheValue() throws {
        let run = try Self.runDemo(["--duration", "2d"])
        #expect(run.status != 0)
        #expect(run.output.contains(#""2d" has an unknown unit "d" (use ms, s, m or h)"#), "\(run.output)")
        #expect(!run.output.contains("pageoutd demo: a simulated VM"), "refused before the guest starts")
    }

    @Test func withoutRootTheDemoSaysWhatIsMissingAndTheFix() throws {
        try HostRequirements.requireRoot()
        let run = try Self.runDemo([], launcher: ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"])
        #expect(run.status != 0)
        #expect(run.output.contains("needs root") && run.output.contains("scripts/demo.sh"), "\(run.output)")
    }
}
