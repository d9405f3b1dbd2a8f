import Foundation
import Glibc
import PageoutLinux
import PageoutTestSupport
import Testing

/// The metrics of a real daemon, fetched with `pageoutctl metrics` and read from the textfile, parsed by the
/// python `prometheus_client` parser, an implementation of the exposition format none of us wrote.
@Suite struct DaemonMetricsTests {
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
    static func expectRegionMetrics(_ families: [String: PrometheusText.Family], guestSize: Double) {
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
            ("pageoutd_region_auto_windows_opened", "counter"), ("pageoutd_region_auto_windows_closed", "counter"),
            ("pageoutd_region_windows_open", "gauge"), ("pageoutd_region_window_peak_resident_bytes", "gauge"),
            ("pageoutd_region_state_bytes", "gauge"), ("pageoutd_region_prefetched_bytes", "counter"),
            ("pageoutd_region_prefetch_hit_bytes", "counter"), ("pageoutd_region_prefetch_waiting_bytes", "gauge"),
            ("pageoutd_region_prefetch_dropped_bytes", "counter"),
            ("pageoutd_region_prefetch_reach_pages", "gauge"), ("pageoutd_region_prefetch_gap_reach_pages", "gauge"),
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
        var families: [String: PrometheusText.Family] = [:]
        let deadline = Date().addingTimeInterval(Eventually.defaultTimeout)
        repeat {
            usleep(200_000)
            guard UnixSocket.isListening(at: daemon.socketPath) else { continue }
            families = try PrometheusText.parse(try Self.pageoutctlMetrics(socket: daemon.socketPath))
        } while families["pageoutd_region_up"]?.samples.first?.value != 1 && Date() < deadline
        Self.expectRegionMetrics(families, guestSize: Double(16 << 20))

        // The textfile: written after every round, parsed the same, and no temporary file left beside it.
        var fromFile: [String: PrometheusText.Family] = [:]
        // The file follows the status by a moment: poll for a round that scanned vm1 there too (the file is read
        // after each wait, so a wait that ends past the deadline still reads it once more).
        while true {
            if let written = try? String(contentsOfFile: textfile, encoding: .utf8) {
                fromFile = try PrometheusText.parse(written)
            }
            if fromFile["pageoutd_region_up"]?.samples.first?.value == 1 || Date() >= deadline { break }
            usleep(100_000)
        }
        Self.expectRegionMetrics(fromFile, guestSize: Double(16 << 20))
        #expect(!FileManager.default.fileExists(atPath: textfile + ".tmp"))
        var info = stat()
        #expect(stat(textfile, &info) == 0 && info.st_mode & 0o777 == 0o644)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}
