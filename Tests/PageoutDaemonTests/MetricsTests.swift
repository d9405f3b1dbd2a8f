import PageoutCore
@testable import PageoutDaemon
import PageoutTestSupport
import Testing

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
        let families = try PrometheusText.parse(publisher.text)
        #expect(families["pageoutd_region_paged_out_bytes"]?.samples.map(\.value) == [4096])
    }
}
