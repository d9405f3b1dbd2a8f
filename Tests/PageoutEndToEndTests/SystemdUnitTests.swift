import Foundation
import PageoutTestSupport
import Testing

/// The shipped units: `systemd-analyze verify` accepts them, and the service's exposure is at most 2.5.
@Suite struct SystemdUnitTests {
    static let unitDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("systemd")

    /// The units copied to a temporary directory, ExecStart and ExecReload pointing at the binaries just built.
    static func stagedUnits() throws -> (service: String, socket: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let binary = BuildProducts.url(of: "pageoutd").path
        let service = try String(contentsOf: unitDirectory.appendingPathComponent("pageoutd.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/pageoutd ", with: binary + " ")
            .replacingOccurrences(of: "/usr/local/bin/pageoutctl ", with: BuildProducts.url(of: "pageoutctl").path + " ")
        let socket = try String(contentsOf: unitDirectory.appendingPathComponent("pageoutd.socket"), encoding: .utf8)
        let servicePath = directory.appendingPathComponent("pageoutd.service").path
        let socketPath = directory.appendingPathComponent("pageoutd.socket").path
        try service.write(toFile: servicePath, atomically: true, encoding: .utf8)
        try socket.write(toFile: socketPath, atomically: true, encoding: .utf8)
        return (servicePath, socketPath)
    }

    static func analyze(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runToEnd(["systemd-analyze"] + arguments)
    }

    @Test func verifyAcceptsBothUnits() throws {
        let units = try Self.stagedUnits()
        // The man pages named in Documentation= are installed by `make install`, not present in a build tree.
        let result = try Self.analyze(["verify", "--man=no", units.socket, units.service])
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("Unknown"), "\(result.output)")
    }

    @Test func serviceExposureIsAtMost2point5() throws {
        let units = try Self.stagedUnits()
        let result = try Self.analyze(["security", "--offline=yes", units.service])
        let line = result.output.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        let figure = line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
        print("systemd-analyze security: \(line)")
        let exposure = try #require(figure, "no exposure figure in: \(result.output.suffix(300))")
        #expect(exposure <= 2.5)
    }

    @Test func capabilitiesAreExactlyTheNeededSet() throws {
        let service = try String(contentsOf: Self.unitDirectory.appendingPathComponent("pageoutd.service"),
                                 encoding: .utf8)
        let expected = "CAP_SYS_PTRACE CAP_SYS_NICE CAP_DAC_READ_SEARCH CAP_CHECKPOINT_RESTORE CAP_FOWNER"
        #expect(service.contains("\nCapabilityBoundingSet=\(expected)\n"))
        #expect(service.contains("\nAmbientCapabilities=\(expected)\n"))
    }
}
