/// The scale benchmark's table (Markdown): a row per layout, then each layout against the first.
enum ScaleTable {
    static let headers = ["layout", "watched GiB", "95% of cold in swap", "× cold_age", "settled after",
                          "cold in swap at end", "paged out MiB/s / refaults per s (steady)",
                          "daemon CPU (% of a core)", "of it snapshot / policy / pageout", "CPU per 16 GiB",
                          "daemon RSS MiB", "of it anonymous MiB", "page state KiB per GiB",
                          "worst hot pass ms alone / converging / steady"]

    static func text(_ results: [ScaleFigures], coldAge: Int) -> String {
        var lines = [PolicyTable.row(headers), PolicyTable.row(headers.map { _ in "---" })]
        for result in results {
            let gib = gibibytes(result.layout.watchedBytes)
            lines.append(PolicyTable.row([
                result.layout.description,
                decimal(gib, places: 2),
                result.convergedAfter.map { "\(decimal($0, places: 1)) s" } ?? "not reached",
                result.convergedAfter.map { decimal($0 / Double(coldAge), places: 1) } ?? "-",
                result.settledAfter.map { "+\(decimal($0, places: 1)) s" } ?? "not within 120 s",
                "\(decimal(100 * result.coldInSwapAtEnd, places: 1))%",
                "\(decimal(result.pagedOutMiBPerSecond, places: 2)) / \(decimal(result.refaultsPerSecond, places: 1))",
                "\(decimal(100 * result.cpuShare, places: 2))%",
                [result.snapshotShare, result.policyShare, result.pageoutShare]
                    .map { decimal(100 * $0, places: 2) }.joined(separator: " / "),
                "\(decimal(100 * result.cpuShare * 16 / gib, places: 2))%",
                decimal(Double(result.residentKiB) / 1024, places: 1),
                decimal(Double(result.anonymousKiB) / 1024, places: 1),
                decimal(result.stateBytes / 1024 / gib, places: 1),
                [result.worstAlonePassMs, result.worstConvergingPassMs, result.worstPassMs]
                    .map { decimal($0, places: 1) }.joined(separator: " / "),
            ]))
        }
        guard let base = results.first, results.count > 1 else { return lines.joined(separator: "\n") }
        lines += ["", "Against \(base.layout) (CPU over the steady window after convergence; RSS is VmRSS at its end):"]
        for result in results.dropFirst() {
            let converge = result.convergedAfter.flatMap { after in
                base.convergedAfter.map { decimal(after / $0, places: 2) }
            } ?? "-"
            let moreGiB = gibibytes(result.layout.watchedBytes - base.layout.watchedBytes)
            let moreMiB = Double(result.residentKiB - base.residentKiB) / 1024
            lines.append("- \(result.layout): watched ×"
                + decimal(Double(result.layout.watchedBytes) / Double(base.layout.watchedBytes), places: 2)
                + ", convergence time ×\(converge), CPU ×"
                + decimal(result.cpuShare / max(base.cpuShare, 1e-9), places: 2) + ", RSS ×"
                + decimal(Double(result.residentKiB) / Double(max(base.residentKiB, 1)), places: 2)
                + " (\(moreGiB > 0 ? decimal(moreMiB / moreGiB, places: 2) : "-") MiB more per GiB more watched)")
        }
        return lines.joined(separator: "\n")
    }

    private static func gibibytes(_ bytes: Int) -> Double {
        Double(bytes) / Double(1 << 30)
    }

    private static func decimal(_ value: Double, places: Int) -> String {
        PolicyTable.decimal(value, places: places)
    }
}
