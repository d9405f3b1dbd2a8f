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

    @Test func withABackendTheDemoShowsItsPagesHeldThenPagedOutWhenItExits() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap()
        let run = try Self.runDemo(["--size", "256MiB", "--hot-percent", "20", "--backend-share", "25%",
                                    "--duration", "2m"])
        print(run.output)
        #expect(run.status == 0)
        #expect(run.output.contains("Converged after"))
        let lines = run.output.split(separator: "\n").map(String.init)
        let held = lines.first { $0.contains("held by the backend:") } ?? ""
        let heldMiB = Self.mebibytes(in: held)
        // A quarter of the 204 MiB of cold memory is 51 MiB; the last few pages may not have been looked at yet.
        #expect(heldMiB.count == 1 && (48...51).contains(heldMiB[0]), "\(held)")
        let exit = lines.first { $0.contains("the backend exits:") } ?? ""
        let figures = Self.mebibytes(in: exit)
        #expect(figures.count == 3 && Double(figures[0]) >= 0.95 * Double(figures[1]) && figures[2] == 0, "\(exit)")
        let refused = try Self.runDemo(["--backend-share", "0%"])
        #expect(refused.status != 0 && refused.output.contains(#""0%" is not a percentage of 1-100"#))
    }

    /// The numbers written before " MiB" in `line`, in order.
    static func mebibytes(in line: String) -> [Int] {
        let words = line.split(separator: " ")
        return words.indices.dropLast().compactMap { words[$0 + 1].hasPrefix("MiB") ? Int(words[$0]) : nil }
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
