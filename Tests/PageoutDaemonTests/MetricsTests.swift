import Foundation
import Glibc
import PageoutCore
@testable import PageoutDaemon
import PageoutTestSupport
import Testing

/// The metrics of a real daemon, fetched with `pageoutctl metrics` and read from the textfile, parsed by the
/// python `prometheus_client` parser, an implementation of the exposition format none of us wrote.
@Suite struct DaemonMetricsTests {
    /// One family as the parser read it.
    struct Family: Decodable {
        var type: String
        var help: String
        var samples: [Sample]
    }

    /// One sample as the parser read it.
    struct Sample: Decodable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// The families the parser reads from the Prometheus text `text`, by name (a counter's without `_total`).
    static func parsed(_ text: String) throws -> [String: Family] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/prometheus_check.py").path
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).prom")
        try text.write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let (status, output) = try runToEnd(["python3", script, input.path])
        try #require(status == 0, "prometheus_client rejected the text: \(output)\n\(text)")
        struct Result: Decodable { var families: [String: Family] }
        return try JSONDecoder().decode(Result.self, from: Data(output.utf8)).families
    }

    /// `pageoutctl --socket SOCKET metrics`: its stdout.
    static func pageoutctlMetrics(socket: String) throws -> String {
        let process = Process()
        process.executableURL = BuildProducts.url(of: "pageoutctl")
        process.arguments = ["--socket", socket, "metrics"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "pageoutctl metrics failed: \(text)")
        return text
    }

    /// Checks the families and the region label of a daemon's metrics with one region, vm1.
    static func expectRegionMetrics(_ families: [String: Family], guestSize: Double) {
        for (name, type) in [
            ("pageoutd_scans", "counter"), ("pageoutd_pageout_held", "gauge"), ("pageoutd_dry_run", "gauge"),
            ("pageoutd_region_up", "gauge"), ("pageoutd_region_paused", "gauge"),
            ("pageoutd_region_size_bytes", "gauge"), ("pageoutd_region_mapped_bytes", "gauge"),
            ("pageoutd_region_swapped_bytes", "gauge"), ("pageoutd_region_hole_bytes", "gauge"),
            ("pageoutd_region_skewed_bytes", "gauge"), ("pageoutd_region_hot_bytes", "gauge"),
            ("pageoutd_region_warm_bytes", "gauge"), ("pageoutd_region_cold_bytes", "gauge"),
            ("pageoutd_region_paged_out_bytes", "counter"), ("pageoutd_region_refaults", "counter"),
            ("pageoutd_region_repaired_bytes", "counter"), ("pageoutd_region_scan_windows_opened", "counter"),
            ("pageoutd_region_scan_windows_closed", "counter"), ("pageoutd_region_scan_windows_expired", "counter"),
            ("pageoutd_region_window_repaired_bytes", "counter"), ("pageoutd_region_scans", "counter"),
        ] {
            #expect(families[name]?.type == type, "\(name) is a \(type): \(String(describing: families[name]))")
            #expect(families[name]?.help.isEmpty == false, "\(name) has help")
        }
        for (name, family) in families {
            #expect(name.hasPrefix("pageoutd_"))
            for sample in family.samples {
                let expected = name.hasPrefix("pageoutd_region_") ? ["region"] : []
                #expect(Array(sample.labels.keys) == expected, "\(sample.name): \(sample.labels)")
                if family.type == "counter" { #expect(sample.name == name + "_total") }
            }
        }
        let size = families["pageoutd_region_size_bytes"]?.samples ?? []
        #expect(size.count == 1 && size.first?.labels["region"] == "vm1" && size.first?.value == guestSize,
                "\(size)")
        #expect(families["pageoutd_region_up"]?.samples.first?.value == 1)
        #expect((families["pageoutd_scans"]?.samples.first?.value ?? 0) >= 1)
    }

    @Test func pageoutctlMetricsParsesWithPrometheusClient() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "10"])
        let textfile = FileManager.default.temporaryDirectory
            .appendingPathComponent("pageoutd-metrics-\(UUID().uuidString).prom").path
        defer { try? FileManager.default.removeItem(atPath: textfile) }
        let config = """
            [daemon]
            scan_interval = "300ms"
            metrics_textfile = "\(textfile)"
            [[region]]
            name = "vm1"
            pid = \(guest.pid)
            memfd = "\(guest.memfd)"
            """
        let daemon = try DaemonProcess(config: config)
        // Wait for a round that scanned vm1: its size is known then.
        var families: [String: Family] = [:]
        let deadline = Date().addingTimeInterval(30)
        repeat {
            usleep(200_000)
            guard FileManager.default.fileExists(atPath: daemon.socketPath) else { continue }
            families = try Self.parsed(try Self.pageoutctlMetrics(socket: daemon.socketPath))
        } while families["pageoutd_region_up"]?.samples.first?.value != 1 && Date() < deadline
        Self.expectRegionMetrics(families, guestSize: Double(16 << 20))

        // The textfile: written after every round, parsed the same, and no temporary file left beside it.
        var fromFile: [String: Family] = [:]
        repeat {
            // The file follows the status by a moment: poll for a round that scanned vm1 there too.
            if let written = try? String(contentsOfFile: textfile, encoding: .utf8) {
                fromFile = try Self.parsed(written)
            }
            if fromFile["pageoutd_region_up"]?.samples.first?.value == 1 { break }
            usleep(100_000)
        } while Date() < deadline
        Self.expectRegionMetrics(fromFile, guestSize: Double(16 << 20))
        #expect(!FileManager.default.fileExists(atPath: textfile + ".tmp"))
        var info = stat()
        #expect(stat(textfile, &info) == 0 && info.st_mode & 0o777 == 0o644)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}

