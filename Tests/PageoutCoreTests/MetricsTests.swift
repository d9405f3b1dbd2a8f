import PageoutCore
import Testing

@Suite("Prometheus metrics")
struct MetricsTests {
    /// A status with one active region, one paused one whose name needs escaping, and a machine-wide guard.
    static var status: DaemonStatus {
        var vm1 = RegionStatus(name: "vm1", pid: 4242, phase: .active)
        vm1.sizeBytes = 1 << 30
        vm1.swappedBytes = 512 << 20
        vm1.pagedOutBytes = 600 << 20
        vm1.refaultPages = 17
        vm1.windowsOpened = 3
        vm1.windowsClosed = 2
        vm1.windowsExpired = 1
        vm1.scans = 99
        var odd = RegionStatus(name: "a \"q\" \\ b\nc", phase: .paused, reason: "paused by an operator")
        odd.coldBytes = 4096
        var gone = RegionStatus(name: "old", phase: .gone)
        gone.scans = 5
        var status = DaemonStatus()
        status.regions = [vm1, odd, gone]
        status.guardReason = "free swap 1 GiB is below min_free_swap 2 GiB"
        status.scans = 120
        return status
    }

    @Test("daemon-wide samples come first, each family with HELP and TYPE")
    func daemonWide() {
        let text = PrometheusMetrics.text(Self.status)
        #expect(text.hasPrefix("""
            # HELP pageoutd_scans_total Completed scan rounds since the daemon started.
            # TYPE pageoutd_scans_total counter
            pageoutd_scans_total 120
            # HELP pageoutd_pageout_held 1 when a machine-wide guard (swap, pressure) holds pageout back.
            # TYPE pageoutd_pageout_held gauge
            pageoutd_pageout_held 1
            # HELP pageoutd_dry_run 1 when the daemon plans pageout but never carries it out.
            # TYPE pageoutd_dry_run gauge
            pageoutd_dry_run 0

            """))
        #expect(text.hasSuffix("\n") && !text.hasSuffix("\n\n"))
    }

    @Test("per-region samples carry region as their only label, in bytes and _total counters")
    func perRegion() {
        let lines = Set(PrometheusMetrics.text(Self.status).split(separator: "\n").map(String.init))
        for expected in [
            "# TYPE pageoutd_region_size_bytes gauge",
            "pageoutd_region_size_bytes{region=\"vm1\"} 1073741824",
            "pageoutd_region_swapped_bytes{region=\"vm1\"} 536870912",
            "# TYPE pageoutd_region_paged_out_bytes_total counter",
            "pageoutd_region_paged_out_bytes_total{region=\"vm1\"} 629145600",
            "pageoutd_region_refaults_total{region=\"vm1\"} 17",
            "pageoutd_region_scan_windows_opened_total{region=\"vm1\"} 3",
            "pageoutd_region_scan_windows_closed_total{region=\"vm1\"} 2",
            "pageoutd_region_scan_windows_expired_total{region=\"vm1\"} 1",
            "pageoutd_region_scans_total{region=\"vm1\"} 99",
            "pageoutd_region_up{region=\"vm1\"} 1",
            "pageoutd_region_paused{region=\"vm1\"} 0",
            "pageoutd_region_up{region=\"old\"} 0",
            "pageoutd_region_scans_total{region=\"old\"} 5",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        let samples = lines.filter { !$0.hasPrefix("#") }
        #expect(samples.allSatisfy { !$0.contains("{") || $0.contains("{region=\"") && !$0.contains(",") })
        #expect(samples.allSatisfy { $0.hasPrefix("pageoutd_") })
    }

    @Test("label values escape backslash, double quote and newline")
    func escaping() {
        let text = PrometheusMetrics.text(Self.status)
        #expect(text.contains(#"pageoutd_region_cold_bytes{region="a \"q\" \\ b\nc"} 4096"# + "\n"))
        #expect(text.contains(#"pageoutd_region_paused{region="a \"q\" \\ b\nc"} 1"# + "\n"))
        #expect(text.contains(#"pageoutd_region_up{region="a \"q\" \\ b\nc"} 1"# + "\n"))
        #expect(PrometheusMetrics.escapedLabelValue("plain-vm_1.x") == "plain-vm_1.x")
        #expect(PrometheusMetrics.escapedLabelValue("\r\n") == "\r\\n")
    }

    @Test("no regions: every family is still declared, with no samples")
    func empty() {
        let text = PrometheusMetrics.text(DaemonStatus())
        #expect(text.contains("# TYPE pageoutd_region_cold_bytes gauge\n# HELP pageoutd_region_paged_out_bytes_total"))
        #expect(text.contains("pageoutd_pageout_held 0\n"))
        #expect(!text.contains("{"))
    }
}
