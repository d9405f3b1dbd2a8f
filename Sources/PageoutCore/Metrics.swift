/// What pageoutd exports as Prometheus metrics: each family's name, type, help text and value, and the
/// finishing of a registry's text into the exposition format operators read.
///
/// Names carry the `pageoutd_` prefix and base units (bytes; refaults count pages), counters end in `_total`, and
/// `region` is the only label. The counters follow the status's since-registration totals, so a region that is
/// unregistered and registered again starts from zero, which Prometheus reads as a counter reset.
public enum MetricFamilies {
    /// A metric's type, as the `# TYPE` line names it.
    public enum Kind: String, Sendable {
        /// A value that goes up and down: a size at the last scan, or a 0/1 flag.
        case gauge
        /// A total that only grows (until the daemon restarts or the region is registered again).
        case counter
    }

    /// One metric family of a subject (the daemon, or a region): its full name, type, help text and value.
    public struct Family<Subject>: Sendable {
        /// The metric's name, `_total` included for a counter.
        public var name: String
        /// Gauge or counter.
        public var kind: Kind
        /// The `# HELP` text.
        public var help: String
        /// The value for a subject.
        public var value: @Sendable (Subject) -> UInt64

        init(_ name: String, _ kind: Kind, _ help: String, _ value: @escaping @Sendable (Subject) -> UInt64) {
            self.name = name
            self.kind = kind
            self.help = help
            self.value = value
        }
    }

    /// The label that tells regions apart, the only one.
    public static let regionLabel = "region"

    /// The daemon-wide families, unlabelled.
    public static let daemon: [Family<DaemonStatus>] = [
        Family("pageoutd_scans_total", .counter, "Completed scan rounds since the daemon started.", \.scans),
        Family("pageoutd_pageout_held", .gauge, "1 when a machine-wide guard (swap, pressure) holds pageout back.",
               { $0.guardReason == nil ? 0 : 1 }),
        Family("pageoutd_dry_run", .gauge, "1 when the daemon plans pageout but never carries it out.",
               { $0.dryRun ? 1 : 0 }),
        Family("pageoutd_snapshot_cpu_microseconds_total", .counter,
               "CPU time scan rounds spent on snapshots (pagemap and the kernel's counts) since the daemon started.",
               \.snapshotCPUMicroseconds),
        Family("pageoutd_policy_cpu_microseconds_total", .counter,
               "CPU time scan rounds spent on the rest of region scans (policy, status) since the daemon started.",
               \.policyCPUMicroseconds),
        Family("pageoutd_pageout_cpu_microseconds_total", .counter,
               "CPU time scan rounds spent paging out (MADV_PAGEOUT, repair) since the daemon started.",
               \.pageoutCPUMicroseconds),
        Family("pageoutd_scans_deferred_total", .counter,
               "Region scans left for a later round because scans had used their max_cpu.", \.scansDeferred),
    ]

