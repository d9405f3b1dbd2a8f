import PageoutCore
import PageoutLinux

/// One thing preflight found, in a plain sentence.
public struct PreflightFinding: Sendable, Hashable, CustomStringConvertible {
    /// How much it matters.
    public enum Severity: Sendable, Hashable {
        /// pageoutd cannot work at all: start-up stops.
        case fatal
        /// Some regions or features will not work; pageoutd runs and says why.
        case warning
        /// For the record.
        case info
    }

    /// Whether start-up stops (fatal), the daemon runs with less (warning), or nothing is wrong (info).
    public var severity: Severity
    /// What was found, for the log and, with a fatal finding, for systemd's STATUS=.
    public var sentence: String
    /// The errno to report to systemd with a fatal finding.
    public var errno: Int32 = 0

    public var description: String { sentence }
}

/// Checks at start-up what this host and this process allow, so problems are said once, plainly, up front.
public enum Preflight {
    /// Capabilities, kernel features and swap, as findings.
    public static func run(procfs: ProcFS = ProcFS()) -> [PreflightFinding] {
        var findings: [PreflightFinding] = []
        let features = KernelFeatures.probe(procfs: procfs)
        if !features.processMadvise {
            findings.append(.init(severity: .fatal,
                                  sentence: "this kernel has no process_madvise (Linux 5.10 or newer is needed)",
                                  errno: 38))  // ENOSYS
        }
        findings.append(features.pagemapScan
            ? .init(severity: .info, sentence: "PAGEMAP_SCAN is available: pagemap is read as runs")
            : .init(severity: .warning, sentence: "this kernel has no PAGEMAP_SCAN (Linux 6.7): "
                        + "pagemap is read with pread, which is slower"))
        if !features.cachestat {
            findings.append(.init(severity: .info,
                                  sentence: "this kernel has no cachestat (Linux 6.5): only cross-checks use it"))
        }
        do {
            let missing = Capability.missing(from: try procfs.ownEffectiveCapabilities())
            for capability in missing {
                let sentence = "capability \(capability.name) is missing: it is needed \(capability.purpose)"
                findings.append(.init(severity: .warning, sentence: sentence))
            }
        } catch {
            findings.append(.init(severity: .warning, sentence: "cannot read this process's capabilities: \(error)"))
        }
        do {
            let swap = try procfs.swapStatus()
            if let reason = swap.unusableReason {
                findings.append(.init(severity: .warning,
                                      sentence: "\(reason): nothing will be paged out until swap is usable"))
            } else {
                let sentence = "swap: \(swap.deviceCount) device(s), \(swap.freeBytes >> 20) MiB free"
                    + " of \(swap.totalBytes >> 20) MiB"
                findings.append(.init(severity: .info, sentence: sentence))
            }
        } catch {
            findings.append(.init(severity: .warning, sentence: "cannot read swap figures: \(error)"))
        }
        return findings
    }
}
