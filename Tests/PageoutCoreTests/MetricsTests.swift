import Foundation
import PageoutCore
import Testing

@Suite("Prometheus metric families")
struct MetricFamiliesTests {
    @Test("names: pageoutd_ prefix, unique, counters and only counters end in _total, sizes in bytes")
    func names() {
        let declarations = MetricFamilies.declarations
        #expect(Set(declarations.map(\.name)).count == declarations.count)
        for declaration in declarations {
            #expect(declaration.name.hasPrefix("pageoutd_"))
            #expect(declaration.name.hasSuffix("_total") == (declaration.kind == .counter), "\(declaration.name)")
            #expect(!declaration.help.isEmpty)
        }
        #expect(MetricFamilies.region.allSatisfy { $0.name.hasPrefix("pageoutd_region_") })
        #expect(MetricFamilies.daemon.allSatisfy { !$0.name.hasPrefix("pageoutd_region_") })
    }

    @Test("values come from the status")
    func values() {
        var vm1 = RegionStatus(name: "vm1", pid: 4242, phase: .paused)
        vm1.sizeBytes = 1 << 30
        vm1.refaultPages = 17
        var status = DaemonStatus()
        status.guardReason = "no active swap"
        status.scans = 120
        func value(_ name: String) -> UInt64? {
            MetricFamilies.region.first { $0.name == name }?.value(vm1)
                ?? MetricFamilies.daemon.first { $0.name == name }?.value(status)
        }
        #expect(value("pageoutd_region_size_bytes") == 1 << 30)
        #expect(value("pageoutd_region_refaults_total") == 17)
        #expect(value("pageoutd_region_up") == 1)
        #expect(value("pageoutd_region_paused") == 1)
        #expect(value("pageoutd_scans_total") == 120)
        #expect(value("pageoutd_pageout_held") == 1)
        #expect(value("pageoutd_dry_run") == 0)
    }

    /// Text as a registry emits it: families in any order, no help, samples unsorted.
    static let emitted = """
        # TYPE pageoutd_region_size_bytes gauge
        pageoutd_region_size_bytes{region="vm2"} 2048.0
        pageoutd_region_size_bytes{region="vm1"} 1024.0
        # TYPE pageoutd_scans_total counter
        pageoutd_scans_total 7
        # TYPE other_metric gauge
        other_metric 1.0

        """

    @Test("documented: declared order, HELP before TYPE, samples sorted, every family declared")
    func documented() {
        let text = MetricFamilies.documented(Self.emitted)
        #expect(text.hasPrefix("""
            # HELP pageoutd_scans_total Completed scan rounds since the daemon started.
            # TYPE pageoutd_scans_total counter
            pageoutd_scans_total 7
            # HELP pageoutd_pageout_held 1 when a machine-wide guard (swap, pressure) holds pageout back.
            # TYPE pageoutd_pageout_held gauge
            # HELP pageoutd_dry_run
            """))
        #expect(text.contains("""
            # TYPE pageoutd_region_size_bytes gauge
            pageoutd_region_size_bytes{region="vm1"} 1024.0
            pageoutd_region_size_bytes{region="vm2"} 2048.0
            # HELP pageoutd_region_mapped_bytes
            """))
        for declaration in MetricFamilies.declarations {
            #expect(text.contains("\n# TYPE \(declaration.name) \(declaration.kind.rawValue)\n")
                    || text.hasPrefix("# HELP \(declaration.name) "))
        }
        // What the table does not know is kept, after the declared families.
        #expect(text.hasSuffix("# TYPE other_metric gauge\nother_metric 1.0\n"))
    }

    @Test("documented: nothing emitted still declares every family, with no samples")
    func documentedEmpty() {
        let text = MetricFamilies.documented("")
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2 * MetricFamilies.declarations.count)
        #expect(lines.allSatisfy { $0.hasPrefix("# HELP ") || $0.hasPrefix("# TYPE ") })
    }

    @Test("documented: a registry's own HELP lines give way to the declared ones")
    func documentedReplacesHelp() {
        let emitted = "# HELP pageoutd_scans_total old text\n# TYPE pageoutd_scans_total counter\n"
        let text = MetricFamilies.documented(emitted)
        #expect(!text.contains("old text"))
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("# HELP pageoutd_scans_total ") }.count == 1)
    }

    @Test("the README's metrics table lists every family with its type, and nothing else")
    func readmeTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").compactMap { line -> String? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            guard cells.count >= 2, cells[0].hasPrefix("`pageoutd_") else { return nil }
            return "\(cells[0].dropFirst().dropLast()) \(cells[1])"
        }
        #expect(rows == MetricFamilies.declarations.map { "\($0.name) \($0.kind.rawValue)" })
    }
}