    /// The per-region families, labelled with `region`.
    public static let region: [Family<RegionStatus>] = [
        Family("pageoutd_region_up", .gauge, "1 when the region is scanned (active or paused), 0 otherwise.",
               { $0.phase == .active || $0.phase == .paused ? 1 : 0 }),
        Family("pageoutd_region_paused", .gauge, "1 when an operator holds pageout back for the region.",
               { $0.phase == .paused ? 1 : 0 }),
        Family("pageoutd_region_refused", .gauge,
               "1 when the kernel will not page out the region's memory (mlocked, hugetlbfs): the state says why.",
               { $0.phase == .refused ? 1 : 0 }),
        Family("pageoutd_region_size_bytes", .gauge, "Size of the region's guest memory.", \.sizeBytes),
        Family("pageoutd_region_mapped_bytes", .gauge, "Bytes of the region mapped in its VMM.", \.mappedBytes),
        Family("pageoutd_region_swapped_bytes", .gauge, "Bytes of the region in swap.", \.swappedBytes),
        Family("pageoutd_region_hole_bytes", .gauge, "Bytes of the region never written.", \.holeBytes),
        Family("pageoutd_region_skewed_bytes", .gauge,
               "Bytes resident but not mapped in the VMM (read by another process).", \.skewedBytes),
        Family("pageoutd_region_hot_bytes", .gauge, "Mapped bytes in blocks first used within cold_age.", \.hotBytes),
        Family("pageoutd_region_warm_bytes", .gauge,
               "Mapped bytes held: pages that came back after a pageout, blocks hot throughout.", \.warmBytes),
        Family("pageoutd_region_cold_bytes", .gauge, "Mapped bytes eligible for pageout.", \.coldBytes),
        Family("pageoutd_region_held_by_other_mappers_bytes", .gauge,
               "Bytes another process maps too (a vhost-user backend): the kernel will not page them out.",
               \.heldByOtherMappersBytes),
        Family("pageoutd_region_other_mappers", .gauge,
               "Processes other than the VMM that map the region's memory, as last looked up.",
               \.otherMapperCount),
        Family("pageoutd_region_working_set_bytes", .gauge,
               "Memory the guest needs: hot and warm bytes (in use, or came back after a pageout).",
               \.workingSetBytes),
        Family("pageoutd_region_refault_target_pages_per_minute", .gauge,
               "Refaults per minute the region's controller aims at (refault_target of the working set).",
               \.refaultTargetPerMinute),
        Family("pageoutd_region_refault_rate_pages_per_minute", .gauge,
               "Pages that came back after a pageout in the last minute.", \.refaultRatePerMinute),
        Family("pageoutd_region_hold_min_seconds", .gauge,
               "Shortest hold of pages that came back, as the controller sets it now (min_backoff scaled).",
               \.holdMinSeconds),
        Family("pageoutd_region_hold_max_seconds", .gauge,
               "Longest hold of pages that came back, as the controller sets it now (max_backoff scaled).",
               \.holdMaxSeconds),
        Family("pageoutd_region_paged_out_bytes_total", .counter,
               "Bytes handed to MADV_PAGEOUT since the region was registered.", \.pagedOutBytes),
        Family("pageoutd_region_refaults_total", .counter,
               "Pages that came back after a pageout since the region was registered.", \.refaultPages),
        Family("pageoutd_region_prefetched_bytes_total", .counter,
               "Bytes read into the swap cache next to pages that came back, since registration.", \.prefetchedBytes),
        Family("pageoutd_region_prefetch_hit_bytes_total", .counter,
               "Prefetched bytes the guest used before they expired (minor faults, not major), since registration.",
               \.prefetchHitBytes),
        Family("pageoutd_region_prefetch_waiting_bytes", .gauge,
               "Prefetched bytes waiting in the swap cache for the guest now.", \.prefetchWaitingBytes),
        Family("pageoutd_region_prefetch_dropped_bytes_total", .counter,
               "Prefetched bytes reclaim dropped from the swap cache while they waited, since registration.",
               \.prefetchDroppedBytes),
        Family("pageoutd_region_prefetch_reach_pages", .gauge,
               "Pages on each side of a page that came back that the region's prefetch reads now.",
               \.prefetchReachPages),
        Family("pageoutd_region_prefetch_gap_reach_pages", .gauge,
               "One more than the widest gap between mapped pages, beside a page that came back, the prefetch fills.",
               \.prefetchGapReachPages),
        Family("pageoutd_region_repaired_bytes_total", .counter,
               "Bytes read back by other processes and put into swap again since registration.", \.repairedBytes),
        Family("pageoutd_region_scan_windows_opened_total", .counter,
               "Scan windows opened (BeginScan) since the region was registered.", \.windowsOpened),
        Family("pageoutd_region_scan_windows_closed_total", .counter,
               "Scan windows ended by EndScan since the region was registered.", \.windowsClosed),
        Family("pageoutd_region_scan_windows_expired_total", .counter,
               "Scan windows dropped for staying open too long since the region was registered.", \.windowsExpired),
        Family("pageoutd_region_windows_open", .gauge, "Scan windows open now (BeginScan's and the daemon's own).",
               \.windowsOpen),
        Family("pageoutd_region_window_peak_resident_bytes", .gauge,
               "Most memory of the region seen resident while the current or last scan window was open.",
               \.windowPeakResidentBytes),
        Family("pageoutd_region_auto_windows_opened_total", .counter,
               "Scan windows opened by the daemon when the VMM's migration thread appeared.", \.autoWindowsOpened),
        Family("pageoutd_region_auto_windows_closed_total", .counter,
               "Scan windows ended by the daemon when the VMM's migration thread was gone.", \.autoWindowsClosed),
        Family("pageoutd_region_window_repaired_bytes_total", .counter,
               "Bytes scan windows put out of memory again at EndScan since registration.", \.windowRepairedBytes),
        Family("pageoutd_region_scans_total", .counter, "Scans of the region since it was registered.", \.scans),
        Family("pageoutd_region_scans_skipped_total", .counter,
               "Scan rounds that left the region alone because it was quiet, since it was registered.",
               \.scansSkipped),
        Family("pageoutd_region_scan_stretch", .gauge,
               "Scan intervals between the region's scans now: 1 while it changes, more while it is quiet.",
               \.scanStretch),
        Family("pageoutd_region_state_bytes", .gauge,
               "Bytes of the daemon's memory the region's page state takes: bitmaps, blocks, last snapshot, windows.",
               \.stateBytes),
    ]

