/// The daemon's status as Prometheus metrics, in the text exposition format 0.0.4.
///
/// Names carry the `pageoutd_` prefix and base units (bytes; refaults count pages), counters end in `_total`, and
/// `region` is the only label. The counters are the status's own since-registration totals, so a region that is
/// unregistered and registered again starts from zero, which Prometheus reads as a counter reset.
///
/// The text is a pure function of the status: the control socket (GetMetrics) and the node_exporter textfile
/// render the same status the same way.
public enum PrometheusMetrics {
    /// The `Content-Type` of the text: the exposition format's version 0.0.4.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// A metric's type, as the `# TYPE` line names it.
    enum Kind: String, Sendable {
        case gauge
        case counter
    }

    /// A per-region metric: its name after `pageoutd_region_`, type, help text and value.
    struct RegionFamily: Sendable {
        var name: String
        var kind: Kind
        var help: String
        var value: @Sendable (RegionStatus) -> UInt64
    }

    /// The per-region metrics, in the order they are rendered.
    static let regionFamilies: [RegionFamily] = [
        RegionFamily(name: "up", kind: .gauge, help: "1 when the region is scanned (active or paused), 0 otherwise.",
                     value: { $0.phase == .active || $0.phase == .paused ? 1 : 0 }),
        RegionFamily(name: "paused", kind: .gauge, help: "1 when an operator holds pageout back for the region.",
                     value: { $0.phase == .paused ? 1 : 0 }),
        RegionFamily(name: "size_bytes", kind: .gauge, help: "Size of the region's guest memory.",
                     value: \.sizeBytes),
        RegionFamily(name: "mapped_bytes", kind: .gauge, help: "Bytes of the region mapped in its VMM.",
                     value: \.mappedBytes),
        RegionFamily(name: "swapped_bytes", kind: .gauge, help: "Bytes of the region in swap.",
                     value: \.swappedBytes),
        RegionFamily(name: "hole_bytes", kind: .gauge, help: "Bytes of the region never written.",
                     value: \.holeBytes),
        RegionFamily(name: "skewed_bytes", kind: .gauge,
                     help: "Bytes resident but not mapped in the VMM (read by another process).",
                     value: \.skewedBytes),
        RegionFamily(name: "hot_bytes", kind: .gauge, help: "Mapped bytes in blocks used within cold_age.",
                     value: \.hotBytes),
        RegionFamily(name: "warm_bytes", kind: .gauge, help: "Mapped bytes neither hot nor cold.",
                     value: \.warmBytes),
        RegionFamily(name: "cold_bytes", kind: .gauge, help: "Mapped bytes eligible for pageout.",
                     value: \.coldBytes),
        RegionFamily(name: "paged_out_bytes_total", kind: .counter,
                     help: "Bytes handed to MADV_PAGEOUT since the region was registered.",
                     value: \.pagedOutBytes),
        RegionFamily(name: "refaults_total", kind: .counter,
                     help: "Pages that came back after a pageout since the region was registered.",
                     value: \.refaultPages),
        RegionFamily(name: "repaired_bytes_total", kind: .counter,
                     help: "Bytes read back by other processes and put into swap again since registration.",
                     value: \.repairedBytes),
        RegionFamily(name: "scan_windows_opened_total", kind: .counter,
                     help: "Scan windows opened (BeginScan) since the region was registered.",
                     value: \.windowsOpened),
        RegionFamily(name: "scan_windows_closed_total", kind: .counter,
                     help: "Scan windows ended by EndScan since the region was registered.",
                     value: \.windowsClosed),
        RegionFamily(name: "scan_windows_expired_total", kind: .counter,
                     help: "Scan windows dropped for staying open too long since the region was registered.",
                     value: \.windowsExpired),
        RegionFamily(name: "window_repaired_bytes_total", kind: .counter,
                     help: "Bytes scan windows put out of memory again at EndScan since registration.",
                     value: \.windowRepairedBytes),
        RegionFamily(name: "scans_total", kind: .counter, help: "Scans of the region since it was registered.",
                     value: \.scans),
    ]

    /// `status` in the text exposition format: `# HELP` and `# TYPE` lines before each family's samples, one
    /// sample per region, and a newline at the end.
    public static func text(_ status: DaemonStatus) -> String {
        var text = ""
        func family(_ name: String, _ kind: Kind, _ help: String) {
            text += "# HELP \(name) \(escapedHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        }
        family("pageoutd_scans_total", .counter, "Completed scan rounds since the daemon started.")
        text += "pageoutd_scans_total \(status.scans)\n"
        family("pageoutd_pageout_held", .gauge, "1 when a machine-wide guard (swap, pressure) holds pageout back.")
        text += "pageoutd_pageout_held \(status.guardReason == nil ? 0 : 1)\n"
        family("pageoutd_dry_run", .gauge, "1 when the daemon plans pageout but never carries it out.")
        text += "pageoutd_dry_run \(status.dryRun ? 1 : 0)\n"
        for metric in regionFamilies {
            let name = "pageoutd_region_" + metric.name
            family(name, metric.kind, metric.help)
            for region in status.regions {
                text += "\(name){region=\"\(escapedLabelValue(region.name))\"} \(metric.value(region))\n"
            }
        }
        return text
    }

    /// `value` as a label value: backslash, double quote and line feed escaped, as the format requires.
    public static func escapedLabelValue(_ value: String) -> String {
        var escaped = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// `help` as `# HELP` text: backslash and line feed escaped (a double quote stays as it is there).
    static func escapedHelp(_ help: String) -> String {
        var escaped = ""
        for character in help.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