/// The publisher alone: swift-metrics instruments into its Prometheus registry, round after round.
@Suite struct MetricsPublisherTests {
    static func region(_ name: String, pagedOut: UInt64, scans: UInt64) -> RegionStatus {
        var region = RegionStatus(name: name, pid: 4242, phase: .active)
        region.sizeBytes = 1 << 30
        region.pagedOutBytes = pagedOut
        region.scans = scans
        return region
    }

    static func status(_ regions: RegionStatus...) -> DaemonStatus {
        var status = DaemonStatus()
        status.regions = regions
        status.scans = regions.map(\.scans).max() ?? 0
        return status
    }

    /// The sample lines of `text`, as a set.
    static func samples(_ text: String) -> Set<String> {
        Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init))
    }

    @Test func countersFollowTheTotalsAndGoneRegionsLoseTheirSeries() throws {
        var publisher = MetricsPublisher()
        publisher.publish(Self.status(Self.region("vm1", pagedOut: 4096, scans: 1),
                                      Self.region("a \"q\" \\ b\nc", pagedOut: 0, scans: 1)))
        publisher.publish(Self.status(Self.region("vm1", pagedOut: 12288, scans: 2),
                                      Self.region("a \"q\" \\ b\nc", pagedOut: 0, scans: 2)))
        var samples = Self.samples(publisher.text)
        for expected in [
            "pageoutd_scans_total 2",
            "pageoutd_region_paged_out_bytes_total{region=\"vm1\"} 12288",
            "pageoutd_region_scans_total{region=\"vm1\"} 2",
            "pageoutd_region_size_bytes{region=\"vm1\"} 1073741824.0",
            "pageoutd_region_up{region=\"vm1\"} 1.0",
            #"pageoutd_region_scans_total{region="a \"q\" \\ b\nc"} 2"#,
        ] {
            #expect(samples.contains(expected), "missing: \(expected)\n\(publisher.text)")
        }
        // vm1 unregistered and registered again: its counters start again from its new totals.
        publisher.publish(Self.status(Self.region("vm1", pagedOut: 4096, scans: 1)))
        samples = Self.samples(publisher.text)
        #expect(samples.contains("pageoutd_region_paged_out_bytes_total{region=\"vm1\"} 4096"), "\(samples)")
        #expect(samples.contains("pageoutd_region_scans_total{region=\"vm1\"} 1"))
        #expect(!samples.contains { $0.contains("region=\"a ") }, "the unregistered region's series are gone")
        // And everything parses with prometheus_client.
        let families = try DaemonMetricsTests.parsed(publisher.text)
        #expect(families["pageoutd_region_paged_out_bytes"]?.samples.map(\.value) == [4096])
    }
}