    /// Every family's name, type and help, daemon-wide ones first, in the order the text lists them.
    public static var declarations: [(name: String, kind: Kind, help: String)] {
        daemon.map { ($0.name, $0.kind, $0.help) } + region.map { ($0.name, $0.kind, $0.help) }
    }

    /// The text a Prometheus registry emitted (`# TYPE` lines and samples, families in any order), finished for
    /// operators: every family of ``declarations`` in its order with its `# HELP` and `# TYPE` lines (also when it
    /// has no samples yet), its samples sorted, and whatever else the text holds kept after them unchanged.
    public static func documented(_ emitted: String) -> String {
        var emitted = emitted
        return emitted.withUTF8(documented(utf8:))
    }

    /// `documented` on the emitted text's bytes: its lines are ranges of them, sorted and copied as bytes (a
    /// rendering with 64 regions is thousands of lines, and String's per-character splitting and comparing made
    /// it most of a round's cost).
    private static func documented(utf8 text: UnsafeBufferPointer<UInt8>) -> String {
        let newline = UInt8(ascii: "\n")
        var families: [String: (type: String, samples: [Range<Int>])] = [:]
        var orphans: [Range<Int>] = []  // lines before any `# TYPE` line
        var current: String?
        var start = 0
        while start < text.count {
            let end = text[start...].firstIndex(of: newline) ?? text.count
            let line = start..<end
            start = end + 1
            guard !line.isEmpty, !text[line].starts(with: "# HELP ".utf8) else { continue }  // HELP: from the table
            if text[line].starts(with: "# TYPE ".utf8) {
                let words = String(decoding: text[line], as: UTF8.self).split(separator: " ")
                current = words.count > 2 ? String(words[2]) : ""
                families[current!] = (words.count > 3 ? String(words[3]) : "untyped", [])
            } else if let current {
                families[current]?.samples.append(line)
            } else {
                orphans.append(line)
            }
        }
        var rendered: [UInt8] = []
        rendered.reserveCapacity(text.count + declarationHeaderBytes)
        func append(_ lines: [Range<Int>], sorted: Bool) {
            let ordered = sorted ? lines.sorted { precedes($0, $1, in: text) } : lines
            for line in ordered {
                rendered.append(contentsOf: text[line])
                rendered.append(newline)
            }
        }
        for declaration in declarationHeaders {
            rendered.append(contentsOf: declaration.header)
            append(families.removeValue(forKey: declaration.name)?.samples ?? [], sorted: true)
        }
        // A family the table does not declare (none today) is passed on as the registry wrote it.
        for (name, family) in families.sorted(by: { $0.key < $1.key }) {
            rendered.append(contentsOf: "# TYPE \(name) \(family.type)\n".utf8)
            append(family.samples, sorted: true)
        }
        append(orphans, sorted: false)
        return String(decoding: rendered, as: UTF8.self)
    }

    /// True when the bytes of `line` in `text` sort before those of `other` (a plain loop over the buffer: the
    /// generic comparison of two slices cost most of a rendering).
    private static func precedes(_ line: Range<Int>, _ other: Range<Int>, in text: UnsafeBufferPointer<UInt8>) -> Bool {
        for offset in 0..<min(line.count, other.count) {
            let (byte, otherByte) = (text[line.lowerBound + offset], text[other.lowerBound + offset])
            if byte != otherByte { return byte < otherByte }
        }
        return line.count < other.count
    }

    /// Each declared family's `# HELP` and `# TYPE` lines, in the order the text lists them.
    private static let declarationHeaders: [(name: String, header: [UInt8])] = declarations.map { declaration in
        let lines = "# HELP \(declaration.name) \(escapedHelp(declaration.help))\n"
            + "# TYPE \(declaration.name) \(declaration.kind.rawValue)\n"
        return (declaration.name, Array(lines.utf8))
    }

    /// The bytes of `declarationHeaders`.
    private static let declarationHeaderBytes = declarationHeaders.reduce(0) { $0 + $1.header.count }

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
