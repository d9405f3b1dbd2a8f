/// The configuration of a daemon that converges a guest quickly: 1 s scans, 3 s cold age, region vm1.
enum ConvergingConfig {
    /// The text for guest `pid` with memfd `memfd`; `extra` goes under `[policy]`.
    static func text(pid: Int32, memfd: String, extra: String = "") -> String {
        """
        [daemon]
        scan_interval = "1s"
        log_level = "info"

        [policy]
        cold_age = "3s"
        max_backoff = "10m"
        \(extra)

        [[region]]
        name = "vm1"
        pid = \(pid)
        memfd = "\(memfd)"
        """
    }
}
